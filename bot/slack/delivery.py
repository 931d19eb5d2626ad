"""The one sender: delivers the outbox's rows (``bot.domain.outbox``) to Slack, paced, and retried.

A dispatcher thread reads new rows as they are written (``wake``, and once a second in
case a writer didn't say), takes a slot for each from its pacer (``chat.postMessage``:
Slack's per-channel and per-workspace limits; ``chat.update``: Tier 3 per workspace) and
hands it, when its slot comes, to a small pool of sending threads. A row waiting for its
slot or for a retry holds no thread, and a workspace never has more than ``per_team``
sends in flight, so one busy or slow workspace can't delay another's messages.

Each answer from Slack is classified once (``bot.slack.errors.classify``): done, try again
after N seconds (the row stays in the database and waits here), give up, or turn the
channel's schedule off. Waiting is real time (``monotonic``); whether a row still makes
sense (``expires_at``) is decided by the injected clock, like every other date.
Each row is rendered, and what went wrong with it worded, in its channel's language
(``Sender.speaking``).

A restart reads every row still in the database: those that were waiting, and the one that
was being sent when the process died, which is sent again (chat.postMessage has no
idempotency key: the documented double).
"""

from __future__ import annotations

import copy
import heapq
import itertools
import logging
import random
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.domain.calendar import Clock
from bot.domain.failures import failure_of
from bot.domain.outbox import Kind, Message, Row
from bot.domain.pacing import Pacer
from bot.slack import replies
from bot.slack.errors import SLACK_ERRORS, GiveUp, Retry, TurnOff, backoff, classify
from bot.storage.store import Storage

logger = logging.getLogger(__name__)

SEND_THREADS = 16
# Sends in flight for one workspace at most: the others' messages always find a thread.
PER_TEAM = 8
# Rows are read again this often even when no writer said there were new ones, and at most
# this often when writers do (a burst of clicks wakes the worker once per click).
RESCAN_SECONDS = 1.0
SCAN_GAP = 0.01
# A row that can't go out within this long tells the person who asked (``Sender.waiting``).
WAITING_NOTE_AFTER = 1.0
# chat.update is Tier 3 (about 50 a minute per workspace): 10 at once, then 40 a minute, so
# no minute holds more than 50.
EDIT_RATE = 40 / 60
EDIT_BURST = 10
# Clients kept, one per token (tokens rotate; the oldest goes first).
_CLIENTS = 256
# Polls whose last edit time is kept before the ones past their interval are forgotten.
_EDITS_KEPT = 1024
# Tries at recording a send Slack took, before leaving it to the next start.
_RECORD_TRIES = 3


class Sender(Protocol):
    """What the rows mean: ``bot.slack.rows.OutboxRows`` draws them and acts on the outcome."""

    def speaking(self, row: Row) -> AbstractContextManager:
        """The language to render the row in, and to word what went wrong with it."""

    def render(self, row: Row) -> Message | None:
        """What to send now; None when there is nothing to send any more."""

    def delivered(self, row: Row, answer: Any) -> bool:
        """Slack took the row: record it and retire the row; False if it must go again."""

    def dropped(self, row: Row, failure: GiveUp | TurnOff | None) -> None:
        """The row was retired unsent: given up (``failure``) or expired (None)."""

    def waiting(self, row: Row) -> None:
        """The row could not go out at once (Slack asked to wait, or its slot is later)."""


@dataclass
class _Entry:
    row: Row
    slot: bool = False  # a pacer slot is reserved for the row's next send
    noted: bool = False  # the person who asked was told it is on its way


class Delivery:
    def __init__(
        self,
        storage: Storage,
        client_for: Callable[[str], WebClient],
        sender: Sender,
        clock: Clock,
        post_pacer: Pacer,
        edit_pacer: Pacer | None = None,
        edit_interval: float = 1.5,
        monotonic: Callable[[], float] = time.monotonic,
        threads: int = SEND_THREADS,
        per_team: int = PER_TEAM,
    ) -> None:
        """``edit_interval``: the least time between two edits of one message."""
        self._storage = storage
        self._client_for = client_for
        self._sender = sender
        self._clock = clock
        self._post_pacer = post_pacer
        self._edit_pacer = edit_pacer or Pacer(EDIT_RATE, EDIT_BURST, channel_interval=0.0)
        self._edit_interval = edit_interval
        self._monotonic = monotonic
        self._per_team = per_team
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, int]] = []  # (when, tie-breaker, row id)
        self._seq = itertools.count()
        self._entries: dict[int, _Entry] = {}
        self._blocked: dict[str, deque[int]] = {}
        self._in_flight: Counter[str] = Counter()
        self._last_edit: dict[int, float] = {}  # poll id -> when its last edit started
        self._last_id = 0
        self._dirty = True
        self._stopping = False
        self._clients: OrderedDict[tuple, WebClient] = OrderedDict()
        self._clients_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="delivery")
        self._thread = threading.Thread(target=self._run, name="delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Rows were written: read them now. A burst of wakes (one per click) wakes the
        dispatcher once, not once each."""
        with self._cond:
            if not self._dirty:
                self._dirty = True
                self._cond.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every row is delivered or dropped; True if that happened in time."""
        self.wake()
        with self._cond:
            return self._cond.wait_for(self._idle, timeout)

    def backlog_seconds(self) -> float:
        """How long the oldest row in the outbox has waited (0 when it is empty)."""
        oldest = self._storage.outbox_oldest()
        return 0.0 if oldest is None else max(0.0, (self._clock() - oldest).total_seconds())

    def close(self, timeout: float = 10.0) -> None:
        """Send what is due now and let sends in flight finish, then stop. Rows waiting for a
        retry or a later slot stay in the database for the next start."""
        self.wake()
        with self._cond:
            if self._thread.is_alive():  # else it never started: nothing is in flight
                self._cond.wait_for(self._drained, timeout)
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._pool.shutdown(wait=True)

    def _idle(self) -> bool:
        return not self._dirty and not self._entries

    def _drained(self) -> bool:
        due = bool(self._heap) and self._heap[0][0] <= self._monotonic()
        return not self._dirty and not due and not sum(self._in_flight.values())

    # The dispatcher

    def _run(self) -> None:
        last_scan = -SCAN_GAP
        while True:
            with self._cond:
                while not self._stopping and not self._due_now():
                    now = self._monotonic()
                    if now - last_scan >= RESCAN_SECONDS:
                        self._dirty = True  # a while without news: look anyway
                    if self._dirty and now - last_scan >= SCAN_GAP:
                        break
                    wait = RESCAN_SECONDS - (now - last_scan)
                    if self._dirty:
                        wait = SCAN_GAP - (now - last_scan)
                    if self._heap:
                        wait = min(wait, self._heap[0][0] - now)
                    self._cond.wait(max(wait, 0.0))
                if self._stopping:
                    return
                read = self._dirty and self._monotonic() - last_scan >= SCAN_GAP
                if read:
                    self._dirty, last_scan = False, self._monotonic()
            try:
                if read:
                    self._read_new_rows()
                self._dispatch_due()
            except Exception as error:
                logger.error("delivery dispatcher failed; going on: %s", failure_of(error))
                time.sleep(0.1)

    def _due_now(self) -> bool:
        return bool(self._heap) and self._heap[0][0] <= self._monotonic()

    def _read_new_rows(self) -> None:
        rows = self._storage.outbox_after(self._last_id)
        with self._cond:
            for row in rows:
                self._last_id = max(self._last_id, row.id)
                if row.id not in self._entries:
                    self._entries[row.id] = _Entry(row)
                    self._push(row.id, self._earliest(row))
            self._cond.notify_all()

    def _dispatch_due(self) -> None:
        while True:
            with self._cond:
                if self._stopping or not self._due_now():
                    return
                _, _, row_id = heapq.heappop(self._heap)
                entry = self._entries.get(row_id)
                if entry is None:
                    continue
                team = entry.row.team_id
                if self._in_flight[team] >= self._per_team:
                    self._blocked.setdefault(team, deque()).append(row_id)
                    continue
                if not entry.slot:
                    delay = self._reserve(entry.row)
                    if delay > 0:
                        entry.slot = True
                        self._push(row_id, self._monotonic() + delay)
                        note = delay >= WAITING_NOTE_AFTER and not entry.noted
                        entry.noted = entry.noted or note
                        if note:
                            self._pool.submit(self._note_waiting, entry.row)
                        continue
                entry.slot = False
                self._in_flight[team] += 1
                if entry.row.kind is Kind.EDIT and entry.row.ref is not None:
                    self._last_edit[entry.row.ref] = self._monotonic()
            self._pool.submit(self._send, row_id, team)

    def _reserve(self, row: Row) -> float:
        if row.kind is Kind.REPLY:
            return 0.0  # a response_url is not the channel
        if row.kind is Kind.EDIT:
            return self._edit_pacer.reserve(row.team_id, "")
        return self._post_pacer.reserve(row.team_id, row.channel_id)

    def _earliest(self, row: Row) -> float:
        """When a row may next go: an edit not sooner than ``edit_interval`` after the last
        edit of its message started."""
        now = self._monotonic()
        if row.kind is Kind.EDIT and row.ref is not None and row.ref in self._last_edit:
            return max(now, self._last_edit[row.ref] + self._edit_interval)
        return now

    def _forget_old_edits(self) -> None:
        """Keep the last edit times that still space an edit out, not one per poll ever."""
        if len(self._last_edit) > _EDITS_KEPT:
            cutoff = self._monotonic() - self._edit_interval
            self._last_edit = {k: t for k, t in self._last_edit.items() if t > cutoff}

    def _push(self, row_id: int, when: float) -> None:
        heapq.heappush(self._heap, (when, next(self._seq), row_id))
        self._cond.notify_all()

    # The senders

    def _note_waiting(self, row: Row) -> None:
        try:
            with self._sender.speaking(row):
                self._sender.waiting(row)
        except Exception as error:
            logger.error("delivery: telling that a row waits failed: %s", failure_of(error))

    def _send(self, row_id: int, team: str) -> None:
        started = time.perf_counter()
        outcome, tries, kind = "gone", 0, "?"
        again: float | None = None
        try:
            row = self._storage.outbox_row(row_id)
            if row is not None:
                kind, tries = row.kind.value, row.tries + 1
                with self._sender.speaking(row):
                    outcome, again = self._deliver(row)
        except Exception as error:
            logger.error("delivery of a row failed, trying it later: %s", failure_of(error))
            logger.debug("delivery failure", exc_info=error)
            outcome, again = "error", backoff(tries or 1)
            self._count_failure(row_id)
        finally:
            with self._cond:
                self._in_flight[team] -= 1
                blocked = self._blocked.get(team)
                if blocked:
                    self._push(blocked.popleft(), self._monotonic())
                    if not blocked:
                        del self._blocked[team]
                entry = self._entries.get(row_id)
                if again is not None and entry is not None and not self._stopping:
                    entry.slot = False
                    # Up to half as long again, at random: rows refused together (a burst of
                    # 429s) don't all come back in the same instant.
                    again *= 1 + random.random() / 2
                    self._push(row_id, max(self._monotonic() + again, self._earliest(entry.row)))
                    if again > 0 and not entry.noted:
                        entry.noted = True
                        self._pool.submit(self._note_waiting, entry.row)
                else:
                    self._entries.pop(row_id, None)
                    self._forget_old_edits()
                self._cond.notify_all()
        ms = (time.perf_counter() - started) * 1000
        logger.info(
            "delivery kind=%s team=%s outcome=%s tries=%d ms=%.1f", kind, team, outcome, tries, ms
        )

    def _record(self, row: Row, answer: Any) -> tuple[str, float | None]:
        """Record what Slack took. Slack has it, so whatever happens here the row is never
        sent again by this process: a record that keeps failing leaves the row for the next
        start (the documented double of a send whose outcome was lost)."""
        for attempt in range(_RECORD_TRIES):
            try:
                gone = self._sender.delivered(row, answer)
            except Exception as error:
                logger.warning(
                    "delivery: recording a sent row failed (%s), try %d", failure_of(error),
                    attempt + 1,
                )  # fmt: skip
                time.sleep(0.05 * 2**attempt)
            else:
                return "delivered", None if gone else 0.0
        return "delivered, not recorded", None

    def _count_failure(self, row_id: int) -> None:
        try:
            self._storage.outbox_failed(row_id, "error")
        except Exception as error:
            logger.error("delivery: counting a failed try failed: %s", failure_of(error))

    def _deliver(self, row: Row) -> tuple[str, float | None]:
        """Send one row; returns the outcome to log and, to send it again, after how long."""
        now = self._clock()
        if row.expires_at is not None and now >= row.expires_at:
            self._storage.outbox_drop(row)
            self._sender.dropped(row, None)
            return "expired", None
        message = self._sender.render(row)
        if message is None:
            # Nothing to send any more (an edit of a message not posted yet, a result below
            # the threshold); an edit written again meanwhile is rendered again.
            gone = self._storage.outbox_delivered(row)
            return "nothing to send", None if gone else 0.0
        try:
            answer = self._call(row, message)
        except SLACK_ERRORS as error:
            failure = classify(error, row.tries + 1)
        else:
            if isinstance(answer, GiveUp | Retry):
                failure = answer
            else:
                return self._record(row, answer)
        if isinstance(failure, Retry):
            self._storage.outbox_failed(row.id, failure.code)
            return f"retry after={failure.after:.1f} error={failure.code}", failure.after
        self._storage.outbox_drop(row)
        self._sender.dropped(row, failure)
        verb = "turned the channel off" if isinstance(failure, TurnOff) else "gave up"
        return f"{verb} error={failure.code}", None

    def _quick(self, client: WebClient) -> WebClient:
        """The client without its 429 and 5xx retry handlers, which sleep on the sending
        thread: here the row waits instead, holding no thread (issue 12). Connection errors
        are still retried at once by the client."""
        key = (client.token, client.base_url)
        with self._clients_lock:
            quick = self._clients.get(key)
            if quick is None:
                quick = copy.copy(client)
                quick.retry_handlers = [
                    handler
                    for handler in client.retry_handlers
                    if not isinstance(handler, RateLimitErrorRetryHandler | ServerErrorRetryHandler)
                ]
                self._clients[key] = quick
                if len(self._clients) > _CLIENTS:
                    self._clients.popitem(last=False)  # a token long rotated away
            else:
                self._clients.move_to_end(key)
            return quick

    def _call(self, row: Row, message: Message) -> Any:
        """Make the call; raises what the call raises. A response_url answers with a status,
        turned here into what it means."""
        if message.method == "response_url":
            assert row.response_url is not None
            try:
                status = replies.post(row.response_url, message.args)
            except ValueError as error:  # not a URL we can post to
                return GiveUp("no usable response_url", type(error).__name__)
            if status == 200:
                return status
            if status == 429 or status >= 500:
                return Retry(backoff(row.tries + 1), f"http_{status}")
            return GiveUp("the response_url refused the message", f"http_{status}")
        client = self._quick(self._client_for(row.team_id))
        if message.method == "chat.update":
            return client.chat_update(channel=row.channel_id, **message.args)
        try:
            return client.chat_postMessage(channel=row.channel_id, **message.args)
        finally:
            self._post_pacer.sent(row.team_id, row.channel_id)
