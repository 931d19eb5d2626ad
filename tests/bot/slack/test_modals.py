"""The modals: the "more…" count, the win form, and the confirmation view."""

from __future__ import annotations

import json

import pytest

from bot.slack import ids, modals
from tests.blockkit import assert_valid_view


def test_more_modal() -> None:
    view = modals.more_modal(42)
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
    view = modals.win_modal("C0TEAM")
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
    view = modals.thanks_view(text)
    assert_valid_view(view)
    assert view == {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Delight", "emoji": True},
        "close": {"type": "plain_text", "text": "Done", "emoji": True},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
