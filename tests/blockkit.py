"""Block Kit validity per slack_sdk's own models: what we send, Slack would accept."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.fake_slack import Call


def assert_valid_blocks(block_list: list[dict[str, Any]]) -> None:
    """Every block parses into slack_sdk's model, validates, and round-trips unchanged.

    ``to_dict()`` validates nested elements too, and the round trip catches keys the model
    does not know (which it would silently drop).
    """
    assert block_list, "Slack rejects an empty blocks list"
    for block in block_list:
        parsed = Block.parse(block)
        assert parsed is not None, f"unknown block type: {block}"
        parsed.validate_json()
        assert parsed.to_dict() == block


def assert_valid_message(message: dict[str, Any]) -> None:
    assert set(message) == {"text", "blocks"}
    assert message["text"].strip(), "every message needs a plain-text fallback"
    assert len(message["blocks"]) <= 50
    assert_valid_blocks(message["blocks"])


def assert_valid_view(view: dict[str, Any]) -> None:
    model = View(**view)
    model.validate_json()
    assert model.to_dict() == view
    assert_valid_blocks(view["blocks"])


def assert_valid_call(call: Call) -> None:
    """Whatever blocks or view a Web API call (or response_url post) carried must be valid."""
    if isinstance(call.params.get("blocks"), list):
        assert_valid_blocks(call.params["blocks"])
    if isinstance(call.params.get("view"), dict):
        assert_valid_view(call.params["view"])
