"""At most N requests a minute per key, over a sliding window. In memory, per process."""

from __future__ import annotations

import threading
from collections import deque

from bot.domain.calendar import Clock

WINDOW_SECONDS = 60.0


class PerMinute:
    """``check(key)``: 0 when the request may go ahead (and it is counted), else how many
    seconds until one may. Each key keeps at most ``limit`` timestamps."""

    def __init__(self, limit: int, clock: Clock) -> None:
        self._limit = limit
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        now = self._clock().timestamp()
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - WINDOW_SECONDS:
                seen.popleft()
            if len(seen) >= self._limit:
                return seen[0] + WINDOW_SECONDS - now
            seen.append(now)
            return 0.0
