"""The scheduler: one APScheduler job per channel for its poll and one for its digest.

Schedules live in SQLite; jobs are rebuilt from them at start-up and replaced the moment a
schedule changes. Jobs run on the scheduler's own threads, never on request threads.
The guards against doubles are in the database (one poll per channel per local date, one
scheduled digest per channel per week), so restarts and late or repeated firings are safe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from functools import partial

from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from bot.calendar import Clock, Week, local_today
from bot.delight import Delight, Later, PollFailed
from bot.pacing import Pacer
from bot.storage import Storage
from schedules.rules import ChannelSchedule, needs_nudge, poll_closes_at

logger = logging.getLogger(__name__)

# Slack errors that will not go away by retrying: the channel's schedule is turned off.
DISABLING_ERRORS = {
    "not_in_channel": "I was removed from the channel (not_in_channel).",
    "channel_not_found": "The channel can't be found (channel_not_found).",
    "is_archived": "The channel was archived (is_archived).",
    # The workspace's token is gone (an uninstall whose event never arrived, a revocation).
    "not_authed": "Delight is no longer installed in this workspace (not_authed).",
    "invalid_auth": "Delight's token for this workspace is no longer valid (invalid_auth).",
    "token_revoked": "Delight's token for this workspace was revoked (token_revoked).",
    "account_inactive": "Delight's account in this workspace is inactive (account_inactive).",
}
SWEEP_SECONDS = 60
# Slack retries a failed event delivery three times within minutes; a day is ample.
KEEP_EVENT_IDS = timedelta(days=1)
# A scheduled poll or digest that failed (Slack down, rate limits outlasting the client's own
# retries) is tried again by the sweep after this long, until it is posted or no longer due.
RETRY_POLL_AFTER = timedelta(minutes=5)
RETRY_DIGEST_AFTER = timedelta(minutes=15)
SWEEP_JOB = "sweep"
# The bounded pool that runs jobs, polls and digests of every channel included. A job never
# waits for its posting slot on one of these threads: it is scheduled at the slot instead
# (see Jobs.run_poll), so the threads only ever wait on Slack's answers.
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


def scheduled_later(scheduler: BaseScheduler) -> Later:
    """A ``Later`` that hands the function to the scheduler, to run on its pool when due."""

    def later(delay: float, run: Callable[[], None]) -> None:
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        scheduler.add_job(run, "date", run_date=run_date)

    return later


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
        self._pacer: Pacer = delight.pacer
        self._later = scheduled_later(self.scheduler)
        self._lock = threading.Lock()
        # (team, channel) -> when to try again; for digests also the week it was for.
        self._poll_retries: dict[tuple[str, str], datetime] = {}
        self._digest_retries: dict[tuple[str, str], tuple[datetime, date]] = {}

    def start(self) -> None:
        """Start firing, rebuild every channel's jobs, and catch up on what was missed."""
        orphans = self.storage.release_orphaned_claims()
        if orphans:
            logger.warning("taking over %d poll(s) left unposted by a stopped process", orphans)
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
        a running job that schedules a post at its slot needs that lock. Jobs scheduled
        from now on are dropped: an unposted poll is claimed only when it posts, so the
        catch-up at the next start posts it.
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

    def run_poll(self, team_id: str, channel_id: str, paced: bool = False) -> None:
        """Post the channel's poll if one is due now and not yet posted for its local day.

        When hundreds of channels poll at the same minute, each first reserves its posting
        slot; a job whose slot is later is scheduled again at that slot (``paced``) instead
        of holding one of the pool's threads while it waits.
        """
        now = self.clock()
        schedule = self.storage.schedule_for(team_id, channel_id, self._utc_today())
        day = None if schedule is None else schedule.poll_due(now)
        if day is None:
            return
        if not paced:
            existing = self.storage.poll_on(team_id, channel_id, day)
            if existing is not None and existing.message_ts is not None:
                return
            delay = self._pacer.reserve(team_id, channel_id)
            if delay > 0:
                self._at_slot(delay, self.run_poll, team_id, channel_id)
                return
        started = time.perf_counter()
        outcome = self.delight.post_poll(team_id, channel_id, paced=True)
        if isinstance(outcome, PollFailed):
            self._failed(team_id, channel_id, outcome.code)
        else:
            with self._lock:
                self._poll_retries.pop((team_id, channel_id), None)
        _log_job("poll", team_id, channel_id, type(outcome).__name__, started)

    def run_digest(self, team_id: str, channel_id: str, paced: bool = False) -> None:
        """Post this week's digest unless it already went out (a restart, a double firing).

        Paced like ``run_poll``.
        """
        if not paced:
            delay = self._pacer.reserve(team_id, channel_id)
            if delay > 0:
                self._at_slot(delay, self.run_digest, team_id, channel_id)
                return
        today = self.delight.today(team_id, channel_id)
        week = Week.containing(today)
        if not self.storage.claim_digest(team_id, channel_id, week.start, self.clock()):
            return
        started = time.perf_counter()
        failure = self.delight.post_digest(team_id, channel_id, paced=True)
        _log_job("digest", team_id, channel_id, "failed" if failure else "posted", started)
        with self._lock:
            if failure is None:
                self._digest_retries.pop((team_id, channel_id), None)
                return
            self.storage.release_digest(team_id, channel_id, week.start)
            retry_at = self.clock() + RETRY_DIGEST_AFTER
            self._digest_retries[(team_id, channel_id)] = (retry_at, week.start)
        logger.warning(
            "scheduled digest failed channel=%s; retrying at %s", channel_id, retry_at.isoformat()
        )

    def sweep(self) -> None:
        """Every minute: close polls open for too long, redraw polls whose last edit failed,
        retry failed posts, and send the nudges that are due."""
        self.delight.close_expired_polls()
        self.delight.redraw_stale_polls()
        self.run_retries()
        self.run_nudges()
        self.storage.forget_events(self.clock() - KEEP_EVENT_IDS)

    def run_retries(self) -> None:
        """Try again the scheduled posts that failed and whose retry time has come."""
        now = self.clock()
        with self._lock:
            polls = [key for key, at in self._poll_retries.items() if at <= now]
            for key in polls:
                del self._poll_retries[key]
            digests = [(key, week) for key, (at, week) in self._digest_retries.items() if at <= now]
            for key, _ in digests:
                del self._digest_retries[key]
        for team_id, channel_id in polls:
            self.run_poll(team_id, channel_id)
        for (team_id, channel_id), week in digests:
            # Only this week's digest: a week that has ended waits for no late digest.
            if Week.containing(self.delight.today(team_id, channel_id)).start == week:
                self.run_digest(team_id, channel_id)

    def _at_slot(
        self, delay: float, job: Callable[..., None], team_id: str, channel_id: str
    ) -> None:
        """Run ``job(team_id, channel_id, paced=True)`` when its reserved slot comes."""
        self._later(delay, partial(job, team_id, channel_id, paced=True))

    def pending_retries(self) -> int:
        with self._lock:
            return len(self._poll_retries) + len(self._digest_retries)

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
            if needs_nudge(responders, recent) and self.storage.mark_nudged(poll.id, now):
                minutes_left = max(1, round((closes_at - now).total_seconds() / 60))
                self.delight.post_nudge(poll, minutes_left)

    def _failed(self, team_id: str, channel_id: str, code: str) -> None:
        reason = DISABLING_ERRORS.get(code)
        if reason is None:
            retry_at = self.clock() + RETRY_POLL_AFTER
            with self._lock:
                self._poll_retries[(team_id, channel_id)] = retry_at
            logger.warning(
                "scheduled poll failed channel=%s error=%s; retrying at %s",
                channel_id,
                code,
                retry_at.isoformat(),
            )
            return
        logger.warning("turning off the schedule of channel=%s: %s", channel_id, code)
        self.storage.disable_schedule(team_id, channel_id, reason)
        self.sync(team_id, channel_id)

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
