"""Team numbers, with the privacy threshold applied.

A day's number only counts once enough of us answered (``threshold``, 3 by default), so no
single person's answer can be read off a tally, a weekly total, or the difference of two.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.models import DayTotal

DEFAULT_THRESHOLD = 3
MIN_THRESHOLD = 1
MAX_THRESHOLD = 100


@dataclass(frozen=True)
class TeamTotal:
    """Customers we delighted over some days, counting only days that met the threshold."""

    total: int
    days_counted: int
    days_hidden: int
    responses: int


@dataclass(frozen=True)
class GoalProgress:
    """Where the team stands against its weekly goal."""

    total: int
    goal: int

    @property
    def reached(self) -> bool:
        return self.total >= self.goal

    @property
    def percent(self) -> int:
        return round(100 * self.total / self.goal)


def team_total(days: Iterable[DayTotal], threshold: int = DEFAULT_THRESHOLD) -> TeamTotal:
    days = list(days)
    shown = [day for day in days if is_visible(day, threshold)]
    hidden = [day for day in days if day.responders and not is_visible(day, threshold)]
    return TeamTotal(
        total=sum(day.total for day in shown),
        days_counted=len(shown),
        days_hidden=len(hidden),
        responses=sum(day.responders for day in shown),
    )


def threshold_for(day: DayTotal, threshold: int = DEFAULT_THRESHOLD) -> int:
    """How many of us must answer before this day's number shows.

    The channel's threshold now, or the one in force when the poll went out if that was
    higher: people answered under that promise.
    """
    return poll_threshold(day.posted_threshold, threshold)


def poll_threshold(posted_threshold: int, threshold: int = DEFAULT_THRESHOLD) -> int:
    """``threshold_for`` a poll posted under ``posted_threshold``; also its live-tally step."""
    return max(threshold, posted_threshold, MIN_THRESHOLD)


def is_visible(day: DayTotal, threshold: int = DEFAULT_THRESHOLD) -> bool:
    return day.responders >= threshold_for(day, threshold)
