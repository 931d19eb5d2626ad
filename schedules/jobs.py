"""The scheduler: one timer fires what the due index (``bot.dueindex``) says is due.

Each channel's next poll, digest, nudge and close is a row of the due index, in UTC. One
thread (``schedules.timer``) sleeps until the earliest of them, or until a schedule changes,
fires what is due, and sleeps again, so the cost grows with the work that is due, not with
the channels Delight knows; start-up starts the thread and nothing else. A firing writes
what it sends (the outbox row) and the channel's next instant in one transaction, and the
guards against doubles are in the database (one poll per channel per local date, one
scheduled digest per channel per week, one nudge per poll), so restarts, double firings
and the fall-back hour post once.

Missed while the process was down, an instant is still in the index, and due, when it comes
back: the first pass fires it, and the firing decides whether it still makes sense (a poll
until the channel's local day is over, a digest until its week is over and only if the week
has numbers, as before this index). Firings run on the timer's thread and only write; the
delivery worker (``bot.delivery``) sends.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from bot.calendar import Clock
from bot.delight import Delight, PollQueued
from bot.dueindex import Due, DueIndex, DueKind, write
from bot.failures import failure_of
from bot.storage import Storage
from schedules.index import ScheduleIndex, skips_from
from schedules.rules import MAX_POLL_OPEN, needs_nudge, nudge_window
from schedules.timer import Timer

logger = logging.getLogger(__name__)

# Slack retries a failed event delivery three times within minutes; a day is ample.
KEEP_EVENT_IDS = timedelta(days=1)
# Due rows read at a time; a pass reads until none is due.
BATCH = 500
# How long a poll past its limit waits for the next poll's post to close it.
CLOSE_WAIT = timedelta(minutes=1)
# A firing that failed is tried again this much later.
RETRY_FAILED = timedelta(minutes=1)


class Jobs:
    def __init__(self, delight: Delight, storage: Storage, clock: Clock) -> None:
        self.delight = delight
        self.storage = storage
        self.clock = clock
        self.index = DueIndex(storage)
        self.schedules = ScheduleIndex(storage, self.index)
        self.timer = Timer(self.fire_due, clock)
        # Set once the first pass (the catch-up of what was missed while down) is done.
        self.caught_up = threading.Event()
        self._started_at: datetime | None = None
        # Slack's answer to a post can turn a channel's schedule off: drop its instants.
        delight.on_channel_off(self.sync)
        # A posted poll has a close and maybe a nudge to come.
        delight.on_poll_posted(self.polls_changed)

    @property
    def running(self) -> bool:
        return self.timer.running

    def start(self) -> None:
        """Start the timer. Its first pass fires what was missed while the process was down;
        a poll or digest queued before a restart is still in the outbox, and its firing
        found it claimed (the delivery worker sends it)."""
        self._started_at = self.clock()
        self.timer.start()

    def shutdown(self) -> None:
        """Stop firing, after the firing in progress."""
        self.timer.stop()

    def sync(self, team_id: str, channel_id: str) -> None:
        """The channel's schedule changed (or is gone): its instants follow, at once."""
        self.schedules.schedule_changed(team_id, channel_id, self.clock())
        self.timer.wake()

    def polls_changed(self, team_id: str, channel_id: str) -> None:
        """A poll of the channel was posted: its close and nudge are in the index."""
        self.schedules.polls_changed(team_id, channel_id, self.clock())
        self.timer.wake()

    # The timer's pass

    def fire_due(self) -> datetime | None:
        """Fire everything due now; returns the next instant in the index (None: none)."""
        started, now = time.perf_counter(), self.clock()
        fired: set[tuple[DueKind, str, str]] = set()
        while not self.timer.stopping:
            # Each firing moves its instant past now; one that could not (its firing failed,
            # and so did moving it) is not fired twice in a pass.
            rows = self.index.due(now, BATCH + len(fired))
            fresh = [due for due in rows if (due.kind, due.team_id, due.channel_id) not in fired]
            if not fresh:
                break
            for due in fresh:
                if self.timer.stopping:
                    break
                fired.add((due.kind, due.team_id, due.channel_id))
                self._fire(due)
        self.storage.forget_events(now - KEEP_EVENT_IDS)
        earliest = self.index.earliest()
        if earliest is not None and earliest <= now:
            earliest = now + RETRY_FAILED  # stuck: try again later, not in a busy loop
        if not self.caught_up.is_set():
            ms = (time.perf_counter() - started) * 1000
            next_at = earliest.isoformat() if earliest else "none"
            logger.info("schedule caught up fired=%d next=%s ms=%.1f", len(fired), next_at, ms)
            self.caught_up.set()
        return earliest

    def _fire(self, due: Due) -> None:
        try:
            match due.kind:
                case DueKind.POLL:
                    self.run_poll(due.team_id, due.channel_id)
                case DueKind.DIGEST:
                    self._fire_digest(due)
                case DueKind.NUDGE:
                    self.run_nudges(due.team_id, due.channel_id)
                case DueKind.CLOSE:
                    self.run_close(due.team_id, due.channel_id)
        except Exception as error:  # one channel's failure never holds up the others
            logger.error(
                "job kind=%s channel=%s failed: %s", due.kind, due.channel_id, failure_of(error)
            )
            logger.debug("job failed", exc_info=True)
            later = {due.kind: self.clock() + RETRY_FAILED}
            self.index.set(due.team_id, due.channel_id, later)

    # Firings. Each is also what a test calls to say "the time came".

    def run_poll(self, team_id: str, channel_id: str) -> None:
        """Queue the channel's poll if one is due now and not yet queued for its local day,
        and move its instant to the next poll, in one transaction."""
        started, now = time.perf_counter(), self.clock()
        with self.storage.transaction():
            schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
            outcome = None
            if schedule is not None and schedule.poll_due(now) is not None:
                outcome = self.delight.request_poll(team_id, channel_id)
            next_at = None if schedule is None else schedule.next_poll_at(now)
            write(self.storage.db, team_id, channel_id, {DueKind.POLL: next_at})
        if isinstance(outcome, PollQueued):
            self.delight.delivery.wake()
            _log_job("poll", team_id, channel_id, "queued", started)

    def run_digest(self, team_id: str, channel_id: str) -> None:
        """Queue this week's digest unless it already was (a restart, a double firing)."""
        self._digest(team_id, channel_id, self.clock(), missed=False)

    def _fire_digest(self, due: Due) -> None:
        now = self.clock()
        schedule = self.storage.schedule_for(due.team_id, due.channel_id, skips_from(now))
        if schedule is None or schedule.digest_due(now) is None:
            # Off, or the week it was for is over: only the next one's instant is left.
            next_at = None if schedule is None else schedule.next_digest_at(now)
            self.index.set(due.team_id, due.channel_id, {DueKind.DIGEST: next_at})
            return
        missed = self._started_at is not None and due.at < self._started_at
        self._digest(due.team_id, due.channel_id, now, missed)

    def _digest(self, team_id: str, channel_id: str, now: datetime, missed: bool) -> None:
        """``missed``: its time passed while the process was down. A missed digest is posted
        only if the week has numbers: a channel scheduled after its digest time, with no
        poll yet, gets no digest of an empty week."""
        started = time.perf_counter()
        queued = False
        with self.storage.transaction():
            schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
            if schedule is None:
                return  # turned off since
            if not missed or self._week_has_numbers(team_id, channel_id, now):
                queued = self.delight.schedule_digest(team_id, channel_id)
            next_at = schedule.next_digest_at(now)
            write(self.storage.db, team_id, channel_id, {DueKind.DIGEST: next_at})
        if queued:
            self.delight.delivery.wake()
            _log_job("digest", team_id, channel_id, "queued", started)

    def _week_has_numbers(self, team_id: str, channel_id: str, now: datetime) -> bool:
        monday = self.delight.today(team_id, channel_id)
        monday -= timedelta(days=monday.weekday())
        return bool(
            self.storage.daily_totals(team_id, channel_id, monday, monday + timedelta(days=6))
        )

    def run_close(self, team_id: str, channel_id: str) -> None:
        """Close the channel's polls that have been open for the longest time allowed.

        A daily poll reaches that limit just as the next one fires: while the next poll is
        due or on its way, its post closes this one (so yesterday's result line follows
        today's poll, a second later), and the limit applies again a minute later.
        """
        started, now = time.perf_counter(), self.clock()
        closed, waiting = 0, False
        with self.storage.transaction():
            for open_poll in self.index.open_polls(team_id, channel_id):
                if open_poll.claimed_at + MAX_POLL_OPEN > now:
                    continue
                if self._next_poll_coming(team_id, channel_id, open_poll.id, now):
                    waiting = True
                    continue
                closed += self.storage.close_poll(open_poll.id, now)
            self.schedules.polls_changed(team_id, channel_id, now, windows_open=False)
            if waiting:
                write(self.storage.db, team_id, channel_id, {DueKind.CLOSE: now + CLOSE_WAIT})
        if closed:
            self.delight.delivery.wake()
            _log_job("close", team_id, channel_id, "closed", started)

    def _next_poll_coming(self, team_id: str, channel_id: str, poll_id: int, now: datetime) -> bool:
        """The channel's next poll fires in this pass, or waits in the outbox."""
        next_poll = self.index.get(team_id, channel_id).get(DueKind.POLL)
        return (next_poll is not None and next_poll <= now) or self.index.newer_poll_on_its_way(
            team_id, channel_id, poll_id
        )

    def run_nudges(self, team_id: str, channel_id: str) -> None:
        """Queue a nudge for each of the channel's open polls whose nudge window this is, if
        fewer than half of our usual responders have answered."""
        started, now = time.perf_counter(), self.clock()
        queued = False
        with self.storage.transaction():
            minutes = self.storage.nudge_minutes(team_id, channel_id)
            schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
            for open_poll in self.index.open_polls(team_id, channel_id) if minutes else []:
                start, closes_at = nudge_window(open_poll.claimed_at, schedule, minutes)
                poll = self.storage.get_poll(open_poll.id)
                if open_poll.nudged or not start <= now < closes_at or poll is None:
                    continue
                responders = self.storage.poll_total(poll.id).responders
                if needs_nudge(responders, self.storage.recent_responders(team_id, channel_id)):
                    minutes_left = max(1, round((closes_at - now).total_seconds() / 60))
                    queued |= self.delight.nudge(poll, minutes_left, closes_at)
            self.schedules.polls_changed(team_id, channel_id, now, windows_open=False)
        if queued:
            self.delight.delivery.wake()
            _log_job("nudge", team_id, channel_id, "queued", started)


def _log_job(kind: str, team_id: str, channel_id: str, outcome: str, started: float) -> None:
    """One line per firing that did something, like the request log's."""
    ms = (time.perf_counter() - started) * 1000
    logger.info(
        "job kind=%s team=%s channel=%s outcome=%s ms=%.1f", kind, team_id, channel_id, outcome, ms
    )
