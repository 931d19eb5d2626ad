"""The weekly digest and the Home tab's channel cards, as domain values: what the team did
together. Pure functions of stored numbers; the Block Kit builders render them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.calendar import Week
from bot.domain.models import ChannelProfile, DayTotal, Win, WinKind
from bot.domain.schedule import ChannelSchedule
from bot.domain.tally import DEFAULT_THRESHOLD, GoalProgress, TeamTotal, is_visible, team_total

TREND_WEEKS = 8
MAX_BEST_DAYS = 3


@dataclass(frozen=True)
class Digest:
    week: Week
    this_week: TeamTotal
    last_week: TeamTotal
    wins_by_kind: dict[WinKind, int]
    wins: list[Win]
    # Team totals of the last TREND_WEEKS weeks, oldest first, this week last; None for a
    # week with no counted day.
    trend: tuple[int | None, ...] = ()
    best_days: tuple[DayTotal, ...] = ()
    goal: GoalProgress | None = None
    customer: str | None = None
    # Share of the channel's members who answered on an average poll day, in percent.
    response_rate: int | None = None
    threshold: int = DEFAULT_THRESHOLD
    # How many teams this channel thanked this week (``/delight thanks``).
    teams_thanked: int = 0

    @property
    def change(self) -> int:
        return self.this_week.total - self.last_week.total

    @property
    def thanks_received(self) -> int:
        return sum(1 for win in self.wins if win.from_channel)


@dataclass(frozen=True)
class ChannelCard:
    """One channel on the Home tab: this week's team number, goal, trend and settings."""

    channel_id: str
    this_week: TeamTotal
    trend: tuple[int | None, ...]
    goal: GoalProgress | None
    profile: ChannelProfile
    wins_this_week: int
    schedule: ChannelSchedule | None = None


def trend_start(today: date, weeks: int = TREND_WEEKS) -> date:
    """The first day the trend needs totals from."""
    return Week.containing(today).start - timedelta(weeks=weeks - 1)


def weekly_trend(
    today: date,
    totals: Iterable[DayTotal],
    threshold: int = DEFAULT_THRESHOLD,
    weeks: int = TREND_WEEKS,
) -> tuple[int | None, ...]:
    this = Week.containing(today)
    starts = [this.start - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    by_week: dict[date, list[DayTotal]] = {start: [] for start in starts}
    for day in totals:
        start = Week.containing(day.local_date).start
        if start in by_week:
            by_week[start].append(day)
    trend = []
    for start in starts:
        week = team_total(by_week[start], threshold)
        trend.append(week.total if week.days_counted else None)
    return tuple(trend)


def goal_progress(week: TeamTotal, profile: ChannelProfile) -> GoalProgress | None:
    return GoalProgress(week.total, profile.goal) if profile.goal else None


def build_digest(
    today: date,
    totals: list[DayTotal],
    wins: list[Win],
    threshold: int = DEFAULT_THRESHOLD,
    profile: ChannelProfile | None = None,
    members: int | None = None,
    teams_thanked: int = 0,
) -> Digest:
    """Summarise the week containing ``today``.

    ``totals`` should cover the last ``TREND_WEEKS`` weeks (at least this week and the one
    before); ``wins`` are this week's, newest first; ``members`` is how many people are in
    the channel, if known, for the response rate; ``teams_thanked``, how many teams it
    thanked this week.
    """
    profile = profile or ChannelProfile(threshold=threshold)
    week = Week.containing(today)
    previous = week.previous()
    this_days = [d for d in totals if week.start <= d.local_date <= week.end]
    this_week = team_total(this_days, threshold)
    counts = Counter(win.kind for win in wins)
    best = sorted(
        (d for d in this_days if is_visible(d, threshold) and d.total > 0),
        key=lambda d: (-d.total, d.local_date),
    )[:MAX_BEST_DAYS]
    return Digest(
        week=week,
        this_week=this_week,
        last_week=team_total(
            [d for d in totals if previous.start <= d.local_date <= previous.end], threshold
        ),
        wins_by_kind={kind: counts[kind] for kind in WinKind if counts[kind]},
        wins=wins,
        trend=weekly_trend(today, totals, threshold),
        best_days=tuple(best),
        goal=goal_progress(this_week, profile),
        customer=profile.customer,
        response_rate=response_rate(this_days, members),
        threshold=threshold,
        teams_thanked=teams_thanked,
    )


def response_rate(days: list[DayTotal], members: int | None) -> int | None:
    """Percent of the channel who answered on an average poll day; None if unknown."""
    if not members or members < 1 or not days:
        return None
    answered, possible = sum(day.responders for day in days), members * len(days)
    return min(100, (200 * answered + possible) // (2 * possible))  # rounded half up
