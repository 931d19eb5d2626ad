"""The shape of a Slack request body: what kind it is, and what is missing from it. Pure.

Both transports deliver the same objects: over HTTP, Bolt parses the form or JSON body; over
Socket Mode, the envelope's ``payload`` is that object already. The kind is read from the
object itself, so one check serves both (``handlers.guard``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

EVENT, INTERACTION, COMMAND = "event", "interaction", "command"
# What Bolt raises building a request from a body of the wrong shape (invalid JSON, a payload
# that is not an object, an id field of the wrong type), over either transport.
UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError)
# The Events API's own envelope types (Bolt answers url_verification itself).
_EVENT_TYPES = {"event_callback", "url_verification", "app_rate_limited"}


def kind_of(body: dict[str, Any]) -> str:
    """EVENT, INTERACTION or COMMAND: slash commands carry ``command``, events their
    envelope type, and anything else is read as an interaction (which must say its type)."""
    if "command" in body:
        return COMMAND
    kind = body.get("type")
    if isinstance(kind, str) and kind in _EVENT_TYPES:
        return EVENT
    return INTERACTION


def _require(data: Any, *paths: str) -> str | None:
    """The first dotted path missing (or empty) in ``data``, or None when all are there."""
    for path in paths:
        node = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node in (None, "", [], {}):
            return path
    return None


def problem_in(body: Any) -> str | None:
    """What is wrong with a Slack request body (as Bolt's listeners see it), or None if
    listeners can rely on it."""
    if not isinstance(body, dict) or not body:
        return "not a Slack request"
    kind = kind_of(body)
    if kind == EVENT:
        if body["type"] == "event_callback":
            missing = _require(body, "event_id", "team_id", "event.type")
            return f"missing {missing}" if missing else None
        return None
    if kind == COMMAND:
        for field in ("command", "team_id", "channel_id", "user_id", "trigger_id"):
            if not body.get(field):
                return f"missing {field}"
        return None
    kind = body.get("type")
    if kind == "block_actions":
        missing = _require(body, "team.id", "user.id", "actions")
        if missing:
            return f"missing {missing}"
        actions = body["actions"]
        if not isinstance(actions, list) or not all(
            isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions
        ):
            return "actions must be a list of actions with an action_id"
        return None
    if kind in ("view_submission", "view_closed"):
        missing = _require(body, "team.id", "user.id", "view.id", "view.type", "view.callback_id")
        return f"missing {missing}" if missing else None
    if kind == "message_action":
        missing = _require(
            body, "team.id", "user.id", "callback_id", "trigger_id", "channel.id", "message.ts"
        )
        return f"missing {missing}" if missing else None
    if kind == "shortcut":
        missing = _require(body, "team.id", "user.id", "callback_id", "trigger_id")
        return f"missing {missing}" if missing else None
    if not isinstance(kind, str):
        return "payload is missing type"
    return None


def problem_with(body: str, content_type: str) -> str:
    """What is wrong with an HTTP body Bolt could not read (building its request raised)."""
    content_type = content_type.split(";")[0]
    is_json = content_type == "application/json" or body.startswith("{")
    what = "body" if is_json else "payload"
    try:
        data = json.loads(body if is_json else dict(parse_qsl(body)).get("payload", "{}"))
    except ValueError:
        return f"{what} is not valid JSON"
    if not isinstance(data, dict):
        return f"{what} is not an object"
    # Bolt choked on a body of the right shape: an id or a list where it expects an object.
    return problem_in(data) or "fields of unexpected types"
