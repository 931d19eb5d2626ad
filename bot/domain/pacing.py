"""Pace Delight's own posts to what Slack allows, so a fan-out never runs into 429s.

Slack lets an app post about one message per second in a channel, with a workspace-wide
limit above that ("short bursts allowed"). When hundreds of channels poll at the same minute,
posting as fast as the threads allow would earn a wall of ``ratelimited`` answers, each costing
a ``Retry-After`` wait on a worker thread. Instead every post first reserves a slot: the
earliest moment that keeps both its channel and its workspace within their limits. A slot is
never given twice, so callers that wait for theirs (or, better, are scheduled at it) go out
in order and at the pace allowed. Slack's 429 stays the backstop for limits we can't see.

A workspace's limit is kept as a token bucket (``burst`` posts at once, ``rate`` a second
after that) laid out on a grid of ticks ``1/rate`` apart: each post takes a tick of its own no
earlier than ``burst - 1`` ticks before it is sent. Any stretch of time then holds at most
``burst + rate * its length`` posts, which is exactly what the bucket allows, even though a
post held back by its channel takes a later tick than posts reserved after it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

# Slack's documented pace for posting in one channel.
CHANNEL_INTERVAL = 1.0
# Our own pace for a workspace (Slack does not publish its limit): 20 at once, then 8 a second.
DEFAULT_RATE = 8.0
DEFAULT_BURST = 20
# Forget the channels whose next slot is this far in the past (they are free again anyway).
_PRUNE_EVERY = 1024


class Pacer:
    """Hands out posting slots per (workspace, channel), keeping both within their limits."""

    def __init__(
        self,
        rate: float,
        burst: int,
        channel_interval: float = CHANNEL_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._tick = 1 / rate
        self._early = burst - 1
        self._channel_interval = channel_interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._taken: dict[str, _Ticks] = {}
        self._channel_next: dict[tuple[str, str], float] = {}
        self._reserved = 0

    def reserve(self, team_id: str, channel_id: str) -> float:
        """Take the next free slot for a post; returns how many seconds from now it is."""
        with self._lock:
            now = self._monotonic()
            key = (team_id, channel_id)
            earliest = max(now, self._channel_next.get(key, now))
            ticks = self._taken.setdefault(team_id, _Ticks())
            tick = ticks.take(math.ceil(earliest / self._tick) - self._early)
            slot = max(earliest, tick * self._tick)
            self._channel_next[key] = slot + self._channel_interval
            self._reserved += 1
            if self._reserved % _PRUNE_EVERY == 0:
                self._prune(now)
            return slot - now

    def sent(self, team_id: str, channel_id: str) -> None:
        """A post to the channel just went out: keep its next one a full interval after now.

        A post can leave later than its slot (the pool was busy, Slack was slow), and the
        channel's next slot was counted from the slot, not from when it really left.
        """
        with self._lock:
            key = (team_id, channel_id)
            after = self._monotonic() + self._channel_interval
            self._channel_next[key] = max(self._channel_next.get(key, after), after)

    def wait(
        self, team_id: str, channel_id: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        """Reserve a slot and sleep until it comes: for the one post made on request, the
        thank-you to another team (``Delight.send_thanks``)."""
        delay = self.reserve(team_id, channel_id)
        if delay > 0:
            sleep(delay)

    def _prune(self, now: float) -> None:
        self._channel_next = {k: t for k, t in self._channel_next.items() if t > now}
        oldest = math.floor(now / self._tick) - self._early - 1
        for team_id in list(self._taken):
            if not self._taken[team_id].forget_before(oldest):
                del self._taken[team_id]


class _Ticks:
    """A workspace's taken ticks, with "next free tick" links so a long run is skipped fast."""

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def take(self, wanted: int) -> int:
        """Take the first free tick at or after ``wanted``."""
        path = []
        tick = wanted
        while tick in self._next:
            path.append(tick)
            tick = self._next[tick]
        for seen in path:  # path compression: the next search jumps straight here
            self._next[seen] = tick
        self._next[tick] = tick + 1
        return tick

    def forget_before(self, oldest: int) -> int:
        """Drop ticks before ``oldest``; returns how many are left."""
        self._next = {t: n for t, n in self._next.items() if t >= oldest}
        return len(self._next)
