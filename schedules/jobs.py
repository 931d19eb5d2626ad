"""The scheduler: one timer fires what the due index says is due (issue 17).

Each channel's next poll, digest, nudge and close is a row of the due index, in UTC. One
thread (``schedules.timer``) sleeps until the earliest of them, or until a schedule changes,
fires what is due (``bot.service.firings``), and sleeps again, so the cost grows with the
work that is due, not with the channels Delight knows; starting it reads nothing per
channel.

Missed while the process was down, an instant is still in the index, and due, when it comes
back: the first pass fires it, and the firing decides whether it still makes sense (a poll
until the channel's local day is over; a digest until its week is over, and only if the week
has numbers). Firings run on the timer's small pool of threads, never on request threads,
and only write; the delivery worker sends.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from bot.domain.calendar import Clock
from bot.domain.due import Due, DueKind
from bot.domain.failures import failure_of
from bot.service.firings import Firings
from schedules.timer import Timer

logger = logging.getLogger(__name__)

# Due rows read at a time; a pass reads until none is due.
BATCH = 500
# Channels fired side by side. Firings only write, under the store's one write lock, but
# on a single thread a fan-out's firings got a seventeenth of the interpreter against the
# delivery worker's sixteen sending threads (bench/scale.py: 2,000 polls 1.4x later).
FIRING_THREADS = 8
# A firing that failed is tried again this much later.
RETRY_FAILED = timedelta(minutes=1)


class Jobs:
    def __init__(self, firings: Firings, clock: Clock) -> None:
        self.firings = firings
        self.clock = clock
        self.timer = Timer(self.fire_due, clock)
        self._pool = ThreadPoolExecutor(FIRING_THREADS, thread_name_prefix="firing")
        # Set once the first pass, the catch-up of what was missed while down, is over.
        self.caught_up = threading.Event()
        self._started_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.timer.running

    def start(self) -> None:
        """Start the timer. Its first pass fires what was missed while the process was down;
        a poll or digest queued before a restart is still in the outbox, and its firing
        finds it claimed (the delivery worker sends it)."""
        self._started_at = self.clock()
        self.timer.start()

    def shutdown(self) -> None:
        """Stop firing, after the firings in progress."""
        self.timer.stop()
        self._pool.shutdown(wait=True)

    def sync(self, team_id: str, channel_id: str) -> None:
        """The channel's schedule changed (or is gone): its instants follow, at once."""
        self.firings.schedule_changed(team_id, channel_id)
        self.timer.wake()

    def poll_posted(self, team_id: str, channel_id: str) -> None:
        """A poll of the channel was posted: its close and its nudge are in the index (the
        timer wakes only if one comes before what it sleeps until)."""
        self.timer.wake(self.firings.poll_posted(team_id, channel_id))

    def instants(self, team_id: str, channel_id: str) -> dict[DueKind, datetime]:
        return self.firings.instants_of(team_id, channel_id)

    # The timer's pass

    def fire_due(self) -> datetime | None:
        """Fire everything due now; returns the next instant in the index (None: none)."""
        started, now = time.perf_counter(), self.clock()
        fired: set[tuple[DueKind, str, str]] = set()
        while not self.timer.stopping:
            # Each firing moves its instant past now; one that could not (its firing failed,
            # and so did moving it) is not fired twice in a pass.
            rows = self.firings.due(now, BATCH + len(fired))
            fresh = [due for due in rows if (due.kind, due.team_id, due.channel_id) not in fired]
            if not fresh:
                break
            by_channel: dict[tuple[str, str], list[Due]] = {}
            for due in fresh:
                fired.add((due.kind, due.team_id, due.channel_id))
                by_channel.setdefault((due.team_id, due.channel_id), []).append(due)
            # A channel's instants in their order on one thread; channels side by side, so
            # a fan-out's polls go into the outbox while the delivery worker's threads send.
            list(self._pool.map(self._fire_channel, by_channel.values()))
        self.firings.forget_events(now)
        earliest = self.firings.earliest()
        if earliest is not None and earliest <= now:
            earliest = now + RETRY_FAILED  # stuck: try again later, not in a busy loop
        if not self.caught_up.is_set():
            ms = (time.perf_counter() - started) * 1000
            next_at = earliest.isoformat() if earliest else "none"
            logger.info("schedule caught up fired=%d next=%s ms=%.1f", len(fired), next_at, ms)
            self.caught_up.set()
        return earliest

    def _fire_channel(self, dues: list[Due]) -> None:
        for due in dues:
            if not self.timer.stopping:
                self._fire(due)

    def _fire(self, due: Due) -> None:
        started = time.perf_counter()
        try:
            match due.kind:
                case DueKind.POLL:
                    done = self.firings.poll(due.team_id, due.channel_id, due.at)
                    outcome = "queued"
                case DueKind.DIGEST:
                    started_at = self._started_at or due.at
                    done, outcome = self.firings.due_digest(due, started_at), "queued"
                case DueKind.NUDGE:
                    done, outcome = self.firings.nudges(due.team_id, due.channel_id), "queued"
                case DueKind.CLOSE:
                    done, outcome = self.firings.close(due.team_id, due.channel_id), "closed"
        except Exception as error:  # one channel's failure never holds up the others
            logger.error(
                "job kind=%s channel=%s failed: %s", due.kind, due.channel_id, failure_of(error)
            )
            logger.debug("job failed", exc_info=True)
            self.firings.postpone(due, self.clock() + RETRY_FAILED)
            return
        if done:
            _log_job(due.kind, due.team_id, due.channel_id, outcome, started)

    # The time came: what a firing does, for tests to call at an instant of their choosing

    def run_poll(self, team_id: str, channel_id: str) -> None:
        started = time.perf_counter()
        if self.firings.poll(team_id, channel_id):
            _log_job(DueKind.POLL, team_id, channel_id, "queued", started)

    def run_digest(self, team_id: str, channel_id: str) -> None:
        started = time.perf_counter()
        if self.firings.digest(team_id, channel_id):
            _log_job(DueKind.DIGEST, team_id, channel_id, "queued", started)


def _log_job(kind: str, team_id: str, channel_id: str, outcome: str, started: float) -> None:
    """One line per firing that did something, like the request log's."""
    ms = (time.perf_counter() - started) * 1000
    logger.info(
        "job kind=%s team=%s channel=%s outcome=%s ms=%.1f", kind, team_id, channel_id, outcome, ms
    )
