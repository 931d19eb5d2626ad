"""When a channel's poll and digest happen: pure rules, no threads, no Slack.

The same rule fires the polls (through the due index, ``schedules.jobs``) and answers "when
are the next polls?", so what ``/delight schedule`` shows is exactly what will run. It is the
rule APScheduler's ``CronTrigger`` applied when each channel had a cron job, in plain Python
(``_occurrences``), and tests/bot/domain/test_due.py holds it to ``CronTrigger``'s answers
across DST nights in both directions and 30- and 45-minute offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

    def next_poll_at(self, now: datetime) -> datetime | None:
        """When the poll fires next after ``now``: today's poll time if it is still to come,
        else the next poll day's (skips and pause applied; None while paused).

        One a local day: once today's poll time has passed, today is done, so neither a
        firing at that time nor the fall-back hour's repeat of it is followed by a second
        one today. This is also why a schedule set after today's poll time starts with the
        next poll day.
        """
        local = now.astimezone(ZoneInfo(self.tz))
        cursor = now if local.time() < self.poll_time else _next_midnight(local)
        upcoming = self.next_polls(cursor, 1)
        return upcoming[0] if upcoming else None

    def next_digest_at(self, now: datetime) -> datetime | None:
        """When the digest fires next after ``now``: this week's if its time is still to
        come, else next week's (None when it is off)."""
        at = self.digest_at()
        if at is None:
            return None
        cursor = now
        if self.digest_due(now) is not None:
            local = now.astimezone(ZoneInfo(self.tz))
            cursor = _next_midnight(local + timedelta(days=6 - local.weekday()))
        return _first_from(cursor, frozenset({at[0]}), at[1], ZoneInfo(self.tz))

    def next_polls(self, now: datetime, count: int = 3) -> list[datetime]:
        """The next ``count`` poll times after ``now`` in local time, skips and pause applied."""
        if self.paused:
            return []
        zone = ZoneInfo(self.tz)
        found: list[datetime] = []
        cursor = now
        while len(found) < count:
            fire = _first_from(cursor, self.days, self.poll_time, zone, self.skips)
            if fire is None:
                break
            found.append(fire)
            # One poll per local day: when clocks go back and repeat the poll's time, the
            # first is the day's poll.
            cursor = _next_midnight(fire)
        return found


def _next_midnight(local: datetime) -> datetime:
    """The start of the local day after ``local``'s."""
    return datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)


def _first_from(
    cursor: datetime,
    days: frozenset[int],
    at: time,
    zone: ZoneInfo,
    skips: frozenset[date] = frozenset(),
) -> datetime | None:
    """The first time the clock in ``zone`` shows ``at`` on one of ``days`` (not a skipped
    date), at or after ``cursor``."""
    local = cursor.astimezone(zone)
    day, start = local.date(), cursor.astimezone(UTC)
    for _day in range(7 * (len(skips) + 2)):
        if day.weekday() in days and day not in skips:
            for fire in _occurrences(day, at, zone):
                # As for CronTrigger, a time skipped when clocks went forward is over once
                # the clock shows a later one, though its stand-in instant is still to come.
                skipped_past = day == local.date() and not fire.fold and at < local.time()
                if fire.astimezone(UTC) >= start and not skipped_past:
                    return fire
        day += timedelta(days=1)
    return None


def _occurrences(day: date, at: time, zone: ZoneInfo) -> list[datetime]:
    """When the clock shows ``at`` on ``day``, as ``CronTrigger`` fires it: once; twice in
    the hour clocks go back (the summer one first); and in the hour they skip, at the
    moment it would have been by the offset before the change (02:30 in Berlin on the
    night clocks go forward is 01:30 UTC, 03:30 CEST)."""
    first = datetime.combine(day, at, zone)
    again = first.replace(fold=1)
    repeated = again.utcoffset() != first.utcoffset()
    if repeated and again.astimezone(UTC).astimezone(zone).time() == at:
        return [first, again]
    return [first]


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


def nudge_window(
    claimed_at: datetime, schedule: ChannelSchedule | None, minutes: int
) -> tuple[datetime, datetime]:
    """When a poll's nudge may go out: from ``minutes`` before it closes until it closes."""
    closes_at = poll_closes_at(claimed_at, schedule)
    return closes_at - timedelta(minutes=minutes), closes_at


def needs_nudge(responders: int, recent: list[int]) -> bool:
    """Fewer than half of our usual responders (the median of recent polls) have answered."""
    usual = sorted(recent)[len(recent) // 2] if recent else 0
    return usual > 0 and responders * 2 < usual
