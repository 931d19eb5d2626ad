"""What "today" and "this week" mean for a channel: always in the channel's own timezone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, timezone-aware. Everything that needs "now" is handed a ``Clock``."""
    return datetime.now(UTC)


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


@dataclass(frozen=True)
class Week:
    """A Monday-to-Sunday week; ``start`` is the Monday."""

    start: date

    @classmethod
    def containing(cls, day: date) -> Week:
        return cls(day - timedelta(days=day.weekday()))

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    def previous(self) -> Week:
        return Week(self.start - timedelta(days=7))

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(7)]
