"""Block Kit builders: structure, wording, privacy, and validity per slack_sdk's models."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError

from bot.domain.calendar import Week
from bot.domain.digest import Digest
from bot.domain.models import DayTotal, Win, WinKind
from bot.domain.tally import TeamTotal
from bot.slack import blocks, ids
from tests.blockkit import assert_valid_blocks, assert_valid_message, assert_valid_view

WEDNESDAY = date(2026, 11, 18)
MONDAY = date(2026, 11, 16)
NOTHING = TeamTotal(total=0, days_counted=0, days_hidden=0, responses=0)


def day(responders: int, total: int, on: date = WEDNESDAY) -> DayTotal:
    return DayTotal(local_date=on, responders=responders, total=total)


# escape


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here> <@U123>", "&lt;!here&gt; &lt;@U123&gt;"),
        ("R&D", "R&amp;D"),
        ("&amp;", "&amp;amp;"),
        ("<https://evil.test|click>", "&lt;https://evil.test|click&gt;"),
        ("plain *bold* 😀", "plain *bold* 😀"),
        ("", ""),
    ],
)
def test_escape(raw: str, escaped: str) -> None:
    assert blocks.escape(raw) == escaped


# tally_line


def test_tally_line_no_answers() -> None:
    assert blocks.tally_line(day(0, 0)) == "No answers yet. Be the first to count!"


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
    line = blocks.tally_line(day(responders, total))
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
    assert blocks.tally_line(day(responders, total)) == expected


def test_tally_line_custom_threshold() -> None:
    assert blocks.tally_line(day(4, 30), threshold=5) == (
        "4 answers so far — the tally appears at 5, so no one's number stands alone."
    )
    assert blocks.tally_line(day(5, 30), threshold=5) == (
        "We delighted 30 customers today · 5 of us answered"
    )


# poll_message


def test_poll_message_structure() -> None:
    message = blocks.poll_message(12, day(0, 0))
    assert_valid_message(message)
    buttons = [
        {
            "type": "button",
            "action_id": f"answer_{n}",
            "text": {"type": "plain_text", "text": str(n), "emoji": True},
            "value": str(n),
        }
        for n in range(6)
    ]
    buttons.append(
        {
            "type": "button",
            "action_id": "answer_more",
            "text": {"type": "plain_text", "text": "more…", "emoji": True},
            "value": "more",
        }
    )
    buttons.append(
        {
            "type": "button",
            "action_id": "log_win_here",
            "text": {"type": "plain_text", "text": "Log a win", "emoji": True},
            "value": "win",
        }
    )
    assert message == {
        "text": "How many customers did we delight today? No answers yet. Be the first to count!",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*How many customers did we delight today?*\nWednesday 18 November",
                },
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Count every customer you served: a paying customer, or a "
                        "teammate who serves one. One click; click again to change it.",
                    }
                ],
            },
            {"type": "actions", "block_id": "delight_poll:12", "elements": buttons},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": ":sparkles: No answers yet. Be the first to count!"}
                ],
            },
        ],
    }


def test_poll_message_ids_match_the_registry() -> None:
    actions = blocks.poll_message(3, day(0, 0))["blocks"][2]
    assert actions["block_id"] == f"{ids.POLL_BLOCK_PREFIX}3"
    values = ["0", "1", "2", "3", "4", "5", "more", "win"]
    assert [b["value"] for b in actions["elements"]] == values
    assert [b["action_id"] for b in actions["elements"]] == [
        *(f"{ids.ANSWER_ACTION_PREFIX}{n}" for n in ids.ANSWER_COUNTS),
        ids.ANSWER_MORE_ACTION,
        ids.LOG_WIN_ACTION,
    ]
    # Slack requires action_ids to be unique within a block.
    assert len({b["action_id"] for b in actions["elements"]}) == len(actions["elements"])


@pytest.mark.parametrize(("responders", "total"), [(1, 47), (2, 59)])
def test_poll_message_below_threshold_exposes_no_total(responders: int, total: int) -> None:
    message = blocks.poll_message(12, day(responders, total))
    assert_valid_message(message)
    assert str(total) not in json.dumps(message, ensure_ascii=False)
    assert message["text"] == (
        f"How many customers did we delight today? {plural_answers(responders)} so far — the "
        "tally appears at 3, so no one's number stands alone."
    )


def plural_answers(n: int) -> str:
    return f"{n} answer" if n == 1 else f"{n} answers"


def test_poll_message_above_threshold_shows_total_in_text_and_blocks() -> None:
    message = blocks.poll_message(12, day(4, 21))
    assert_valid_message(message)
    line = "We delighted 21 customers today · 4 of us answered · updates every 3 answers"
    assert message["text"] == f"How many customers did we delight today? {line}"
    assert message["blocks"][3]["elements"][0]["text"] == f":sparkles: {line}"


# digest_message


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


def texts(message: dict[str, Any]) -> list[str]:
    """Every text in the message's blocks, in order."""
    found = []
    for block in message["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            if "text" in element and isinstance(element["text"], str):
                found.append(element["text"])
    return found


NO_COUNTED_DAY = (
    "No day was counted this week yet: a poll day counts once enough of us answer. "
    "`/delight poll` asks the team."
)


def test_digest_empty_week_celebrates_nothing_and_shames_no_one() -> None:
    """Issue 16: an empty week has no :tada:, no "0 customers", no "first counted week"."""
    message = blocks.digest_message(digest())
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
    assert "% of us answered" not in json.dumps(blocks.digest_message(empty))


def test_digest_week_with_only_wins() -> None:
    wins = [
        Win(WEDNESDAY, WinKind.NEW, "Signed <!channel> & friends"),
        Win(WEDNESDAY, WinKind.KEPT, "Saved Initech"),
        Win(MONDAY, WinKind.NEW, "Signed Globex"),
        Win(MONDAY, WinKind.OTHER, "Made someone smile"),
    ]
    message = blocks.digest_message(digest(wins=wins))
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
    message = blocks.digest_message(digest(this_week=week))
    assert_valid_message(message)
    assert texts(message)[:4] == [
        ":tada: This week we delighted 20 customers",
        "Week of Monday 16 November",
        "Our first counted week: here's to many more.\n2 days counted · 8 answers from the team.",
        "_1 day with fewer than 3 answers is not counted, so no one's answer stands alone._",
    ]


def test_digest_with_25_wins_shows_10_stories_and_a_count() -> None:
    wins = [Win(WEDNESDAY, WinKind.INTERNAL, f"Story number {n}") for n in range(25)]
    message = blocks.digest_message(digest(wins=wins))
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
    message = blocks.digest_message(digest(wins=wins))
    assert_valid_message(message)
    assert texts(message)[-1] == "…and 1 more story."


def test_digest_with_exactly_10_wins_has_no_more_line() -> None:
    wins = [Win(WEDNESDAY, WinKind.NEW, f"s{n}") for n in range(10)]
    message = blocks.digest_message(digest(wins=wins))
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
    message = blocks.digest_message(digest(this_week=this_week, last_week=last_week))
    assert_valid_message(message)
    headline = message["blocks"][0]["text"]["text"].split(" ", 1)[1]
    assert message["text"] == f"{headline}. {trend}"
    assert message["blocks"][2]["text"]["text"].split("\n")[0] == trend


@pytest.mark.parametrize("kind", list(WinKind))
def test_digest_longest_story_fits_the_section_limit(kind: WinKind) -> None:
    story = "x" * 2000
    message = blocks.digest_message(digest(wins=[Win(WEDNESDAY, kind, story)]))
    assert_valid_message(message)
    section = message["blocks"][-1]["text"]["text"]
    assert section == f"*{kind.label}* · {story}"
    assert len(section) <= 3000


@pytest.mark.parametrize("char", ["&", "<", ">"])
def test_digest_longest_escaped_story_fits_the_section_limit(char: str) -> None:
    story = char * 2000
    message = blocks.digest_message(digest(wins=[Win(WEDNESDAY, WinKind.NEW, story)]))
    assert_valid_message(message)


def test_digest_headline_pluralises_one_customer() -> None:
    message = blocks.digest_message(digest(this_week=counted(1, days=1, responses=3)))
    assert_valid_message(message)
    assert message["blocks"][0]["text"]["text"] == ":tada: This week we delighted 1 customer"
    assert message["blocks"][2]["text"]["text"] == (
        "Our first counted week: here's to many more.\n1 day counted · 3 answers from the team."
    )


# Modals


def test_more_modal() -> None:
    view = blocks.more_modal(42)
    assert_valid_view(view)
    assert view == {
        "type": "modal",
        "callback_id": ids.MORE_VIEW,
        "private_metadata": '{"poll_id": 42}',
        "title": {"type": "plain_text", "text": "Delight", "emoji": True},
        "submit": {"type": "plain_text", "text": "Count them", "emoji": True},
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "blocks": [
            {
                "type": "input",
                "block_id": ids.MORE_COUNT_BLOCK,
                "label": {
                    "type": "plain_text",
                    "text": "How many customers did you delight today?",
                    "emoji": True,
                },
                "element": {
                    "type": "number_input",
                    "action_id": ids.MORE_COUNT_ACTION,
                    "is_decimal_allowed": False,
                    "min_value": "0",
                    "max_value": "1000",
                },
            }
        ],
    }
    assert json.loads(view["private_metadata"]) == {"poll_id": 42}


def test_win_modal() -> None:
    view = blocks.win_modal("C0TEAM")
    assert_valid_view(view)
    assert view["callback_id"] == ids.WIN_VIEW
    assert json.loads(view["private_metadata"]) == {"channel_id": "C0TEAM"}
    assert view["title"]["text"] == "Log a customer win"
    story, kind, note = view["blocks"]
    assert story == {
        "type": "input",
        "block_id": ids.WIN_STORY_BLOCK,
        "label": {"type": "plain_text", "text": "What happened for the customer?", "emoji": True},
        "element": {
            "type": "plain_text_input",
            "action_id": ids.WIN_STORY_ACTION,
            "multiline": True,
            "max_length": 2000,
        },
    }
    assert kind["block_id"] == ids.WIN_KIND_BLOCK
    assert kind["element"]["action_id"] == ids.WIN_KIND_ACTION
    assert kind["element"]["type"] == "radio_buttons"
    assert [(o["value"], o["text"]["text"]) for o in kind["element"]["options"]] == [
        ("new", "New customer won"),
        ("kept", "Customer kept"),
        ("internal", "Internal customer served"),
    ]
    assert note["type"] == "context"


@pytest.mark.parametrize(
    "text",
    ["Thank you!", "This form has expired. Please start again.", "Logged <!channel> &amp;"],
)
def test_thanks_view(text: str) -> None:
    view = blocks.thanks_view(text)
    assert_valid_view(view)
    assert view == {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Delight", "emoji": True},
        "close": {"type": "plain_text", "text": "Done", "emoji": True},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def test_validator_rejects_a_bad_block() -> None:
    """The helper itself must catch what Slack would reject."""
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackObjectFormationError, match="3000"):
        assert_valid_blocks([too_long])
    with pytest.raises(AssertionError):
        assert_valid_blocks([{"type": "no_such_block"}])
