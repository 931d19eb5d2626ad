"""Slack's encoded text, as a person would read it. Pure.

Slack sends message text and escaped slash-command text with references in angle brackets:
``<@U123|alice>``, ``<#C123|support>``, ``<!here>``, ``<https://x.test|a link>``, and escapes
``&``, ``<`` and ``>`` that were typed. A win story keeps none of those codes: a mention reads
``@alice`` (or ``@someone`` when Slack sent no name), never a user id (issue 15), and nothing
in it can ping anyone once it is shown again (``bot.slack.kit`` escapes it on the way out too).
"""

from __future__ import annotations

import html
import re

_REFERENCE = re.compile(r"<([^<>]*)>")
# A channel reference in slash-command text (``should_escape: true``): ``<#C123|name>``.
CHANNEL_REFERENCE = re.compile(r"<#([CG][A-Z0-9]{2,30})(?:\|([^<>]*))?>")
SOMEONE = "@someone"


def _readable(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return f"@{label}" if label else SOMEONE
    if target.startswith("#"):
        return f"#{label}" if label else "#a-channel"
    if target.startswith("!subteam^"):
        return label if label.startswith("@") else f"@{label or 'a-group'}"
    if target.startswith("!date^"):
        return label
    if target.startswith("!"):
        return f"@{target[1:]}"
    url = target.removeprefix("mailto:")
    return f"{label} ({url})" if label and label != url else url


def readable(text: str) -> str:
    """``text`` as Slack encodes it, with every reference spelled out and no entity left."""
    return html.unescape(_REFERENCE.sub(_readable, text or ""))


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with ``…`` when it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def channel_link(channel_id: str) -> str:
    """A channel as Slack shows it, linked: ``<#C123>``."""
    return f"<#{channel_id}>"


def code(text: str) -> str:
    """``text`` as inline code."""
    return f"`{text}`"
