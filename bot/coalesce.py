"""Coalesce bursts of "this changed" into few, spaced-out refreshes.

``chat.update`` is rate-limited (Tier 3), so a burst of clicks on one poll must not become one
update per click. Each key is refreshed at most once per ``min_interval`` seconds; a request
that arrives while a refresh is waiting joins it, and one that arrives while a refresh is
running schedules another, so the last refresh always reads the final state.

Several workers share the keys (with thousands of workspaces, one thread waiting on Slack's
round trip for every update would make live tallies lag), but never run the same key twice
at once, so one poll's edits can't overtake each other.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

logger = logging.getLogger(__name__)


class Coalescer:
    def __init__(
        self,
        action: Callable[[Hashable], None],
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        workers: int = 1,
    ) -> None:
        self._action = action
        self._min_interval = min_interval
        self._clock = clock
        self._due: dict[Hashable, float] = {}
        self._last_run: dict[Hashable, float] = {}
        self._running: set[Hashable] = set()
        self._closed = False
        self._cond = threading.Condition()
        self._threads = [
            threading.Thread(target=self._work, name=f"coalescer-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def request(self, key: Hashable) -> None:
        with self._cond:
            if self._closed or key in self._due:
                return
            now = self._clock()
            if len(self._last_run) > 1024:
                # Forget keys whose interval has passed, so a long-running process doesn't
                # keep one entry per poll it ever refreshed.
                cutoff = now - self._min_interval
                self._last_run = {k: t for k, t in self._last_run.items() if t > cutoff}
            last = self._last_run.get(key)
            self._due[key] = now if last is None else max(now, last + self._min_interval)
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is waiting or running; True if that happened in time."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._due and not self._running, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Run what is still due (without waiting out the interval), then stop."""
        with self._cond:
            for key in self._due:
                self._due[key] = self._clock()
            self._cond.notify_all()
        self.wait_idle(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def _work(self) -> None:
        while True:
            with self._cond:
                key = self._next_due()
                if key is None:
                    return
                del self._due[key]
                self._last_run[key] = self._clock()
                self._running.add(key)
            try:
                self._action(key)
            except Exception:
                logger.exception("refresh failed")
            finally:
                with self._cond:
                    self._running.discard(key)
                    self._cond.notify_all()

    def _next_due(self) -> Hashable | None:
        """Wait (holding the condition) for the earliest due key that no other worker is
        running; None once closed."""
        while not self._closed:
            waiting = [(due, key) for key, due in self._due.items() if key not in self._running]
            if waiting:
                due, key = min(waiting, key=lambda item: item[0])
                wait = due - self._clock()
                if wait <= 0:
                    return key
                self._cond.wait(wait)
            else:
                self._cond.wait()
        return None
