"""The scheduler: one APScheduler job per channel for its poll and one for its digest.

Schedules live in SQLite; jobs are rebuilt from them at start-up and replaced the moment a
schedule changes. Jobs run on the scheduler's own threads, never on request threads.
The guards against doubles are in the database (one poll per channel per local date, one
scheduled digest per channel per week), so restarts and late or repeated firings are safe.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from bot.domain.calendar import Clock, local_today
from bot.domain.schedule import ChannelSchedule, needs_nudge, poll_closes_at
from bot.service.delight import Delight
from bot.service.polls import PollQueued
from bot.storage.store import Storage

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 60
# Slack retries a failed event delivery three times within minutes; a day is ample.
KEEP_EVENT_IDS = timedelta(days=1)
SWEEP_JOB = "sweep"
# The bounded pool that runs jobs. A job only writes its message to the outbox; the delivery
# worker (bot.slack.delivery) sends it at its slot.
FANOUT_THREADS = 16


class _PoolExecutor(BasePoolExecutor):
    """APScheduler's thread pool executor, on a pool we hold (see ``Jobs.shutdown``)."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        super().__init__(pool)


def new_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(FANOUT_THREADS, thread_name_prefix="job")


def new_scheduler(pool: ThreadPoolExecutor) -> BackgroundScheduler:
    return BackgroundScheduler(
        timezone=UTC,
        executors={"default": _PoolExecutor(pool)},
        # A firing that comes late (the machine slept, a long GC) still runs, once: whether a
        # poll is still due is decided by ChannelSchedule.poll_due, never by lateness alone.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )


class Jobs:
    def __init__(
        self,
        delight: Delight,
        storage: Storage,
        clock: Clock,
        scheduler: BaseScheduler | None = None,
        pool: ThreadPoolExecutor | None = None,
    ) -> None:
        """``scheduler`` must run its jobs on ``pool`` (``new_scheduler(pool)``)."""
        self.delight = delight
        self.storage = storage
        self.clock = clock
        self._pool = pool or new_pool()
        self.scheduler = scheduler or new_scheduler(self._pool)

    def start(self) -> None:
        """Start firing, rebuild every channel's jobs, and catch up on what was missed.

        A poll or digest queued before a restart is still in the outbox: the catch-up finds
        it claimed and queues nothing, and the delivery worker sends it.
        """
        self.scheduler.start()
        self.scheduler.add_job(
            self.sweep, "interval", seconds=SWEEP_SECONDS, id=SWEEP_JOB, replace_existing=True
        )
        now = self.clock()
        for schedule in self.storage.all_schedules(self._utc_today()):
            self._install(schedule)
            self.scheduler.add_job(
                self.run_poll,
                args=[schedule.team_id, schedule.channel_id],
                id=_catch_up_id(schedule),
            )
            if self._missed_digest(schedule, now):
                self.scheduler.add_job(
                    self.run_digest,
                    args=[schedule.team_id, schedule.channel_id],
                    id=_catch_up_id(schedule, "digest"),
                )

    def _missed_digest(self, schedule: ChannelSchedule, now: datetime) -> bool:
        """This week's digest time has passed, and the week has numbers to show.

        ``run_digest`` posts it only if it was not posted yet. A channel scheduled after its
        digest time, with no poll yet, gets no digest of an empty week.
        """
        monday = schedule.digest_due(now)
        if monday is None:
            return False
        days = self.storage.daily_totals(
            schedule.team_id, schedule.channel_id, monday, monday + timedelta(days=6)
        )
        return bool(days)

    def shutdown(self) -> None:
        """Stop firing, then wait for the jobs still running.

        Not ``shutdown(wait=True)``: APScheduler holds its job store lock while it waits, and
        a running job may need it (a schedule turned off removes the channel's jobs).
        """
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            self._pool.shutdown(wait=True)

    def sync(self, team_id: str, channel_id: str) -> None:
        """Make the channel's jobs match its stored schedule, at once."""
        schedule = self.storage.schedule_for(team_id, channel_id, self._utc_today())
        if schedule is None:
            for job_id in (_poll_id(team_id, channel_id), _digest_id(team_id, channel_id)):
                if self.scheduler.get_job(job_id):
                    self.scheduler.remove_job(job_id)
            return
        self._install(schedule)

    def _install(self, schedule: ChannelSchedule) -> None:
        team_id, channel_id = schedule.team_id, schedule.channel_id
        self.scheduler.add_job(
            self.run_poll,
            schedule.poll_trigger(),
            args=[team_id, channel_id],
            id=_poll_id(team_id, channel_id),
            replace_existing=True,
        )
        trigger = schedule.digest_trigger()
        digest_id = _digest_id(team_id, channel_id)
        if trigger is None:
            if self.scheduler.get_job(digest_id):
                self.scheduler.remove_job(digest_id)
        else:
            self.scheduler.add_job(
                self.run_digest,
                trigger,
                args=[team_id, channel_id],
                id=digest_id,
                replace_existing=True,
            )

    def run_poll(self, team_id: str, channel_id: str) -> None:
        """Queue the channel's poll if one is due now and not yet queued for its local day."""
        now = self.clock()
        schedule = self.storage.schedule_for(team_id, channel_id, self._utc_today())
        if schedule is None or schedule.poll_due(now) is None:
            return
        started = time.perf_counter()
        outcome = self.delight.polls.request(team_id, channel_id)
        if isinstance(outcome, PollQueued):
            _log_job("poll", team_id, channel_id, "queued", started)

    def run_digest(self, team_id: str, channel_id: str) -> None:
        """Queue this week's digest unless it already was (a restart, a double firing)."""
        if self.storage.schedule_for(team_id, channel_id, self._utc_today()) is None:
            return  # turned off since the job was installed
        started = time.perf_counter()
        if self.delight.digests.claim(team_id, channel_id):
            _log_job("digest", team_id, channel_id, "queued", started)

    def sweep(self) -> None:
        """Every minute: close polls open for too long, queue the nudges that are due, and
        forget old event ids."""
        self.delight.polls.close_expired()
        self.run_nudges()
        self.storage.forget_events(self.clock() - KEEP_EVENT_IDS)

    def run_nudges(self) -> None:
        now = self.clock()
        for candidate in self.storage.nudge_candidates():
            poll = candidate.poll
            schedule = self.storage.schedule_for(poll.team_id, poll.channel_id, self._utc_today())
            closes_at = poll_closes_at(candidate.claimed_at, schedule)
            if not closes_at - timedelta(minutes=candidate.nudge_minutes) <= now < closes_at:
                continue
            responders = self.storage.poll_total(poll.id).responders
            recent = self.storage.recent_responders(poll.team_id, poll.channel_id)
            if needs_nudge(responders, recent):
                minutes_left = max(1, round((closes_at - now).total_seconds() / 60))
                self.delight.polls.nudge(poll, minutes_left, closes_at)

    def _utc_today(self) -> date:
        # Skips are kept from the day before today in UTC: no timezone is further behind.
        return local_today(self.clock(), "UTC") - timedelta(days=1)


def _log_job(kind: str, team_id: str, channel_id: str, outcome: str, started: float) -> None:
    """One line per job that did something, like the request log's."""
    ms = (time.perf_counter() - started) * 1000
    logger.info(
        "job kind=%s team=%s channel=%s outcome=%s ms=%.1f", kind, team_id, channel_id, outcome, ms
    )


def _poll_id(team_id: str, channel_id: str) -> str:
    return f"poll:{team_id}:{channel_id}"


def _digest_id(team_id: str, channel_id: str) -> str:
    return f"digest:{team_id}:{channel_id}"


def _catch_up_id(schedule: ChannelSchedule, kind: str = "poll") -> str:
    prefix = "catch-up" if kind == "poll" else f"catch-up-{kind}"
    return f"{prefix}:{schedule.team_id}:{schedule.channel_id}"
