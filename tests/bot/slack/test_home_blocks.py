"""The App Home tab: whole values, empty and unavailable states, Block Kit limits."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.domain.calendar import Week
from bot.domain.models import ChannelProfile
from bot.domain.schedule import ChannelSchedule
from bot.slack import home_blocks
from tests.blockkit import assert_valid_view
from tests.bot.slack.conftest import MONDAY, NOTHING, card


def test_home_view_whole_value() -> None:
    view = home_blocks.home_view([card()])
    assert_valid_view(view)
    assert view == {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Delight", "emoji": True}},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*How many customers did we delight today?*\nTeam numbers for the "
                    "channels you share with Delight. Never a leaderboard, never a per-person "
                    "number: not even yours.",
                },
            },
            {"type": "divider"},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*<#C1>*\nThis week we delighted *38 customers* over 4 days · "
                    "2 wins logged\n:dart: We're at 38 of 50 this week `▰▰▰▰▰▰▰▱▱▱` 76%\n"
                    "8-week trend: `·▂▃▁▅▆█▇` (this week last; best 41)",
                },
                "accessory": {
                    "type": "button",
                    "action_id": "home_log_win",
                    "text": {"type": "plain_text", "text": "Log a customer win", "emoji": True},
                    "value": "C1",
                },
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": ":busts_in_silhouette: Our customer: Shop owners\n"
                        "Poll 17:00 Europe/Berlin, Mon to Fri · digest Fri 16:00 · "
                        "tally at 3+ answers",
                    }
                ],
            },
            {"type": "divider"},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": ":sparkles: Log wins where they happen: *Log as a customer win* "
                        "in any message's ⋯ menu, *Log a customer win* in Slack's shortcuts, "
                        "*Log a win* on the poll, `/delight thanks #team` for a team that "
                        "serves us, and `/delight webhook` for other tools.",
                    }
                ],
            },
        ],
    }


def test_home_view_card_without_schedule_goal_or_history() -> None:
    view = home_blocks.home_view(
        [
            card(
                this_week=NOTHING,
                trend=(None,) * 8,
                goal=None,
                profile=ChannelProfile(),
                wins_this_week=0,
                schedule=None,
            )
        ]
    )
    assert_valid_view(view)
    assert view["blocks"][3]["text"]["text"] == (
        "*<#C1>*\nThis week we delighted *0 customers*\n8-week trend: no counted weeks yet."
    )
    assert view["blocks"][4]["elements"][0]["text"] == (
        "No daily poll (`/delight schedule 17:00`) · tally at 3+ answers"
    )


def test_home_view_paused_and_digest_off() -> None:
    schedule = card().schedule
    paused = ChannelSchedule(**{**schedule.__dict__, "paused": True, "digest_off": True})
    view = home_blocks.home_view([card(schedule=paused)])
    assert "(paused) · digest off" in json.dumps(view, ensure_ascii=False)


def test_home_view_with_many_channels_stays_under_100_blocks() -> None:
    view = home_blocks.home_view([card(f"C{n}") for n in range(60)])
    assert_valid_view(view)
    assert len(view["blocks"]) <= 100
    assert view["blocks"][-2]["elements"][0]["text"].startswith("…and 35 more channels.")


def test_home_empty_state_and_unavailable_are_valid() -> None:
    for view in (home_blocks.home_view([]), home_blocks.home_unavailable_view()):
        assert_valid_view(view)
    assert "Get started" in json.dumps(home_blocks.home_view([]))


def test_week_is_monday_based_for_cards() -> None:
    assert Week.containing(MONDAY + timedelta(days=6)).start == MONDAY
