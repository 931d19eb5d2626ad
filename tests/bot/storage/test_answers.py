"""Answers, the live tally's steps and the fold at close (issue 13)."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import timedelta

import pytest

from bot.domain.models import DayTotal
from bot.storage.store import Storage
from tests.bot.storage.conftest import CHANNEL, DAY, NOW, TEAM, answer_rows, posted_poll, shown


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
