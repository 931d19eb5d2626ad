"""What is due when (issue 17): the kinds of instant the due index holds for each channel, and
how they follow from its schedule and its open polls. Pure.

A channel has at most one instant of each kind, in UTC: its next poll and digest (from its
schedule, ``bot.domain.schedule``), when its oldest open poll has been open for the longest
allowed (the close), and when the next nudge window of an open poll starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.schedule import MAX_POLL_OPEN, ChannelSchedule, nudge_window


class DueKind(StrEnum):
    POLL = "poll"
    DIGEST = "digest"
    NUDGE = "nudge"
    CLOSE = "close"


SCHEDULE_KINDS = (DueKind.POLL, DueKind.DIGEST)
# How long a poll past its 24 hours waits for the next poll's post to close it.
CLOSE_WAIT = timedelta(minutes=1)
Instants = dict[DueKind, datetime | None]  # None: the channel has none of that kind
_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class Due:
    kind: DueKind
    team_id: str
    channel_id: str
    at: datetime


@dataclass(frozen=True)
class OpenPoll:
    """A posted poll that still takes answers, as far as its instants go."""

    id: int
    claimed_at: datetime
    nudged: bool


def schedule_instants(schedule: ChannelSchedule | None, now: datetime) -> Instants:
    """The channel's next poll and digest after ``now``."""
    if schedule is None:
        return dict.fromkeys(SCHEDULE_KINDS)
    return {
        DueKind.POLL: schedule.next_poll_at(now),
        DueKind.DIGEST: schedule.next_digest_at(now),
    }


def catch_up_instants(schedule: ChannelSchedule, now: datetime) -> Instants:
    """Like ``schedule_instants``, from the start of the channel's local day (the poll) and
    week (the digest): one whose time has passed is due at once, so that a first start
    catches up what a process that was down missed."""
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
) -> Instants:
    """When the oldest of the channel's open polls reaches the longest it may stay open, and
    when the next nudge window of one not yet nudged starts.

    A daily poll reaches its 24 hours just as the next one fires (it was claimed a moment
    after its time): its close then waits a minute for the next poll's post, which closes it
    (and puts yesterday's result line after today's poll), so a fan-out of polls is not
    doubled by one of closes.

    ``windows_open``: a window that started already and is not over counts, as now (a nudge
    turned on, or a poll posted, during it). A nudge firing passes False: it has just weighed
    every open window, and a poll that needed no nudge then is not weighed again.
    """
    close = min((_close_at(poll, schedule) for poll in polls), default=None)
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


def _close_at(poll: OpenPoll, schedule: ChannelSchedule | None) -> datetime:
    limit = poll.claimed_at + MAX_POLL_OPEN
    upcoming = [] if schedule is None else schedule.next_polls(limit - CLOSE_WAIT, 1)
    if upcoming and upcoming[0] <= limit:
        return upcoming[0] + CLOSE_WAIT
    return limit


def skips_from(now: datetime) -> date:
    """The first day whose skips matter: the day before today in UTC (no timezone is
    further behind)."""
    return now.astimezone(UTC).date() - timedelta(days=1)
