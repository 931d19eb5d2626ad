"""The shared lines: the team tally (privacy threshold), the goal and the trend."""

from __future__ import annotations

import pytest

from bot.domain.tally import GoalProgress
from bot.slack import lines
from tests.bot.slack.conftest import day


def test_tally_line_no_answers() -> None:
    assert lines.tally_line(day(0, 0)) == "No answers yet. Be the first to count!"


@pytest.mark.parametrize(
    ("responders", "total", "expected"),
    [
        (1, 47, "1 answer so far — the tally appears at 3, so no one's number stands alone."),
        (2, 59, "2 answers so far — the tally appears at 3, so no one's number stands alone."),
    ],
)
def test_tally_line_below_threshold_hides_the_total(
    responders: int, total: int, expected: str
) -> None:
    line = lines.tally_line(day(responders, total))
    assert line == expected
    assert str(total) not in line


@pytest.mark.parametrize(
    ("responders", "total", "expected"),
    [
        (3, 11, "We delighted 11 customers today · 3 of us answered"),
        (3, 1, "We delighted 1 customer today · 3 of us answered"),
        (3, 0, "We delighted 0 customers today · 3 of us answered"),
        (1234, 56789, "We delighted 56,789 customers today · 1,234 of us answered"),
    ],
)
def test_tally_line_at_or_above_threshold(responders: int, total: int, expected: str) -> None:
    assert lines.tally_line(day(responders, total)) == expected


def test_tally_line_custom_threshold() -> None:
    assert lines.tally_line(day(4, 30), threshold=5) == (
        "4 answers so far — the tally appears at 5, so no one's number stands alone."
    )
    assert lines.tally_line(day(5, 30), threshold=5) == (
        "We delighted 30 customers today · 5 of us answered"
    )


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ([], ""),
        ([None, None], "··"),
        ([0, 0, 0], "▁▁▁"),
        ([0, 1, 2, 3, 4, 5, 6, 7], "▁▂▃▄▅▆▇█"),
        ([1, 8], "▂█"),  # bars start from zero, not from the smallest week
        ([None, 10, 0, 5], "·█▁▅"),
        ([3], "█"),
    ],
)
def test_sparkline(values: list[int | None], line: str) -> None:
    assert lines.sparkline(values) == line


@pytest.mark.parametrize(
    ("total", "goal", "line"),
    [
        (0, 50, ":dart: We're at 0 of 50 this week `▱▱▱▱▱▱▱▱▱▱` 0%"),
        (38, 50, ":dart: We're at 38 of 50 this week `▰▰▰▰▰▰▰▱▱▱` 76%"),
        (49, 50, ":dart: We're at 49 of 50 this week `▰▰▰▰▰▰▰▰▰▱` 98%"),
        (50, 50, ":trophy: We reached our goal: 50 of 50 this week!"),
        (1234, 1000, ":trophy: We reached our goal: 1,234 of 1,000 this week!"),
    ],
)
def test_goal_line(total: int, goal: int, line: str) -> None:
    assert lines.goal_line(GoalProgress(total, goal)) == line
