"""A poll's claim, and polls looked up."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import Poll
from bot.storage.store import Storage
from tests.bot.storage.conftest import CHANNEL, DAY, LATER, NOW, TEAM


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


def test_get_poll_of_unknown_id(storage: Storage) -> None:
    assert storage.get_poll(999) is None
    assert storage.poll_on(TEAM, CHANNEL, DAY) is None
