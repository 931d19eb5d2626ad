"""The delivery worker alone (bot.slack.delivery): a stub Slack per workspace, a real database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.outbox import Message, Row
from bot.domain.pacing import Pacer
from bot.slack.delivery import Delivery
from bot.slack.errors import GiveUp, TurnOff
from bot.storage.store import Storage
from tests.conftest import FakeClock, Ticker, eventually

NOW = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
MONDAY = date(2026, 11, 16)


class Recorder:
    """The Sender: every row is a post; what happened to each is recorded."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.dropped: list[tuple[Row, GiveUp | TurnOff | None]] = []

    def speaking(self, row: Row) -> AbstractContextManager:
        return nullcontext()

    def render(self, row: Row) -> Message | None:
        return Message("chat.postMessage", {"text": f"row {row.id}"})

    def delivered(self, row: Row, answer: Any) -> bool:
        return self.storage.outbox_delivered(row)

    def dropped(self, row: Row, failure: GiveUp | TurnOff | None) -> None:
        self.dropped.append((row, failure))

    def waiting(self, row: Row) -> None:
        pass


class StubClient:
    """One workspace's Slack: answers at once, or holds every post until ``released``.

    The worker uses a shallow copy (without the retry handlers): the state is shared."""

    token, base_url = "xoxb-stub", "https://slack.test/api/"

    def __init__(self, hold: bool = False) -> None:
        self.retry_handlers: list = []
        self.released = threading.Event()
        if not hold:
            self.released.set()
        self.lock = threading.Lock()
        self.counts = {"in flight": 0, "most in flight": 0}
        self.posted: list[str] = []

    @property
    def most_in_flight(self) -> int:
        return self.counts["most in flight"]

    def chat_postMessage(self, channel: str, **_: Any) -> dict:
        with self.lock:
            self.counts["in flight"] += 1
            most = max(self.counts["most in flight"], self.counts["in flight"])
            self.counts["most in flight"] = most
        self.released.wait(10)
        with self.lock:
            self.counts["in flight"] -= 1
            self.posted.append(channel)
        return {"ok": True, "ts": "1700000000.000001"}


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    storage = Storage(tmp_path / "delight.db")
    yield storage
    storage.close()


def queue_digests(storage: Storage, team: str, channels: int) -> None:
    for n in range(channels):
        storage.queue_digest(team, f"C{n:03d}", MONDAY, NOW, NOW + timedelta(days=5), None)


def worker(storage: Storage, clients: dict[str, StubClient], clock: FakeClock) -> Delivery:
    return Delivery(
        storage,
        lambda team: clients[team],  # type: ignore[arg-type, return-value]
        Recorder(storage),
        clock,
        post_pacer=Pacer(10_000, 10_000, channel_interval=0.0),
        threads=16,
        per_team=8,
    )


def test_a_workspace_whose_slack_hangs_never_delays_another(storage: Storage) -> None:
    busy, other = StubClient(hold=True), StubClient()
    other.token = "xoxb-other"
    queue_digests(storage, "TBUSY", 30)
    queue_digests(storage, "TOTHER", 3)
    delivery = worker(storage, {"TBUSY": busy, "TOTHER": other}, FakeClock(NOW))
    delivery.start()
    try:
        # The busy workspace's posts hang until released: the other's can't wait for them.
        eventually(lambda: len(other.posted) >= 3, what="the other workspace's posts")
        assert busy.most_in_flight == 8  # at most half the threads, while it hangs
        busy.released.set()
        assert delivery.wait_idle(10)
    finally:
        delivery.close()
    assert len(busy.posted) == 30 and busy.most_in_flight <= 8
    assert storage.outbox_pending() == {}


def test_a_row_past_its_time_is_dropped_unsent(storage: Storage) -> None:
    client = StubClient()
    clock = FakeClock(NOW)
    storage.queue_digest("T", "C1", MONDAY, NOW, NOW + timedelta(minutes=5), None)
    clock.now = NOW + timedelta(minutes=5)  # the week (here: five minutes) is over
    delivery = worker(storage, {"T": client}, clock)
    delivery.start()
    try:
        assert delivery.wait_idle(5)
    finally:
        delivery.close()
    assert client.posted == []
    assert storage.outbox_pending() == {}


class FailingRecord(Recorder):
    """Slack takes the post; recording it fails every time (a database that stays locked)."""

    def delivered(self, row: Row, answer: Any) -> bool:
        raise RuntimeError("database is locked")


def test_a_send_slack_took_is_never_sent_again_when_recording_it_fails(storage: Storage):
    client = StubClient()
    storage.queue_digest("T", "C1", MONDAY, NOW, NOW + timedelta(days=5), None)
    delivery = Delivery(
        storage,
        lambda team: client,  # type: ignore[arg-type, return-value]
        FailingRecord(storage),
        FakeClock(NOW),
        post_pacer=Pacer(10_000, 10_000, channel_interval=0.0),
    )
    delivery.start()
    try:
        assert delivery.wait_idle(5)
    finally:
        delivery.close()
    assert client.posted == ["C1"]  # once; the row stays for the next start (the known double)
    assert storage.outbox_pending() == {"digest": 1}


class EditClient(StubClient):
    """Slack taking live-tally edits; the first arrives with a click behind it (the poll's
    edit is written again while the first is on its way)."""

    def __init__(self, storage: Storage, poll_id: int, clock: Ticker) -> None:
        super().__init__()
        self.edited_at: list[float] = []
        self._again = lambda: storage.queue_edit(poll_id, NOW)
        self._clock = clock

    def chat_update(self, **_: Any) -> dict:
        self.edited_at.append(self._clock.now)
        if len(self.edited_at) == 1:
            self._again()
        return {"ok": True}


class EditRecorder(Recorder):
    def render(self, row: Row) -> Message | None:
        return Message("chat.update", {"ts": "1.1", "text": f"version {row.version}"})


def test_a_message_is_edited_again_only_an_interval_after_its_last_edit_began(
    storage: Storage,
) -> None:
    """The pace of the live tally (tests/handlers/test_click_burst.py measures it in real
    time): an edit written while the last was on its way goes out once, ``edit_interval``
    after the last one began, counted on the worker's own clock."""
    interval, step = 0.05, 0.001
    poll, _ = storage.claim_poll("T", "C1", MONDAY, NOW)
    storage.set_poll_message(poll.id, "1.1")
    clock = Ticker(step)
    client = EditClient(storage, poll.id, clock)
    storage.queue_edit(poll.id, NOW)
    delivery = Delivery(
        storage,
        lambda team: client,  # type: ignore[arg-type, return-value]
        EditRecorder(storage),
        FakeClock(NOW),
        post_pacer=Pacer(10_000, 10_000, channel_interval=0.0, monotonic=clock),
        edit_pacer=Pacer(10_000, 10_000, channel_interval=0.0, monotonic=clock),
        edit_interval=interval,
        monotonic=clock,
    )
    delivery.start()
    try:
        assert delivery.wait_idle(10)
    finally:
        delivery.close()
    first, second = client.edited_at
    # The first edit reached Slack a few looks at the clock after it began (without the
    # interval the second follows it within about as few).
    assert second - first >= interval - 10 * step
    assert storage.outbox_pending() == {}
