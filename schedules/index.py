"""Keeping the due index (``bot.dueindex``) in step with what it is computed from: each
channel's schedule and its open polls.

The instants come from the schedule's own rules (``schedules.rules``: APScheduler's
``CronTrigger`` in the channel's timezone, DST included), so the index fires exactly what
``/delight schedule`` shows. A channel's instants are written when its schedule changes,
when one of its polls is posted, and by each firing (``schedules.jobs``); nothing here
reads more than one channel.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.dueindex import DueIndex, DueKind, OpenPoll, write
from bot.storage import Storage
from schedules.rules import MAX_POLL_OPEN, ChannelSchedule, nudge_window

SCHEDULE_KINDS = (DueKind.POLL, DueKind.DIGEST)
_JUST_BEFORE = timedelta(microseconds=1)


def schedule_instants(schedule: ChannelSchedule | None, now: datetime) -> dict:
    """The channel's next poll and digest after ``now``."""
    if schedule is None:
        return dict.fromkeys(SCHEDULE_KINDS)
    return {
        DueKind.POLL: schedule.next_poll_at(now),
        DueKind.DIGEST: schedule.next_digest_at(now),
    }


def catch_up_instants(schedule: ChannelSchedule, now: datetime) -> dict:
    """Like ``schedule_instants`` from the start of the channel's local day (poll) and week
    (digest), so one whose time passed already is due at once: when the index is first
    built, the first start catches up what a process that was down missed."""
    local = now.astimezone(ZoneInfo(schedule.tz))
    day_start = datetime.combine(local.date(), time(0), local.tzinfo)
    week_start = day_start - timedelta(days=local.weekday())
    return {
        DueKind.POLL: schedule.next_poll_at(day_start - _JUST_BEFORE),
        DueKind.DIGEST: schedule.next_digest_at(week_start - _JUST_BEFORE),
    }


def poll_instants(
    schedule: ChannelSchedule | None,
    polls: list[OpenPoll],
    nudge_minutes: int | None,
    now: datetime,
    windows_open: bool = True,
) -> dict:
    """When the channel's oldest open poll reaches the longest it may stay open, and when the
    next nudge window of an open poll not yet nudged starts.

    ``windows_open``: a window that started already and is not over counts, as now (a nudge
    turned on, or a poll posted, during it). A nudge firing passes False: it has just weighed
    every open window, and a poll that needed no nudge then is not weighed again.
    """
    close = min((poll.claimed_at + MAX_POLL_OPEN for poll in polls), default=None)
    starts = []
    for poll in polls if nudge_minutes else []:
        start, closes_at = nudge_window(poll.claimed_at, schedule, nudge_minutes)
        if poll.nudged or closes_at <= now:
            continue
        if start > now:
            starts.append(start)
        elif windows_open:
            starts.append(now)
    return {DueKind.CLOSE: close, DueKind.NUDGE: min(starts, default=None)}


def skips_from(now: datetime) -> date:
    """Skips are read from the day before today in UTC: no timezone is further behind."""
    return now.astimezone(UTC).date() - timedelta(days=1)


class ScheduleIndex:
    def __init__(self, storage: Storage, due: DueIndex | None = None) -> None:
        self.storage = storage
        self.due = due or DueIndex(storage)

    def schedule_changed(self, team_id: str, channel_id: str, now: datetime) -> None:
        """Write all of the channel's instants from its stored schedule and open polls.

        A poll or digest instant that is due already and still scheduled is left alone: its
        firing is about to happen, and reads the schedule as it is by then.
        """
        with self.storage.transaction():
            schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
            current = self.due.get(team_id, channel_id)
            instants = schedule_instants(schedule, now)
            for kind in SCHEDULE_KINDS:
                if instants[kind] is not None and kind in current and current[kind] <= now:
                    del instants[kind]
            instants |= self._poll_instants(team_id, channel_id, schedule, now, True)
            write(self.storage.db, team_id, channel_id, instants)

    def polls_changed(
        self, team_id: str, channel_id: str, now: datetime, windows_open: bool = True
    ) -> None:
        """Write the channel's close and nudge instants from its open polls."""
        with self.storage.transaction():
            schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
            instants = self._poll_instants(team_id, channel_id, schedule, now, windows_open)
            write(self.storage.db, team_id, channel_id, instants)

    def _poll_instants(
        self,
        team_id: str,
        channel_id: str,
        schedule: ChannelSchedule | None,
        now: datetime,
        windows_open: bool,
    ) -> dict:
        return poll_instants(
            schedule,
            self.due.open_polls(team_id, channel_id),
            self.storage.nudge_minutes(team_id, channel_id),
            now,
            windows_open,
        )
