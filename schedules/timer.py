"""One timer thread: it runs a pass when the instant the last pass named comes, or at once
when woken (a schedule changed), and sleeps in between.

The pass returns the next instant (the due index's earliest). The sleep is capped, so a
wall clock that jumps (a suspended VM, a corrected clock) is noticed within a minute; a
pass that finds nothing due costs two index probes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from bot.domain.calendar import Clock
from bot.domain.failures import failure_of

logger = logging.getLogger(__name__)

LONGEST_SLEEP = 60.0


class Timer:
    def __init__(
        self,
        run_pass: Callable[[], datetime | None],
        clock: Clock,
        longest: float = LONGEST_SLEEP,
    ) -> None:
        self._pass = run_pass
        self._clock = clock
        self._longest = longest
        self._woken = threading.Event()
        self._stopping = False
        # What the sleep is until; None while a pass runs (a wake then always counts).
        self._sleeping_until: datetime | None = None
        self._thread = threading.Thread(target=self._run, name="schedule", daemon=True)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stopping

    @property
    def stopping(self) -> bool:
        return self._stopping

    def start(self) -> None:
        self._thread.start()

    def wake(self, at: datetime | None = None) -> None:
        """Run a pass now: something may be due earlier than the instant slept to. With
        ``at`` (the earliest of the instants just written), only if that is earlier."""
        until = self._sleeping_until
        if at is None or until is None or at < until:
            self._woken.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the firing in progress, if any."""
        self._stopping = True
        self._woken.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping:
            self._sleeping_until = None
            self._woken.clear()
            try:
                next_at = self._pass()
            except Exception as error:  # the next pass tries again; the thread must live on
                logger.error("schedule pass failed: %s", failure_of(error))
                logger.debug("schedule pass failed", exc_info=True)
                next_at = None
            wait = self._longest
            if next_at is not None:
                wait = min(wait, max(0.0, (next_at - self._clock()).total_seconds()))
                self._sleeping_until = next_at
            self._woken.wait(wait)
