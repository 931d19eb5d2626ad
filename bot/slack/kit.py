"""The Block Kit pieces every surface is built of: text objects, sections, context lines, and
the escaping of what people typed. Pure.

Every message carries a plain ``text`` fallback for notifications and screen readers.
Everything a person typed is escaped before it goes into mrkdwn, so a story can never
ping ``@channel`` or forge a link.
"""

from __future__ import annotations

from typing import Any

Blocks = list[dict[str, Any]]


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
SECTION_LIMIT = 3000


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_within(text: str, limit: int) -> str:
    """``escape(text)``, cut to at most ``limit`` characters without splitting an entity.

    Escaping can make a story up to five times longer (``&`` is ``&amp;``), so a story that
    fits as typed may not fit in a section once escaped.
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    pieces, used = [], 0
    for char in text:
        piece = _ESCAPES.get(char, char)
        if used + len(piece) > limit - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces) + "…"


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(text)]}
