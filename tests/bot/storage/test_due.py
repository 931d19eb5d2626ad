"""The due index in SQLite: its order, its rows, its first build from an older database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.domain.due import DueKind
from bot.domain.schedule import EVERY_DAY
from bot.storage.store import Storage

CLAIMED = datetime(2026, 11, 18, 17, 0, 4, tzinfo=UTC)


@pytest.fixture
def storage(tmp_path: Path):
    store = Storage(tmp_path / "d.db")
    yield store
    store.close()


def test_earliest_and_due_read_the_index_in_time_order(storage: Storage) -> None:
    assert storage.earliest_due() is None
    base = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    storage.set_due("T1", "C1", {DueKind.POLL: base + timedelta(minutes=2)})
    # Another zone's instant, and a fraction of a second: the order is time's, not text's.
    storage.set_due("T1", "C2", {DueKind.POLL: base.astimezone(ZoneInfo("Asia/Kathmandu"))})
    storage.set_due("T2", "C1", {DueKind.CLOSE: base + timedelta(microseconds=1)})
    assert storage.earliest_due() == base
    due = storage.due_until(base + timedelta(minutes=1), 10)
    assert [(d.kind, d.team_id, d.channel_id) for d in due] == [
        (DueKind.POLL, "T1", "C2"),
        (DueKind.CLOSE, "T2", "C1"),
    ]
    assert [d.at for d in due] == [base, base + timedelta(microseconds=1)]
    assert storage.due_until(base - timedelta(seconds=1), 10) == []
    storage.set_due("T1", "C2", {DueKind.POLL: None})
    assert storage.due_instants("T1", "C2") == {}
    assert storage.earliest_due() == base + timedelta(microseconds=1)


def test_forgetting_a_workspace_drops_its_instants(storage: Storage) -> None:
    storage.save_schedule("T1", "C1", time(17), "UTC", EVERY_DAY)
    storage.save_schedule("T2", "C1", time(17), "UTC", EVERY_DAY)
    for team in ("T1", "T2"):
        storage.set_due(team, "C1", {DueKind.POLL: CLAIMED, DueKind.CLOSE: CLAIMED})
    storage.forget_team("T1")
    assert storage.due_instants("T1", "C1") == {}
    assert set(storage.due_instants("T2", "C1")) == {DueKind.POLL, DueKind.CLOSE}


def test_nested_transactions_commit_together(storage: Storage) -> None:
    at = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    with pytest.raises(RuntimeError), storage.transaction():
        storage.set_due("T", "C", {DueKind.POLL: at})  # its own transaction, inside this one
        storage.add_skip("T", "C", date(2026, 12, 24))
        raise RuntimeError("the firing failed")
    assert storage.due_instants("T", "C") == {}
    assert storage.skips("T", "C", date(2026, 1, 1)) == []
    with storage.transaction():
        storage.set_due("T", "C", {DueKind.POLL: at})
    assert storage.due_instants("T", "C") == {DueKind.POLL: at}


def test_upgrade_builds_the_index_and_catches_up_only_what_is_not_claimed(tmp_path: Path) -> None:
    """m011 fills the index from the schedules and the open polls. Wednesday 18 November
    2026, 17:30 UTC: C1's 17:00 poll went out; C2's did not (the process was down): it is
    due at once. C2's digest (Wednesday 16:00, set explicitly) is due too, and C1's, claimed
    already, is next week's."""
    from sqlite_utils import Database

    from bot.storage.migrations import migrations

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m011_due_index")
    now = datetime(2026, 11, 18, 17, 30, tzinfo=UTC)
    for channel, nudge in (("C1", 30), ("C2", None)):
        old.execute(
            "INSERT INTO channels (team_id, channel_id, tz, poll_time, days, paused, digest_day,"
            " digest_time, digest_off, nudge_minutes) VALUES ('T', ?, 'UTC', '17:00:00',"
            " '0,1,2,3,4,5,6', 0, 2, '16:00:00', 0, ?)",
            [channel, nudge],
        )
    claimed = datetime(2026, 11, 18, 17, 0, 2, tzinfo=UTC)
    old.execute(
        "INSERT INTO polls (team_id, channel_id, local_date, claimed_at, message_ts)"
        " VALUES ('T', 'C1', '2026-11-18', ?, '1.1')",
        [claimed.isoformat()],
    )
    old.execute("INSERT INTO digests VALUES ('T', 'C1', '2026-11-16', ?)", [claimed.isoformat()])
    old.conn.commit()
    old.close()
    with time_machine.travel(now, tick=False):
        storage = Storage(path)
    try:
        assert storage.due_instants("T", "C1") == {
            DueKind.POLL: datetime(2026, 11, 19, 17, 0, tzinfo=UTC),
            DueKind.DIGEST: datetime(2026, 11, 25, 16, 0, tzinfo=UTC),
            DueKind.CLOSE: datetime(2026, 11, 19, 17, 1, tzinfo=UTC),  # closed by the next
            DueKind.NUDGE: datetime(2026, 11, 19, 16, 30, tzinfo=UTC),
        }
        assert storage.due_instants("T", "C2") == {
            DueKind.POLL: datetime(2026, 11, 18, 17, 0, tzinfo=UTC),
            DueKind.DIGEST: datetime(2026, 11, 18, 16, 0, tzinfo=UTC),
        }
        assert storage.pending_migrations() == []
    finally:
        storage.close()
