"""When a channel's poll and digest happen: pure rules, no threads, no Slack.

The same APScheduler ``CronTrigger`` that fires the jobs also answers "when are the next
polls?", so what ``/delight schedule`` shows is exactly what will run, DST included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.domain.i18n import _
from bot.domain.mrkdwn import code

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
_DAY_INDEX = {name: n for n, name in enumerate(DAY_NAMES)}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

# Answers are accepted until the next poll is posted, and never for longer than this.
MAX_POLL_OPEN = timedelta(hours=24)


@dataclass(frozen=True)
class ChannelSchedule:
    team_id: str
    channel_id: str
    poll_time: time
    tz: str
    days: frozenset[int] = WEEKDAYS
    paused: bool = False
    digest_day: int | None = None
    digest_time: time | None = None
    digest_off: bool = False
    skips: frozenset[date] = field(default_factory=frozenset)

    def poll_trigger(self) -> CronTrigger:
        return _trigger(self.days, self.poll_time, self.tz)

    def digest_at(self) -> tuple[int, time] | None:
        """The digest's weekday and time: set explicitly, or by default the channel's last
        working day, an hour before the poll."""
        if self.digest_off:
            return None
        if self.digest_day is not None and self.digest_time is not None:
            return self.digest_day, self.digest_time
        before = datetime.combine(date(2000, 1, 3), self.poll_time) - timedelta(hours=1)
        last_day = max(self.days)
        if before.date() < date(2000, 1, 3):
            last_day = (last_day - 1) % 7
        return last_day, before.time()

    def digest_trigger(self) -> CronTrigger | None:
        at = self.digest_at()
        return None if at is None else _trigger(frozenset({at[0]}), at[1], self.tz)

    def poll_due(self, now: datetime) -> date | None:
        """The local date whose poll should be up by ``now``, if any.

        A poll is due from its local time until the end of that local day, on scheduled,
        non-skipped days while not paused. After midnight it is never due: a process that was
        down all evening posts no stale poll for yesterday.
        """
        local = now.astimezone(ZoneInfo(self.tz))
        today = local.date()
        if self.paused or today.weekday() not in self.days or today in self.skips:
            return None
        return today if local.time() >= self.poll_time else None

    def digest_due(self, now: datetime) -> date | None:
        """The Monday of the week whose digest time has passed by ``now``, if any.

        Like a poll, a digest is due from its local time until its week ends (Sunday night),
        so a process that was down at digest time can still post it.
        """
        at = self.digest_at()
        if at is None:
            return None
        zone = ZoneInfo(self.tz)
        local = now.astimezone(zone)
        monday = local.date() - timedelta(days=local.weekday())
        digest_time = datetime.combine(monday + timedelta(days=at[0]), at[1], zone)
        return monday if local >= digest_time else None

    def next_polls(self, now: datetime, count: int = 3) -> list[datetime]:
        """The next ``count`` poll times after ``now`` in local time, skips and pause applied."""
        if self.paused:
            return []
        trigger = self.poll_trigger()
        zone = ZoneInfo(self.tz)
        found: list[datetime] = []
        cursor = now
        for _attempt in range(count + len(self.skips) + 1):
            fire = trigger.get_next_fire_time(None, cursor)
            if fire is None:
                break
            if fire.date() not in self.skips:
                found.append(fire)
                if len(found) == count:
                    break
            # One poll per local day: when a DST fall-back repeats the poll's hour, the
            # trigger fires twice, and the database lets only the first one post.
            cursor = datetime.combine(fire.date() + timedelta(days=1), time(0), zone)
        return found


def _trigger(days: frozenset[int], at: time, tz: str) -> CronTrigger:
    return CronTrigger(
        day_of_week=",".join(DAY_NAMES[d] for d in sorted(days)),
        hour=at.hour,
        minute=at.minute,
        second=at.second,
        timezone=ZoneInfo(tz),
    )


class RuleError(ValueError):
    """Input we can't use; the message names what was wrong and gives an example."""


def parse_time(text: str) -> time:
    match = _TIME.match(text)
    if not match:
        raise RuleError(
            _("{typed} isn't a time. Use 24-hour HH:MM, for example `17:00`.", typed=code(text))
        )
    return time(int(match[1]), int(match[2]))


def parse_tz(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError(
            _(
                "{typed} isn't a timezone I know. Use an IANA name, for example `Europe/Berlin`.",
                typed=code(text),
            )
        ) from None
    return text


def parse_days(text: str) -> frozenset[int]:
    """``mon-fri``, ``weekdays``, ``daily``, a range like ``mon-thu`` or a list like ``mon,wed``."""
    text = text.lower()
    if text in ("weekdays", "workdays"):
        return WEEKDAYS
    if text in ("daily", "everyday", "every-day"):
        return EVERY_DAY
    days: set[int] = set()
    for part in filter(None, text.split(",")):
        first, _dash, last = part.partition("-")
        if first[:3] not in _DAY_INDEX or (last and last[:3] not in _DAY_INDEX):
            raise RuleError(
                _(
                    "{typed} isn't a set of days. Use `mon-fri`, `daily` or a list like "
                    "`mon,wed,fri`.",
                    typed=code(text),
                )
            )
        start, end = _DAY_INDEX[first[:3]], _DAY_INDEX[(last or first)[:3]]
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)])
    if not days:
        raise RuleError(_("That leaves no days to poll. Use `mon-fri`, `daily` or `mon,wed,fri`."))
    return frozenset(days)


def parse_day(text: str) -> int:
    day = text.lower()[:3]
    if day not in _DAY_INDEX:
        raise RuleError(
            _("{typed} isn't a day of the week. Use `mon`, `tue`, … `sun`.", typed=code(text))
        )
    return _DAY_INDEX[day]


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RuleError(
            _("{typed} isn't a date. Use YYYY-MM-DD, for example `2026-12-24`.", typed=code(text))
        ) from None


MIN_NUDGE_MINUTES = 5
MAX_NUDGE_MINUTES = 12 * 60
_DURATION = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes|h|hr|hrs|hours)?$")


def parse_minutes(text: str) -> int:
    """``30m``, ``45``, ``1h`` or ``90min``, between 5 minutes and 12 hours."""
    match = _DURATION.match(text.lower())
    if not match:
        raise RuleError(
            _(
                "{typed} isn't a duration. Use minutes like `30m` or hours like `1h`.",
                typed=code(text),
            )
        )
    minutes = int(match[1]) * (60 if (match[2] or "m").startswith("h") else 1)
    if not MIN_NUDGE_MINUTES <= minutes <= MAX_NUDGE_MINUTES:
        raise RuleError(
            _(
                "A nudge can come {low} minutes to {high} hours before the poll closes.",
                low=MIN_NUDGE_MINUTES,
                high=MAX_NUDGE_MINUTES // 60,
            )
        )
    return minutes


def poll_closes_at(claimed_at: datetime, schedule: ChannelSchedule | None) -> datetime:
    """When a poll stops taking answers: the channel's next poll, or 24 hours at most."""
    latest = claimed_at + MAX_POLL_OPEN
    if schedule is None:
        return latest
    upcoming = schedule.next_polls(claimed_at + timedelta(minutes=1), 1)
    return min([latest, *upcoming])


def needs_nudge(responders: int, recent: list[int]) -> bool:
    """Fewer than half of our usual responders (the median of recent polls) have answered."""
    usual = sorted(recent)[len(recent) // 2] if recent else 0
    return usual > 0 and responders * 2 < usual
