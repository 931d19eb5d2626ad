"""Pace Delight's own posts to what Slack allows, so a fan-out never runs into 429s.

Slack lets an app post about one message per second in a channel, with a workspace-wide
limit above that ("short bursts allowed"). When hundreds of channels poll at the same minute,
posting as fast as the threads allow would earn a wall of ``ratelimited`` answers, each costing
a ``Retry-After`` wait on a worker thread. Instead every post first reserves a slot: the
earliest moment that keeps both its channel and its workspace within their limits. A slot is
never given twice, so callers that wait for theirs (or, better, are scheduled at it) go out
in order and at the pace allowed. Slack's 429 stays the backstop for limits we can't see.

Reservations follow the generic cell rate algorithm: per key, the "theoretical arrival time"
of the next post; a workspace may run ``burst`` posts ahead of its steady rate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Slack's documented pace for posting in one channel.
CHANNEL_INTERVAL = 1.0
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
        self._interval = 1 / rate
        self._ahead = (burst - 1) * self._interval
        self._channel_interval = channel_interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._workspace_next: dict[str, float] = {}
        self._channel_next: dict[tuple[str, str], float] = {}
        self._reserved = 0

    def reserve(self, team_id: str, channel_id: str) -> float:
        """Take the next free slot for a post; returns how many seconds from now it is."""
        with self._lock:
            now = self._monotonic()
            workspace_next = self._workspace_next.get(team_id, now)
            key = (team_id, channel_id)
            slot = max(now, workspace_next - self._ahead, self._channel_next.get(key, now))
            self._workspace_next[team_id] = max(workspace_next, slot) + self._interval
            self._channel_next[key] = slot + self._channel_interval
            self._reserved += 1
            if self._reserved % _PRUNE_EVERY == 0:
                self._prune(now)
            return slot - now

    def wait(self, team_id: str, channel_id: str, sleep: Callable[[float], None] = time.sleep):
        """Reserve a slot and sleep until it comes: for the few posts made on request."""
        delay = self.reserve(team_id, channel_id)
        if delay > 0:
            sleep(delay)

    def _prune(self, now: float) -> None:
        self._channel_next = {k: t for k, t in self._channel_next.items() if t > now}
        self._workspace_next = {k: t for k, t in self._workspace_next.items() if t > now}
