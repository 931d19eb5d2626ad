"""One structured log line per Slack request: what it was, for which workspace and channel,
how it ended and how long it took. Never tokens, secrets, user ids, typed text or answers.

    request kind=block_actions team=T0123 channel=C0456 action=answer_3 status=200 ms=4.2

(``answer_3`` is the button's id, which names the button, not a person.)
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.request.internals import parse_body

from bot.web import EVENT, INTERACTION, PARSED_BODY, shape_of

logger = logging.getLogger("delight.requests")
MAX_LOGGED_BODY = 1 << 20
_PLAIN = re.compile(r"[A-Za-z0-9/_:.-]{1,40}")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]


def describe(body: bytes, content_type: str) -> dict[str, str]:
    """The loggable facts of a Slack request body; empty values are left out."""
    try:
        text = body.decode("utf-8")
        content_type = content_type.split(";")[0]
        return describe_parsed(shape_of(text, content_type), parse_body(text, content_type))
    except ValueError:
        return {"kind": "unreadable"}


def describe_parsed(shape: str, data: dict[str, Any]) -> dict[str, str]:
    """The loggable facts of a body as Bolt parsed it (``bot.web.PARSED_BODY``)."""
    try:
        if shape == EVENT:
            event = data.get("event") if isinstance(data.get("event"), dict) else {}
            return _clean(
                kind=data.get("type"),
                team=data.get("team_id"),
                channel=event.get("channel") if event.get("type") != "app_home_opened" else None,
                action=event.get("type"),
            )
        if shape == INTERACTION:
            actions = data.get("actions") or [{}]
            return _clean(
                kind=data.get("type"),
                team=(data.get("team") or {}).get("id"),
                channel=(data.get("channel") or {}).get("id"),
                action=(actions[0] or {}).get("action_id")
                or (data.get("view") or {}).get("callback_id"),
            )
        words = (data.get("text") or "").split()
        command = data.get("command") or ""
        return _clean(
            kind="command",
            team=data.get("team_id"),
            channel=data.get("channel_id"),
            # Only the subcommand word: the rest may be a story or a customer's name.
            action=f"{command}:{words[0].lower()}" if words else command,
        )
    except (ValueError, AttributeError, IndexError, TypeError, KeyError):
        return {"kind": "unreadable"}


def _clean(**fields: object) -> dict[str, str]:
    return {
        k: _safe(str(v)) for k, v in fields.items() if isinstance(v, str | int) and str(v) != ""
    }


def _safe(value: str) -> str:
    """Keep a value on one logfmt token: ids and action names only ever have these."""
    if _PLAIN.fullmatch(value):
        return value  # the usual case, without a look at each character
    kept = "".join(c for c in value[:40] if c.isalnum() or c in "/_:.-")
    return kept or "?"


class RequestLog:
    """WSGI middleware: logs every POST after its response started.

    The facts come from the body the app left parsed in the environ (``bot.web.PARSED_BODY``),
    else from parsing the body here (a request rejected before it was parsed).
    """

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or not logger.isEnabledFor(logging.INFO):
            return self._app(environ, start_response)
        started = time.perf_counter()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_LOGGED_BODY:  # the app itself refuses it; don't hold it in memory
            return self._app(environ, start_response)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        status = ["-"]

        def recording_start_response(code: str, headers: list, *rest: Any) -> Any:
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, *rest)

        result = self._app(environ, recording_start_response)
        parsed = environ.get(PARSED_BODY)  # the app parsed the body already: don't again
        fields = (
            describe_parsed(*parsed) if parsed else describe(body, environ.get("CONTENT_TYPE", ""))
        )
        fields.update(status=status[0], ms=f"{(time.perf_counter() - started) * 1000:.1f}")
        logger.info("request %s", " ".join(f"{k}={v}" for k, v in fields.items()))
        return result
