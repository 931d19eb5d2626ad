"""Escaping, and the Block Kit validator the builders' tests rely on."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackObjectFormationError

from bot.slack import kit
from tests.blockkit import assert_valid_blocks


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
    assert kit.escape(raw) == escaped


def test_validator_rejects_a_bad_block() -> None:
    """The helper itself must catch what Slack would reject."""
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackObjectFormationError, match="3000"):
        assert_valid_blocks([too_long])
    with pytest.raises(AssertionError):
        assert_valid_blocks([{"type": "no_such_block"}])
