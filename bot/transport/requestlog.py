"""One structured log line per Slack request, whichever transport brought it: what it was,
for which workspace and channel, how it ended and how long it took. Never tokens, secrets,
user ids, typed text or answers.

    request via=socket kind=block_actions team=T0123 channel=C0456 action=answer status=200 ms=4.2

Actions are named by kind (``answer``, never ``answer_3``: the button's id is the answer),
commands by the subcommand the parser knows (``win``, ``poll``, …) or ``unknown``.

Bolt's sync middleware can't see a request's outcome (``next()`` only marks the chain as
continued; the listeners run after every middleware returned), so the line is written around
``App.dispatch``, which both transports call: ``LoggedApp``.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.domain.command_text import subcommand_of
from bot.slack import ids
from bot.slack.shapes import COMMAND, EVENT, kind_of

logger = logging.getLogger("delight.requests")

# Where a Bolt middleware leaves the problem it refused a request for (handlers.guard).
PROBLEM = "delight_problem"
_ANSWER = re.compile(rf"{ids.ANSWER_ACTION_PREFIX}\d+")
_NAMES = {
    ids.ANSWER_MORE_ACTION,
    ids.HOME_LOG_WIN_ACTION,
    ids.MORE_VIEW,
    ids.WIN_VIEW,
    ids.LOG_WIN_ACTION,
    ids.MESSAGE_SHORTCUT,
    ids.GLOBAL_SHORTCUT,
}
_PLAIN = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def action_name(action_id: object) -> str | None:
    """The loggable name of an action or view id: the kind of thing, never its value."""
    if not isinstance(action_id, str) or not action_id:
        return None
    if _ANSWER.fullmatch(action_id):
        return "answer"
    return action_id if action_id in _NAMES else "other"


def describe(body: Any) -> dict[str, str]:
    """The loggable facts of a request body as Bolt's listeners see it."""
    if not isinstance(body, dict):
        return {"kind": "unreadable"}
    kind = kind_of(body)
    if kind == EVENT:
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        return _clean(
            kind=body.get("type"),
            team=body.get("team_id"),
            channel=event.get("channel") if event.get("type") != "app_home_opened" else None,
            action=event.get("type"),
        )
    if kind == COMMAND:
        return _clean(
            kind="command",
            team=body.get("team_id"),
            channel=body.get("channel_id"),
            action=subcommand_of(body.get("text")),
        )
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else {}
    view = body.get("view")
    return _clean(
        kind=body.get("type"),
        team=_id_of(body.get("team")),
        channel=_id_of(body.get("channel")),
        action=action_name(first.get("action_id") if isinstance(first, dict) else None)
        or action_name(view.get("callback_id") if isinstance(view, dict) else None)
        or action_name(body.get("callback_id")),  # shortcuts
    )


def _id_of(node: object) -> object:
    return node.get("id") if isinstance(node, dict) else None


def _clean(**fields: object) -> dict[str, str]:
    return {k: _safe(v) for k, v in fields.items() if isinstance(v, str) and v}


def _safe(value: str) -> str:
    """Keep a value on one logfmt token: ids and names only ever have these characters."""
    if _PLAIN.fullmatch(value):
        return value  # the usual case, without a look at each character
    return "".join(c for c in value[:40] if c.isalnum() or c in "_.-") or "?"


def log_request(fields: dict[str, str], problem: str | None = None) -> None:
    """Write the line: INFO when answered, WARNING with the problem when refused."""
    if problem:
        fields["problem"] = f'"{problem}"'
        logger.warning("request %s", " ".join(f"{k}={v}" for k, v in fields.items()))
    else:
        logger.info("request %s", " ".join(f"{k}={v}" for k, v in fields.items()))


def transport_of(request: BoltRequest) -> str:
    return "socket" if request.mode == "socket_mode" else "http"


class LoggedApp(App):
    """Bolt's App, with the request log line written around every dispatch."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        if not logger.isEnabledFor(logging.INFO):
            return super().dispatch(req)
        started = time.perf_counter()
        response = super().dispatch(req)
        fields = {"via": transport_of(req), **describe(req.body)}
        fields.update(
            status=str(response.status), ms=f"{(time.perf_counter() - started) * 1000:.1f}"
        )
        log_request(fields, req.context.get(PROBLEM))
        return response
