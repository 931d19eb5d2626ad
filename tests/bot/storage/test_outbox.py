"""The outbox (issue 12): each write queues its message in its own transaction."""

from __future__ import annotations

from datetime import date

from bot.storage.store import Storage
from tests.bot.storage.conftest import CHANNEL, DAY, LATER, NOW, TEAM, posted_poll


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
    assert storage.queue_nudge(poll_id, NOW, 30, LATER)
    assert not storage.queue_nudge(poll_id, NOW, 30, LATER)
    assert outbox(storage) == [("nudge", poll_id, 0, {"minutes_left": 30})]


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
