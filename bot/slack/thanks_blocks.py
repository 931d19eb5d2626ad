"""Thanks between teams (``/delight thanks``): the message in the thanked team's channel and the
confirmation in the thanking one. Pure.
"""

from __future__ import annotations

from typing import Any

from bot.domain.i18n import _
from bot.domain.mrkdwn import channel_link
from bot.slack.kit import context, escape_within, section
from bot.slack.lines import customer_line


def thanks_message(from_channel: str, customer: str | None, story: str) -> dict[str, Any]:
    """Posted in the thanked team's channel: their internal customers thank them."""
    heading = ":handshake: *" + _(
        "Your internal customers in {channel} thank you!", channel=channel_link(from_channel)
    ) + "*"  # fmt: skip
    about = [customer_line(customer)] if customer else []
    quoted = "\n".join(f"> {line}" for line in escape_within(story, 2800).splitlines())
    return {
        "text": _(
            "Your internal customers in {channel} thank you: {story}",
            channel=channel_link(from_channel),
            story=escape_within(story, 200),
        ),
        "blocks": [
            section(f"{heading}\n{quoted}"),
            *[context(line) for line in about],
            context(
                _(
                    "Counted as an internal customer served in this week's digest. Serve the "
                    "customer, or serve someone who does."
                )
            ),
        ],
    }


def thanks_sent_message(to_channel: str, story: str) -> dict[str, Any]:
    """The confirmation in the thanking team's channel."""
    line = ":handshake: " + _(
        "We thanked {channel}, a team that serves us.", channel=channel_link(to_channel)
    )
    return {
        "text": _(
            "We thanked {channel}, a team that serves us: {story}",
            channel=channel_link(to_channel),
            story=escape_within(story, 200),
        ),
        "blocks": [section(f"{line}\n> {escape_within(story, 2800).replace(chr(10), ' ')}")],
    }
