"""The weekly digest: wording, whole values, and Block Kit limits whatever the week holds."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.domain.calendar import Week
from bot.domain.digest import Digest, build_digest
from bot.domain.models import ChannelProfile, Win, WinKind
from bot.domain.tally import TeamTotal
from bot.slack import digest_blocks
from tests.blockkit import assert_valid_message
from tests.bot.slack.conftest import MONDAY, NOTHING, WEDNESDAY, rich_digest, texts


def digest(
    this_week: TeamTotal = NOTHING,
    last_week: TeamTotal = NOTHING,
    wins: list[Win] | None = None,
) -> Digest:
    wins = wins or []
    counts: dict[WinKind, int] = {}
    for kind in WinKind:
        n = sum(1 for w in wins if w.kind is kind)
        if n:
            counts[kind] = n
    return Digest(Week(MONDAY), this_week, last_week, counts, wins)


NO_COUNTED_DAY = (
    "No day was counted this week yet: a poll day counts once enough of us answer. "
    "`/delight poll` asks the team."
)


def test_digest_empty_week_celebrates_nothing_and_shames_no_one() -> None:
    """Issue 16: an empty week has no :tada:, no "0 customers", no "first counted week"."""
    message = digest_blocks.digest_message(digest())
    assert_valid_message(message)
    assert message == {
        "text": f"This week's numbers. {NO_COUNTED_DAY}",
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": ":calendar: This week's numbers",
                    "emoji": True,
                },
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "Week of Monday 16 November"}],
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": NO_COUNTED_DAY}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "No wins logged this week yet. `/delight win <story>` tells the "
                        "team about one.",
                    }
                ],
            },
        ],
    }


def test_digest_leaves_out_a_zero_response_rate() -> None:
    week = TeamTotal(total=0, days_counted=0, days_hidden=2, responses=2)
    empty = Digest(Week(MONDAY), week, NOTHING, {}, [], response_rate=0)
    assert "% of us answered" not in json.dumps(digest_blocks.digest_message(empty))


def test_digest_week_with_only_wins() -> None:
    wins = [
        Win(WEDNESDAY, WinKind.NEW, "Signed <!channel> & friends"),
        Win(WEDNESDAY, WinKind.KEPT, "Saved Initech"),
        Win(MONDAY, WinKind.NEW, "Signed Globex"),
        Win(MONDAY, WinKind.OTHER, "Made someone smile"),
    ]
    message = digest_blocks.digest_message(digest(wins=wins))
    assert_valid_message(message)
    assert texts(message) == [
        ":tada: This week we logged 4 customer wins",
        "Week of Monday 16 November",
        NO_COUNTED_DAY,
        "*4 customer wins this week*\n2 new customers won · 1 customer kept · 1 other win",
        "*New customer won* · Signed &lt;!channel&gt; &amp; friends",
        "*Customer kept* · Saved Initech",
        "*New customer won* · Signed Globex",
        "*Customer delighted* · Made someone smile",
    ]
    assert message["blocks"][3] == {"type": "divider"}


def test_digest_with_hidden_days_notes_them() -> None:
    week = TeamTotal(total=20, days_counted=2, days_hidden=1, responses=8)
    message = digest_blocks.digest_message(digest(this_week=week))
    assert_valid_message(message)
    assert texts(message)[:4] == [
        ":tada: This week we delighted 20 customers",
        "Week of Monday 16 November",
        "Our first counted week: here's to many more.\n2 days counted · 8 answers from the team.",
        "_1 day with fewer than 3 answers is not counted, so no one's answer stands alone._",
    ]


def test_digest_with_25_wins_shows_10_stories_and_a_count() -> None:
    wins = [Win(WEDNESDAY, WinKind.INTERNAL, f"Story number {n}") for n in range(25)]
    message = digest_blocks.digest_message(digest(wins=wins))
    assert_valid_message(message)
    stories = [t for t in texts(message) if t.startswith("*Internal customer served* · ")]
    assert stories == [f"*Internal customer served* · Story number {n}" for n in range(10)]
    assert texts(message)[3] == "*25 customer wins this week*\n25 internal customers served"
    assert message["blocks"][-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "…and 15 more stories."}],
    }


def test_digest_with_11_wins_says_one_more_story() -> None:
    wins = [Win(WEDNESDAY, WinKind.NEW, f"s{n}") for n in range(11)]
    message = digest_blocks.digest_message(digest(wins=wins))
    assert_valid_message(message)
    assert texts(message)[-1] == "…and 1 more story."


def test_digest_with_exactly_10_wins_has_no_more_line() -> None:
    wins = [Win(WEDNESDAY, WinKind.NEW, f"s{n}") for n in range(10)]
    message = digest_blocks.digest_message(digest(wins=wins))
    assert_valid_message(message)
    assert texts(message)[-1] == "*New customer won* · s9"


def counted(total: int, days: int = 5, responses: int = 20) -> TeamTotal:
    return TeamTotal(total=total, days_counted=days, days_hidden=0, responses=responses)


@pytest.mark.parametrize(
    ("this_week", "last_week", "trend"),
    [
        (
            counted(30),
            counted(20),
            "That's 10 more than last week (20). :chart_with_upwards_trend:",
        ),
        (
            counted(1500),
            counted(20),
            "That's 1,480 more than last week (20). :chart_with_upwards_trend:",
        ),
        (counted(20), counted(30), "That's 10 fewer than last week (30)."),
        (NOTHING, counted(30), "That's 30 fewer than last week (30)."),
        (counted(25), counted(25), "The same as last week (25)."),
        (counted(25), NOTHING, "Our first counted week: here's to many more."),
        # Last week's days were all hidden: still nothing to compare against.
        (
            counted(25),
            TeamTotal(total=0, days_counted=0, days_hidden=3, responses=0),
            "Our first counted week: here's to many more.",
        ),
    ],
)
def test_digest_trend_wording(this_week: TeamTotal, last_week: TeamTotal, trend: str) -> None:
    message = digest_blocks.digest_message(digest(this_week=this_week, last_week=last_week))
    assert_valid_message(message)
    headline = message["blocks"][0]["text"]["text"].split(" ", 1)[1]
    assert message["text"] == f"{headline}. {trend}"
    assert message["blocks"][2]["text"]["text"].split("\n")[0] == trend


@pytest.mark.parametrize("kind", list(WinKind))
def test_digest_longest_story_fits_the_section_limit(kind: WinKind) -> None:
    story = "x" * 2000
    message = digest_blocks.digest_message(digest(wins=[Win(WEDNESDAY, kind, story)]))
    assert_valid_message(message)
    section = message["blocks"][-1]["text"]["text"]
    assert section == f"*{kind.label}* · {story}"
    assert len(section) <= 3000


@pytest.mark.parametrize("char", ["&", "<", ">"])
def test_digest_longest_escaped_story_fits_the_section_limit(char: str) -> None:
    story = char * 2000
    message = digest_blocks.digest_message(digest(wins=[Win(WEDNESDAY, WinKind.NEW, story)]))
    assert_valid_message(message)


def test_digest_headline_pluralises_one_customer() -> None:
    message = digest_blocks.digest_message(digest(this_week=counted(1, days=1, responses=3)))
    assert_valid_message(message)
    assert message["blocks"][0]["text"]["text"] == ":tada: This week we delighted 1 customer"
    assert message["blocks"][2]["text"]["text"] == (
        "Our first counted week: here's to many more.\n1 day counted · 3 answers from the team."
    )


def test_rich_digest_whole_value() -> None:
    wins = [
        Win(MONDAY + timedelta(days=3), WinKind.NEW, "Signed Initech 🎉"),
        Win(MONDAY + timedelta(days=1), WinKind.INTERNAL, "ساعدنا فريق الدعم"),
        Win(MONDAY, WinKind.KEPT, "Saved the Acme renewal"),
    ]
    message = digest_blocks.digest_message(rich_digest(wins))
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
    message = digest_blocks.digest_message(digest)
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
    message = digest_blocks.digest_message(rich_digest(wins))
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
