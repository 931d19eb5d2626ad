"""The daily poll: structure, ids, and no total below the privacy threshold."""

from __future__ import annotations

import json

import pytest

from bot.domain.models import DayTotal
from bot.domain.tally import GoalProgress
from bot.slack import ids, poll_blocks
from tests.blockkit import assert_valid_message
from tests.bot.slack.conftest import MONDAY, day, texts


def test_poll_message_structure() -> None:
    message = poll_blocks.poll_message(12, day(0, 0))
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
    actions = poll_blocks.poll_message(3, day(0, 0))["blocks"][2]
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
    message = poll_blocks.poll_message(12, day(responders, total))
    assert_valid_message(message)
    assert str(total) not in json.dumps(message, ensure_ascii=False)
    assert message["text"] == (
        f"How many customers did we delight today? {plural_answers(responders)} so far — the "
        "tally appears at 3, so no one's number stands alone."
    )


def plural_answers(n: int) -> str:
    return f"{n} answer" if n == 1 else f"{n} answers"


def test_poll_message_above_threshold_shows_total_in_text_and_blocks() -> None:
    message = poll_blocks.poll_message(12, day(4, 21))
    assert_valid_message(message)
    line = "We delighted 21 customers today · 4 of us answered · updates every 3 answers"
    assert message["text"] == f"How many customers did we delight today? {line}"
    assert message["blocks"][3]["elements"][0]["text"] == f":sparkles: {line}"


def test_poll_message_with_customer_and_goal() -> None:
    message = poll_blocks.poll_message(
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
