"""Team totals with the privacy threshold, and the weekly digest's arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.calendar import Week
from bot.domain.digest import Digest, build_digest, response_rate, weekly_trend
from bot.domain.models import ChannelProfile, DayTotal, Win, WinKind
from bot.domain.tally import GoalProgress, TeamTotal, is_visible, team_total, threshold_for

MONDAY = date(2026, 11, 16)
SUNDAY = date(2026, 11, 22)
LAST_MONDAY = date(2026, 11, 9)
LAST_SUNDAY = date(2026, 11, 15)


def d(on: date, responders: int, total: int) -> DayTotal:
    return DayTotal(local_date=on, responders=responders, total=total)


def week_days(start: date, *numbers: tuple[int, int]) -> list[DayTotal]:
    return [d(start + timedelta(days=i), r, t) for i, (r, t) in enumerate(numbers)]


# team_total


def test_team_total_of_nothing() -> None:
    assert team_total([]) == TeamTotal(total=0, days_counted=0, days_hidden=0, responses=0)


def test_team_total_hides_days_with_one_or_two_responders() -> None:
    days = week_days(
        MONDAY,
        (0, 0),  # no answers: neither counted nor hidden
        (1, 40),  # hidden
        (2, 50),  # hidden
        (3, 7),  # counted
        (10, 25),  # counted
    )
    assert team_total(days) == TeamTotal(total=32, days_counted=2, days_hidden=2, responses=13)


@pytest.mark.parametrize(
    ("responders", "expected"),
    [
        (0, TeamTotal(total=0, days_counted=0, days_hidden=0, responses=0)),
        (1, TeamTotal(total=0, days_counted=0, days_hidden=1, responses=0)),
        (2, TeamTotal(total=0, days_counted=0, days_hidden=1, responses=0)),
        (3, TeamTotal(total=9, days_counted=1, days_hidden=0, responses=3)),
    ],
)
def test_team_total_single_day(responders: int, expected: TeamTotal) -> None:
    assert team_total([d(MONDAY, responders, 9 if responders else 0)]) == expected


def test_team_total_custom_threshold() -> None:
    days = week_days(MONDAY, (3, 10), (4, 20), (5, 30))
    assert team_total(days, threshold=5) == TeamTotal(
        total=30, days_counted=1, days_hidden=2, responses=5
    )
    assert team_total(days, threshold=1) == TeamTotal(
        total=60, days_counted=3, days_hidden=0, responses=12
    )


def test_team_total_accepts_a_tuple() -> None:
    days = tuple(week_days(MONDAY, (1, 5), (3, 6)))
    assert team_total(days) == TeamTotal(total=6, days_counted=1, days_hidden=1, responses=3)


def test_team_total_accepts_a_generator() -> None:
    days = week_days(MONDAY, (1, 5), (3, 6))
    assert team_total(day for day in days) == TeamTotal(
        total=6, days_counted=1, days_hidden=1, responses=3
    )


@pytest.mark.parametrize(("responders", "visible"), [(0, False), (2, False), (3, True), (9, True)])
def test_is_visible(responders: int, visible: bool) -> None:
    assert is_visible(d(MONDAY, responders, 1)) is visible


# Week


@pytest.mark.parametrize(
    "day",
    [MONDAY, MONDAY + timedelta(days=2), date(2026, 11, 21), SUNDAY],
)
def test_week_containing_starts_on_monday(day: date) -> None:
    week = Week.containing(day)
    assert week == Week(MONDAY)
    assert week.end == SUNDAY
    assert week.previous() == Week(LAST_MONDAY)
    assert week.previous().end == LAST_SUNDAY
    assert week.days() == [MONDAY + timedelta(days=n) for n in range(7)]


def test_week_across_a_year_boundary() -> None:
    week = Week.containing(date(2027, 1, 1))  # a Friday
    assert week.start == date(2026, 12, 28)
    assert week.end == date(2027, 1, 3)
    assert week.previous().start == date(2026, 12, 21)


# build_digest


def both_weeks() -> list[DayTotal]:
    # A Sunday two weeks back: only in the trend.
    before = [d(LAST_MONDAY - timedelta(days=1), 9, 999)]
    last = week_days(LAST_MONDAY, (3, 10), (2, 80), (4, 5), (0, 0), (3, 1), (5, 4), (3, 100))
    this = week_days(MONDAY, (3, 6), (1, 70), (6, 12))
    after = [d(SUNDAY + timedelta(days=1), 9, 555)]  # next Monday: ignored
    return before + last + this + after


@pytest.mark.parametrize("today", [MONDAY, date(2026, 11, 18), date(2026, 11, 21), SUNDAY], ids=str)
def test_build_digest_week_boundaries(today: date) -> None:
    result = build_digest(today, both_weeks(), [])
    assert result == Digest(
        week=Week(MONDAY),
        this_week=TeamTotal(total=18, days_counted=2, days_hidden=1, responses=9),
        last_week=TeamTotal(total=120, days_counted=5, days_hidden=1, responses=18),
        wins_by_kind={},
        wins=[],
        trend=(None, None, None, None, None, 999, 120, 18),
        best_days=(d(MONDAY + timedelta(days=2), 6, 12), d(MONDAY, 3, 6)),
    )
    assert result.change == 18 - 120


def test_build_digest_sunday_belongs_to_the_week_before() -> None:
    """A Sunday's answers count in the week that started the Monday before it."""
    totals = [d(SUNDAY, 3, 7), d(SUNDAY + timedelta(days=1), 3, 1000)]
    on_sunday = build_digest(SUNDAY, totals, [])
    assert on_sunday.week == Week(MONDAY)
    assert on_sunday.this_week == TeamTotal(total=7, days_counted=1, days_hidden=0, responses=3)
    assert on_sunday.last_week == TeamTotal(total=0, days_counted=0, days_hidden=0, responses=0)
    next_monday = build_digest(SUNDAY + timedelta(days=1), totals, [])
    assert next_monday.week == Week(SUNDAY + timedelta(days=1))
    assert next_monday.this_week.total == 1000
    assert next_monday.last_week.total == 7


def test_build_digest_custom_threshold() -> None:
    result = build_digest(MONDAY, both_weeks(), [], threshold=1)
    assert result.this_week == TeamTotal(total=88, days_counted=3, days_hidden=0, responses=10)
    assert result.last_week == TeamTotal(total=200, days_counted=6, days_hidden=0, responses=20)


def test_build_digest_counts_wins_by_kind_in_enum_order() -> None:
    wins = [
        Win(SUNDAY, WinKind.OTHER, "a"),
        Win(SUNDAY, WinKind.INTERNAL, "b"),
        Win(MONDAY, WinKind.NEW, "c"),
        Win(MONDAY, WinKind.INTERNAL, "d"),
        Win(MONDAY, WinKind.NEW, "e"),
        Win(MONDAY, WinKind.NEW, "f"),
    ]
    result = build_digest(SUNDAY, [], wins)
    assert result.wins_by_kind == {WinKind.NEW: 3, WinKind.INTERNAL: 2, WinKind.OTHER: 1}
    assert list(result.wins_by_kind) == [WinKind.NEW, WinKind.INTERNAL, WinKind.OTHER]
    assert WinKind.KEPT not in result.wins_by_kind  # kinds with no wins are left out
    assert result.wins == wins  # kept in the order given (newest first)


@pytest.mark.parametrize(
    ("this_total", "last_total", "change"),
    [(30, 20, 10), (20, 30, -10), (25, 25, 0), (0, 0, 0)],
)
def test_digest_change(this_total: int, last_total: int, change: int) -> None:
    totals = [d(LAST_MONDAY, 3, last_total), d(MONDAY, 3, this_total)]
    assert build_digest(MONDAY, totals, []).change == change


# The threshold a poll was posted under


@pytest.mark.parametrize(
    ("posted", "now", "needed"), [(3, 3, 3), (3, 1, 3), (1, 5, 5), (5, 2, 5), (1, 1, 1)]
)
def test_lowering_the_threshold_never_reveals_an_earlier_poll(
    posted: int, now: int, needed: int
) -> None:
    day = DayTotal(MONDAY, responders=needed, total=9, posted_threshold=posted)
    assert threshold_for(day, now) == needed
    assert is_visible(day, now)
    assert not is_visible(DayTotal(MONDAY, needed - 1, 9, posted_threshold=posted), now)


def test_team_total_uses_each_days_posted_threshold() -> None:
    days = [
        DayTotal(MONDAY, 1, 10, posted_threshold=1),  # posted after lowering to 1: counts
        DayTotal(MONDAY + timedelta(days=1), 2, 20, posted_threshold=3),  # promised 3: hidden
    ]
    assert team_total(days, threshold=1) == TeamTotal(
        total=10, days_counted=1, days_hidden=1, responses=1
    )


# Trend, best days, goal, response rate


def test_weekly_trend_oldest_first_with_gaps() -> None:
    totals = [
        d(MONDAY - timedelta(weeks=7), 3, 4),  # the oldest week shown
        d(MONDAY - timedelta(weeks=8), 3, 1000),  # too old
        d(MONDAY - timedelta(weeks=3), 2, 50),  # below the threshold: not a counted week
        d(LAST_SUNDAY, 3, 7),
        d(MONDAY, 4, 9),
        d(SUNDAY, 5, 1),
    ]
    assert weekly_trend(SUNDAY, totals) == (4, None, None, None, None, None, 7, 10)


def test_weekly_trend_of_nothing() -> None:
    assert weekly_trend(MONDAY, []) == (None,) * 8


def test_best_days_are_the_top_three_counted_days_this_week() -> None:
    totals = week_days(MONDAY, (3, 5), (3, 9), (1, 99), (4, 9), (3, 2), (3, 0))
    result = build_digest(MONDAY, totals, [])
    assert [(day.local_date.weekday(), day.total) for day in result.best_days] == [
        (1, 9),
        (3, 9),
        (0, 5),
    ]


def test_goal_progress_in_the_digest() -> None:
    totals = week_days(MONDAY, (3, 30), (3, 8))
    result = build_digest(MONDAY, totals, [], profile=ChannelProfile(goal=50))
    assert result.goal == GoalProgress(38, 50)
    assert result.goal.percent == 76 and not result.goal.reached
    assert build_digest(MONDAY, totals, []).goal is None
    assert GoalProgress(50, 50).reached


@pytest.mark.parametrize(
    ("responders", "members", "rate"),
    [
        ([3, 4, 5], 5, 80),
        ([0, 0], 4, 0),
        ([6], 5, 100),  # people who left the channel after answering: capped
        ([3], None, None),
        ([3], 0, None),
        ([], 5, None),
    ],
)
def test_response_rate(responders: list[int], members: int | None, rate: int | None) -> None:
    days = [d(MONDAY + timedelta(days=i), r, r) for i, r in enumerate(responders)]
    assert response_rate(days, members) == rate


def test_build_digest_carries_the_customer_and_rate() -> None:
    totals = week_days(MONDAY, (3, 6), (5, 6))
    profile = ChannelProfile(customer="The support team", threshold=3)
    result = build_digest(MONDAY, totals, [], profile=profile, members=10)
    assert result.customer == "The support team"
    assert result.response_rate == 40
