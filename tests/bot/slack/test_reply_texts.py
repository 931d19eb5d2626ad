"""The replies to commands: the tally with a goal."""

from __future__ import annotations

from bot.domain.models import DayTotal
from bot.domain.tally import GoalProgress, TeamTotal
from bot.slack import reply_texts
from tests.bot.slack.conftest import MONDAY


def test_tally_text_with_goal() -> None:
    text = reply_texts.tally_text(
        DayTotal(MONDAY, 3, 9), TeamTotal(38, 4, 0, 12), 3, GoalProgress(38, 50)
    )
    assert text.splitlines() == [
        "Today: We delighted 9 customers today · 3 of us answered",
        "This week: we delighted 38 customers over 4 days.",
        ":dart: We're at 38 of 50 this week `▰▰▰▰▰▰▰▱▱▱` 76%",
    ]
