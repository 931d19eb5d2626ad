"""The rich weekly digest, the Home tab and goal/customer lines: whole values, Block Kit limits."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest

from bot.domain.calendar import Week
from bot.domain.digest import ChannelCard, Digest, build_digest
from bot.domain.models import ChannelProfile, DayTotal, Win, WinKind
from bot.domain.schedule import WEEKDAYS, ChannelSchedule
from bot.domain.tally import GoalProgress, TeamTotal
from bot.slack import blocks
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.bot.slack.test_blocks import texts

MONDAY = date(2026, 11, 16)
NOTHING = TeamTotal(0, 0, 0, 0)


def days(*numbers: tuple[int, int], start: date = MONDAY) -> list[DayTotal]:
    return [DayTotal(start + timedelta(days=i), r, t) for i, (r, t) in enumerate(numbers)]


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
    assert blocks.sparkline(values) == line


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
    assert blocks.goal_line(GoalProgress(total, goal)) == line


def test_poll_message_with_customer_and_goal() -> None:
    message = blocks.poll_message(
        7,
        DayTotal(MONDAY, 3, 9),
        customer="<!channel> Shop owners & co",
        goal=GoalProgress(9, 50),
    )
    assert_valid_message(message)
    assert texts(message) == [
        "*How many customers did we delight today?*\nMonday 16 November",
        ":busts_in_silhouette: Our customer: &lt;!channel&gt; Shop owners &amp; co",
        "Count every customer you served: a paying customer, or a teammate who serves one. "
        "One click; click again to change it.",
        ":sparkles: We delighted 9 customers today · 3 of us answered · updates every 3 answers\n"
        ":dart: We're at 9 of 50 this week `▰▱▱▱▱▱▱▱▱▱` 18%",
    ]
    assert message["blocks"][3]["block_id"] == "delight_poll:7"


def test_tally_text_with_goal() -> None:
    text = blocks.tally_text(
        DayTotal(MONDAY, 3, 9), TeamTotal(38, 4, 0, 12), 3, GoalProgress(38, 50)
    )
    assert text.splitlines() == [
        "Today: We delighted 9 customers today · 3 of us answered",
        "This week: we delighted 38 customers over 4 days.",
        ":dart: We're at 38 of 50 this week `▰▰▰▰▰▰▰▱▱▱` 76%",
    ]


def rich_digest(wins: list[Win] | None = None, **changes) -> Digest:
    totals = days((4, 10), (5, 14), (2, 30), (4, 9)) + days(
        (3, 20), (3, 2), start=MONDAY - timedelta(weeks=1)
    )
    totals += [DayTotal(MONDAY - timedelta(weeks=5), 3, 12)]
    profile = ChannelProfile(customer="The support team, so they answer fast", goal=50)
    digest = build_digest(MONDAY + timedelta(days=4), totals, wins or [], 3, profile, members=6)
    return Digest(**{**digest.__dict__, **changes})


def test_rich_digest_whole_value() -> None:
    wins = [
        Win(MONDAY + timedelta(days=3), WinKind.NEW, "Signed Initech 🎉"),
        Win(MONDAY + timedelta(days=1), WinKind.INTERNAL, "ساعدنا فريق الدعم"),
        Win(MONDAY, WinKind.KEPT, "Saved the Acme renewal"),
    ]
    message = blocks.digest_message(rich_digest(wins))
    assert_valid_message(message)
    assert message["text"] == (
        "This week we delighted 33 customers. That's 11 more than last week (22). "
        ":chart_with_upwards_trend:"
    )
    assert texts(message) == [
        ":tada: This week we delighted 33 customers",
        "Week of Monday 16 November\n"
        ":busts_in_silhouette: Our customer: The support team, so they answer fast",
        "That's 11 more than last week (22). :chart_with_upwards_trend:\n"
        ":dart: We're at 33 of 50 this week `▰▰▰▰▰▰▱▱▱▱` 66%\n"
        "3 days counted · 13 answers from the team.\n"
        "On an average poll day 63% of us answered.",
        "Days with the most delight: Tuesday (14) · Monday (10) · Thursday (9)\n"
        "8-week trend: `··▄···▆█` (this week last; best 33)",
        "_1 day with fewer than 3 answers is not counted, so no one's answer stands alone._",
        "*3 customer wins this week*\n"
        "1 new customer won · 1 customer kept · 1 internal customer served",
        "*New customer won* · Signed Initech 🎉",
        "*Internal customer served* · ساعدنا فريق الدعم",
        "*Customer kept* · Saved the Acme renewal",
    ]


def test_digest_empty_week_with_customer_and_goal_still_encourages() -> None:
    digest = build_digest(MONDAY, [], [], 3, ChannelProfile(customer="Finance", goal=20))
    message = blocks.digest_message(digest)
    assert_valid_message(message)
    assert texts(message) == [
        ":calendar: This week's numbers",
        "Week of Monday 16 November\n:busts_in_silhouette: Our customer: Finance",
        "No day was counted this week yet: a poll day counts once enough of us answer. "
        "`/delight poll` asks the team.\n"
        ":dart: We're at 0 of 20 this week `▱▱▱▱▱▱▱▱▱▱` 0%",
        "No wins logged this week yet. `/delight win <story>` tells the team about one.",
    ]


def test_digest_with_200_long_wins_stays_inside_block_kit_limits() -> None:
    wins = [
        Win(MONDAY, list(WinKind)[n % 4], f"{n} " + "&<>🎉 long story " * 200) for n in range(200)
    ]
    message = blocks.digest_message(rich_digest(wins))
    assert_valid_message(message)
    assert len(message["blocks"]) <= 50
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    rendered = texts(message)
    assert rendered[-1] == "…and 190 more stories."
    assert "*200 customer wins this week*\n50 new customers won · 50 customers kept · " in (
        "\n".join(rendered)
    )
    assert sum(1 for t in rendered if t.startswith("*") and " · 199 " in t) == 0


def card(channel: str = "C1", **changes) -> ChannelCard:
    values = dict(
        channel_id=channel,
        this_week=TeamTotal(38, 4, 1, 16),
        trend=(None, 3, 10, 0, 22, 30, 41, 38),
        goal=GoalProgress(38, 50),
        profile=ChannelProfile(customer="Shop owners", goal=50, threshold=3),
        wins_this_week=2,
        schedule=ChannelSchedule(
            team_id="T1",
            channel_id=channel,
            poll_time=time(17, 0),
            tz="Europe/Berlin",
            days=WEEKDAYS,
        ),
    )
    values.update(changes)
    return ChannelCard(**values)


def test_home_view_whole_value() -> None:
    view = blocks.home_view([card()])
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
    view = blocks.home_view(
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
    view = blocks.home_view([card(schedule=paused)])
    assert "(paused) · digest off" in json.dumps(view, ensure_ascii=False)


def test_home_view_with_many_channels_stays_under_100_blocks() -> None:
    view = blocks.home_view([card(f"C{n}") for n in range(60)])
    assert_valid_view(view)
    assert len(view["blocks"]) <= 100
    assert view["blocks"][-2]["elements"][0]["text"].startswith("…and 35 more channels.")


def test_home_empty_state_and_unavailable_are_valid() -> None:
    for view in (blocks.home_view([]), blocks.home_unavailable_view()):
        assert_valid_view(view)
    assert "Get started" in json.dumps(blocks.home_view([]))


def test_week_is_monday_based_for_cards() -> None:
    assert Week.containing(MONDAY + timedelta(days=6)).start == MONDAY
