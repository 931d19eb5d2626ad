"""Storage against a real SQLite file in a temporary directory."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.models import DayTotal, Poll, Win, WinKind
from bot.storage.store import Storage

TEAM = "T1"
CHANNEL = "C1"
DAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    store = Storage(tmp_path / "d.db")
    yield store
    store.close()


def posted_poll(storage: Storage, on: date = DAY, channel: str = CHANNEL) -> int:
    poll, owned = storage.claim_poll(TEAM, channel, on, NOW)
    assert owned
    storage.set_poll_message(poll.id, f"17000.{poll.id}", None)
    return poll.id


# Opening


def migration_state(path: Path) -> tuple[set[str], list[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
    finally:
        conn.close()
    return tables, applied


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    first = Storage(path)
    poll_id = posted_poll(first)
    first.record_answer(poll_id, "p1", 4)
    first.add_win(TEAM, CHANNEL, DAY, WinKind.NEW, "Signed Globex", "s1")
    first.close()
    tables, applied = migration_state(path)
    assert {"channels", "polls", "answers", "wins"} <= tables
    assert applied[0] == "m001_core"
    assert len(applied) == len(set(applied))
    for _ in range(2):
        again = Storage(path)
        try:
            assert again.poll_total(poll_id) == DayTotal(DAY, 1, 4, 3)
            assert again.wins_between(TEAM, CHANNEL, DAY, DAY) == [
                Win(DAY, WinKind.NEW, "Signed Globex")
            ]
        finally:
            again.close()
        assert migration_state(path) == (tables, applied)


def test_creates_missing_parent_directory(tmp_path: Path) -> None:
    store = Storage(tmp_path / "nested" / "dir" / "d.db")
    try:
        assert store.is_writable()
    finally:
        store.close()


def test_journal_mode_is_wal(storage: Storage) -> None:
    conn = sqlite3.connect(storage.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


# Channels


def test_channel_tz_defaults_then_upserts(storage: Storage) -> None:
    assert storage.channel_tz(TEAM, CHANNEL, "UTC") == "UTC"
    storage.set_channel_tz(TEAM, CHANNEL, "Europe/Berlin")
    storage.set_channel_tz(TEAM, CHANNEL, "Asia/Tokyo")
    assert storage.channel_tz(TEAM, CHANNEL, "UTC") == "Asia/Tokyo"
    assert storage.channel_tz(TEAM, "C2", "UTC") == "UTC"


# claim_poll / request_poll


def test_first_claim_is_owned_and_second_is_not(storage: Storage) -> None:
    first, owned = storage.claim_poll(TEAM, CHANNEL, DAY, NOW)
    assert owned is True
    assert first == Poll(first.id, TEAM, CHANNEL, DAY, None, None)
    second, owned_again = storage.claim_poll(TEAM, CHANNEL, DAY, NOW + timedelta(seconds=1))
    assert owned_again is False
    assert second == first


def test_claims_are_per_channel_and_per_day(storage: Storage) -> None:
    a, owned_a = storage.claim_poll(TEAM, CHANNEL, DAY, NOW)
    b, owned_b = storage.claim_poll(TEAM, "C2", DAY, NOW)
    c, owned_c = storage.claim_poll(TEAM, CHANNEL, DAY + timedelta(days=1), NOW)
    d, owned_d = storage.claim_poll("T2", CHANNEL, DAY, NOW)
    assert (owned_a, owned_b, owned_c, owned_d) == (True, True, True, True)
    assert len({a.id, b.id, c.id, d.id}) == 4


def test_posted_claim_is_never_queued_again(storage: Storage) -> None:
    first, _ = storage.claim_poll(TEAM, CHANNEL, DAY, NOW)
    storage.set_poll_message(first.id, "1700000000.000100", "https://x.test/p1")
    poll, queued = storage.request_poll(TEAM, CHANNEL, DAY, NOW + timedelta(days=2), 3, LATER)
    assert queued is False
    assert poll == Poll(first.id, TEAM, CHANNEL, DAY, "1700000000.000100", "https://x.test/p1")
    assert storage.get_poll(first.id) == poll
    assert storage.poll_on(TEAM, CHANNEL, DAY) == poll
    assert storage.outbox_pending() == {}


# The outbox (issue 12)

LATER = NOW + timedelta(hours=8)


def outbox(storage: Storage) -> list[tuple]:
    return [(row.kind.value, row.ref, row.version, row.payload) for row in storage.outbox_after(0)]


def test_a_poll_is_queued_with_its_claim_once_while_it_waits(storage: Storage) -> None:
    poll, queued = storage.request_poll(TEAM, CHANNEL, DAY, NOW, 3, LATER, "https://r.test/1")
    again, queued_again = storage.request_poll(TEAM, CHANNEL, DAY, NOW, 3, LATER)
    assert (queued, queued_again) == (True, False)
    assert again == poll and storage.poll_on_its_way(poll.id)
    (row,) = storage.outbox_after(0)
    assert (row.kind.value, row.ref, row.response_url, row.expires_at) == (
        "poll",
        poll.id,
        "https://r.test/1",
        LATER,
    )
    # Given up: the next request queues it again, under the same poll id.
    storage.outbox_drop(row)
    third, queued_third = storage.request_poll(TEAM, CHANNEL, DAY, NOW, 3, LATER)
    assert queued_third is True and third.id == poll.id
    (row,) = storage.outbox_after(0)
    storage.poll_posted(row.id, poll.id, "1700000000.000100")
    assert storage.get_poll(poll.id).message_ts == "1700000000.000100"
    assert storage.outbox_pending() == {}


def test_answers_coalesce_into_one_pending_edit(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    storage.record_answer(poll_id, "p1", 2, edit_at=NOW)
    (first,) = storage.outbox_after(0)
    storage.record_answer(poll_id, "p2", 3, edit_at=NOW)
    storage.record_answer(poll_id, "p3", 4)  # no edit_at: nothing queued
    assert outbox(storage) == [("edit", poll_id, 1, None)]
    # A send that read version 0 does not retire the newer edit.
    assert storage.outbox_delivered(first) is False
    (newer,) = storage.outbox_after(0)
    assert storage.outbox_delivered(newer) is True
    assert storage.outbox_pending() == {}


def test_closing_queues_the_closing_edit_and_the_result_line(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    assert storage.close_poll(poll_id, NOW)
    assert outbox(storage) == [("edit", poll_id, 0, None), ("result", poll_id, 0, None)]
    assert not storage.close_poll(poll_id, NOW)  # closed once, queued once
    assert storage.outbox_pending() == {"edit": 1, "result": 1}


def test_a_scheduled_digest_is_claimed_and_queued_together(storage: Storage) -> None:
    monday = date(2026, 11, 16)
    assert storage.claim_digest(TEAM, CHANNEL, monday, NOW, LATER)
    assert not storage.claim_digest(TEAM, CHANNEL, monday, NOW, LATER)
    (row,) = storage.outbox_after(0)
    assert row.payload == {"week": "2026-11-16", "scheduled": True}
    storage.outbox_drop(row)  # given up: the week's claim goes with it
    assert storage.claim_digest(TEAM, CHANNEL, monday, NOW, LATER)


def test_nudge_is_marked_and_queued_once(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    assert storage.queue_nudge(poll_id, NOW, "30 minutes left", LATER)
    assert not storage.queue_nudge(poll_id, NOW, "30 minutes left", LATER)
    assert outbox(storage) == [("nudge", poll_id, 0, {"text": "30 minutes left"})]


def test_row_ids_are_never_handed_out_twice(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    storage.queue_edit(poll_id, NOW)
    (row,) = storage.outbox_after(0)
    assert storage.outbox_delivered(row)
    storage.queue_edit(poll_id, NOW)
    assert [r.id for r in storage.outbox_after(row.id)] == [row.id + 1]


def test_forgetting_a_workspace_drops_its_outbox(storage: Storage) -> None:
    storage.request_poll(TEAM, CHANNEL, DAY, NOW, 3, LATER)
    storage.request_poll("T2", CHANNEL, DAY, NOW, 3, LATER)
    storage.forget_team(TEAM)
    assert [row.team_id for row in storage.outbox_after(0)] == ["T2"]
    assert storage.outbox_oldest() == NOW


def test_get_poll_of_unknown_id(storage: Storage) -> None:
    assert storage.get_poll(999) is None
    assert storage.poll_on(TEAM, CHANNEL, DAY) is None


# Answers


def test_record_answer_upsert_replaces(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    assert storage.poll_total(poll_id) == DayTotal(DAY, 0, 0, 3)
    storage.record_answer(poll_id, "p1", 3)
    storage.record_answer(poll_id, "p2", 5)
    assert storage.poll_total(poll_id) == DayTotal(DAY, 2, 8, 3)
    storage.record_answer(poll_id, "p1", 1)
    assert storage.poll_total(poll_id) == DayTotal(DAY, 2, 6, 3)
    storage.record_answer(poll_id, "p2", 0)
    assert storage.poll_total(poll_id) == DayTotal(DAY, 2, 1, 3)


def test_answers_are_per_poll(storage: Storage) -> None:
    a = posted_poll(storage, channel="CA")
    b = posted_poll(storage, channel="CB")
    storage.record_answer(a, "p1", 3)
    storage.record_answer(b, "p1", 7)
    assert storage.poll_total(a) == DayTotal(DAY, 1, 3, 3)
    assert storage.poll_total(b) == DayTotal(DAY, 1, 7, 3)


def test_poll_total_of_unknown_poll(storage: Storage) -> None:
    with pytest.raises(LookupError):
        storage.poll_total(999)


def answer_rows(storage: Storage, poll_id: int) -> int:
    conn = sqlite3.connect(storage.path)
    try:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM answers WHERE poll_id = ?", [poll_id]
        ).fetchone()
        return count
    finally:
        conn.close()


def test_answer_to_unknown_poll_is_not_stored(storage: Storage) -> None:
    with contextlib.suppress(sqlite3.IntegrityError):
        assert not storage.record_answer(999, "p1", 1)
    assert answer_rows(storage, 999) == 0
    # A refused write must not leave a transaction open that swallows later writes.
    poll_id = posted_poll(storage)
    storage.record_answer(poll_id, "p1", 2)
    assert storage.poll_total(poll_id) == DayTotal(DAY, 1, 2, 3)
    assert answer_rows(storage, poll_id) == 1


def test_daily_totals_only_posted_polls_in_range_oldest_first(storage: Storage) -> None:
    days = [DAY + timedelta(days=n) for n in (3, -2, 0, 1)]
    ids = {day: posted_poll(storage, on=day) for day in days}
    storage.claim_poll(TEAM, CHANNEL, DAY + timedelta(days=2), NOW)  # never posted
    other_channel = posted_poll(storage, on=DAY, channel="C2")
    storage.record_answer(other_channel, "p9", 100)
    storage.record_answer(ids[DAY], "p1", 2)
    storage.record_answer(ids[DAY], "p2", 3)
    storage.record_answer(ids[DAY + timedelta(days=1)], "p1", 4)
    storage.record_answer(ids[DAY + timedelta(days=3)], "p1", 50)
    for poll_id in ids.values():  # folded: closed polls keep their exact team numbers
        storage.close_poll(poll_id, NOW)
    week = (DAY - timedelta(days=2), DAY + timedelta(days=2))
    assert storage.daily_totals(TEAM, CHANNEL, *week) == [
        DayTotal(DAY - timedelta(days=2), 0, 0, 3),
        DayTotal(DAY, 2, 5, 3),
        DayTotal(DAY + timedelta(days=1), 1, 4, 3),
    ]
    assert storage.daily_totals(TEAM, CHANNEL, DAY, DAY) == [DayTotal(DAY, 2, 5, 3)]
    assert storage.daily_totals("T2", CHANNEL, DAY, DAY) == []


# Wins


def test_add_win_dedupes_on_source_id(storage: Storage) -> None:
    assert storage.add_win(TEAM, CHANNEL, DAY, WinKind.NEW, "Signed Globex", "trigger-1") is True
    assert storage.add_win(TEAM, CHANNEL, DAY, WinKind.KEPT, "Retry", "trigger-1") is False
    assert storage.add_win(TEAM, CHANNEL, DAY, WinKind.KEPT, "Saved Initech", "trigger-2") is True
    assert storage.wins_between(TEAM, CHANNEL, DAY, DAY) == [
        Win(DAY, WinKind.KEPT, "Saved Initech"),
        Win(DAY, WinKind.NEW, "Signed Globex"),
    ]


def test_wins_between_newest_first_in_range(storage: Storage) -> None:
    def add(on: date, story: str, channel: str = CHANNEL) -> None:
        assert storage.add_win(TEAM, channel, on, WinKind.OTHER, story, f"src-{story}")

    add(DAY, "wed-1")
    add(DAY - timedelta(days=2), "mon")
    add(DAY + timedelta(days=4), "sun")
    add(DAY, "wed-2")
    add(DAY + timedelta(days=5), "next-mon")
    add(DAY - timedelta(days=3), "last-sun")
    add(DAY, "other-channel", channel="C2")
    week = (DAY - timedelta(days=2), DAY + timedelta(days=4))
    stories = [w.story for w in storage.wins_between(TEAM, CHANNEL, *week)]
    assert stories == ["sun", "wed-2", "wed-1", "mon"]


def test_win_story_stored_verbatim(storage: Storage) -> None:
    story = "Robert'); DROP TABLE wins;-- 😀 \u05e9\u05dc\u05d5\u05dd <!channel> &amp;"
    assert storage.add_win(TEAM, CHANNEL, DAY, WinKind.INTERNAL, story, "s1")
    assert storage.wins_between(TEAM, CHANNEL, DAY, DAY) == [Win(DAY, WinKind.INTERNAL, story)]


# Concurrency


def test_concurrent_answers_from_many_threads(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    threads_n, answers_n = 8, 50
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def answer(thread: int) -> None:
        try:
            start.wait()
            for n in range(answers_n):
                storage.record_answer(poll_id, f"person-{thread}-{n}", 1)
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)

    workers = [threading.Thread(target=answer, args=(t,)) for t in range(threads_n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert not any(worker.is_alive() for worker in workers)
    assert errors == []
    assert storage.poll_total(poll_id) == DayTotal(DAY, 400, 400, 3)


def test_is_writable(storage: Storage) -> None:
    assert storage.is_writable() is True


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


# The live tally's steps and the fold at close (issue 13)


def shown(storage: Storage, poll_id: int) -> tuple[int, int, int]:
    """(responders, total, answers changed since) as the poll's live tally shows them."""
    live = storage.live_tally(poll_id)
    return live.day.responders, live.day.total, live.pending


def test_live_tally_moves_every_three_changed_answers(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    for person, count in [("a", 1), ("b", 2)]:
        storage.record_answer(poll_id, person, count)
    assert shown(storage, poll_id) == (2, 0, 0)  # below the threshold: the count only
    storage.record_answer(poll_id, "c", 5)
    assert shown(storage, poll_id) == (3, 8, 0)
    storage.record_answer(poll_id, "d", 12)
    assert shown(storage, poll_id) == (3, 8, 1)
    assert storage.poll_total(poll_id) == DayTotal(DAY, 4, 20, 3)  # the truth, never shown
    assert storage.daily_totals(TEAM, CHANNEL, DAY, DAY) == [DayTotal(DAY, 3, 8, 3)]
    storage.record_answer(poll_id, "e", 1)
    storage.record_answer(poll_id, "a", 4)
    assert shown(storage, poll_id) == (5, 24, 0)


def test_one_person_changing_again_and_again_is_one_changed_answer(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    for person in "abc":
        storage.record_answer(poll_id, person, 1)
    for count in (5, 2, 5, 5, 4):
        storage.record_answer(poll_id, "a", count)
    assert shown(storage, poll_id) == (3, 3, 1)
    storage.record_answer(poll_id, "a", 1)  # back to what the tally counts
    storage.record_answer(poll_id, "b", 1)  # the same number again
    assert shown(storage, poll_id) == (3, 3, 0)


def test_forgetting_counts_toward_the_next_step(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    for person, count in [("a", 5), ("b", 1), ("c", 1), ("d", 1)]:
        storage.record_answer(poll_id, person, count)
    assert shown(storage, poll_id) == (3, 7, 1)
    assert storage.forget_person(TEAM, "a") == (1, [poll_id])
    storage.step_live_tally(poll_id, 3, NOW)
    assert shown(storage, poll_id) == (3, 7, 2)
    storage.record_answer(poll_id, "e", 2)
    assert shown(storage, poll_id) == (4, 5, 0)


def test_closing_folds_the_answers_into_team_numbers(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    other = posted_poll(storage, channel="C2")
    for person, count in [("person-aaaa", 5), ("person-bbbb", 1), ("person-cccc", 3)]:
        storage.record_answer(poll_id, person, count)
    storage.record_answer(other, "person-aaaa", 2)
    storage.record_answer(poll_id, "person-dddd", 9)  # after the last step
    assert storage.close_poll(poll_id, NOW)
    assert not storage.close_poll(poll_id, NOW)
    assert answer_rows(storage, poll_id) == 0
    assert answer_rows(storage, other) == 1  # still open
    assert storage.poll_total(poll_id) == DayTotal(DAY, 4, 18, 3)
    assert storage.live_tally(poll_id).day == DayTotal(DAY, 4, 18, 3)  # exact at close
    assert storage.daily_totals(TEAM, CHANNEL, DAY, DAY) == [DayTotal(DAY, 4, 18, 3)]
    assert storage.recent_responders(TEAM, CHANNEL) == [4]
    assert not storage.record_answer(poll_id, "person-eeee", 1)
    # Nothing per person is left for the closed day, not even in the file's free pages.
    storage._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stored = storage.path.read_bytes()
    assert b"person-bbbb" not in stored and b"person-dddd" not in stored
    assert b"person-aaaa" in stored  # the open poll's answer


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
