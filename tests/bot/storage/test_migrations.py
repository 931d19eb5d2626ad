"""Upgrades of a database made by an earlier version keep what it holds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.domain.models import DayTotal, Win, WinKind
from bot.storage.store import Storage
from tests.bot.storage.conftest import CHANNEL, DAY, NOW, TEAM, answer_rows, shown


def test_upgrade_to_lean_answers_keeps_every_answer(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from bot.storage.migrations import migrations

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m006_lean_answers")
    old.execute(
        "INSERT INTO polls (id, team_id, channel_id, local_date, claimed_at, message_ts)"
        " VALUES (1, ?, ?, ?, ?, '1.1')",
        [TEAM, CHANNEL, DAY.isoformat(), NOW.isoformat()],
    )
    old.execute("INSERT INTO answers VALUES (1, 'a', 3), (1, 'b', 4), (1, 'c', 5)")
    old.conn.commit()
    old.close()
    storage = Storage(path)
    try:
        assert storage.poll_total(1) == DayTotal(DAY, 3, 12, 3)
        assert storage.record_answer(1, "a", 1)
        assert storage.poll_total(1) == DayTotal(DAY, 3, 10, 3)
        sql = storage._db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'answers'"
        ).fetchone()[0]
        assert "WITHOUT ROWID" in sql
    finally:
        storage.close()


def test_upgrade_folds_every_closed_poll(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from bot.storage.migrations import migrations

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m007_team_numbers_only")
    old.execute(
        "INSERT INTO channels (team_id, channel_id, tz, threshold) VALUES (?, ?, 'UTC', 4)",
        [TEAM, "C2"],
    )
    for poll_id, channel, day, closed in [
        (1, CHANNEL, DAY - timedelta(days=1), NOW.isoformat()),
        (2, CHANNEL, DAY, None),
        (3, "C2", DAY, None),
    ]:
        old.execute(
            "INSERT INTO polls (id, team_id, channel_id, local_date, claimed_at, message_ts,"
            " closed_at) VALUES (?, ?, ?, ?, ?, '1.1', ?)",
            [poll_id, TEAM, channel, day.isoformat(), NOW.isoformat(), closed],
        )
        old.execute(
            "INSERT INTO answers VALUES (?, 'a', 3), (?, 'b', 4), (?, 'c', 5)", [poll_id] * 3
        )
    old.conn.commit()
    old.close()
    storage = Storage(path)
    try:
        assert answer_rows(storage, 1) == 0
        assert storage.poll_total(1) == DayTotal(DAY - timedelta(days=1), 3, 12, 3)
        assert shown(storage, 2) == (3, 12, 0)  # open and visible: it keeps showing that
        assert shown(storage, 3) == (3, 0, 0)  # open, below its channel's threshold of 4
        assert storage.record_answer(2, "d", 1)
        assert shown(storage, 2) == (3, 12, 1)
    finally:
        storage.close()


def test_upgrade_keeps_wins_and_adds_their_link_and_thanks(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from bot.storage.migrations import migrations

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m008_wins_from_anywhere")
    old.execute(
        "INSERT INTO wins (team_id, channel_id, local_date, kind, story, source_id)"
        " VALUES (?, ?, ?, 'kept', 'Saved Acme', 'cmd:1')",
        [TEAM, CHANNEL, DAY.isoformat()],
    )
    old.conn.commit()
    old.close()
    storage = Storage(path)
    try:
        assert storage.wins_between(TEAM, CHANNEL, DAY, DAY) == [
            Win(DAY, WinKind.KEPT, "Saved Acme", permalink=None, from_channel=None)
        ]
        assert storage.add_win(TEAM, "C2", DAY, WinKind.INTERNAL, "Thanks", "t:1", None, CHANNEL)
        assert storage.teams_thanked(TEAM, CHANNEL, DAY, DAY) == 1
        assert storage.pending_migrations() == []
    finally:
        storage.close()
