"""One structured log line per Slack request: what it was, for which workspace and channel,
how it ended and how long it took. Never tokens, secrets, user ids, typed text or answers.

    request kind=block_actions team=T0123 channel=C0456 action=answer_3 status=200 ms=4.2

(``answer_3`` is the button's id, which names the button, not a person.)
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

logger = logging.getLogger("delight.requests")
MAX_LOGGED_BODY = 1 << 20

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]


def describe(body: bytes, content_type: str) -> dict[str, str]:
    """The loggable facts of a Slack request body; empty values are left out."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            data = json.loads(text)
            event = data.get("event") if isinstance(data.get("event"), dict) else {}
            return _clean(
                kind=data.get("type"),
                team=data.get("team_id"),
                channel=event.get("channel") if event.get("type") != "app_home_opened" else None,
                action=event.get("type"),
            )
        form = parse_qs(text)
        if "payload" in form:
            payload = json.loads(form["payload"][0])
            actions = payload.get("actions") or [{}]
            return _clean(
                kind=payload.get("type"),
                team=(payload.get("team") or {}).get("id"),
                channel=(payload.get("channel") or {}).get("id"),
                action=(actions[0] or {}).get("action_id")
                or (payload.get("view") or {}).get("callback_id"),
            )
        words = (form.get("text") or [""])[0].split()
        command = (form.get("command") or [""])[0]
        return _clean(
            kind="command",
            team=(form.get("team_id") or [""])[0],
            channel=(form.get("channel_id") or [""])[0],
            # Only the subcommand word: the rest may be a story or a customer's name.
            action=f"{command}:{words[0].lower()}" if words else command,
        )
    except (ValueError, AttributeError, IndexError, TypeError):
        return {"kind": "unreadable"}


def _clean(**fields: object) -> dict[str, str]:
    return {
        k: _safe(str(v)) for k, v in fields.items() if isinstance(v, str | int) and str(v) != ""
    }


def _safe(value: str) -> str:
    """Keep a value on one logfmt token: ids and action names only ever have these."""
    kept = "".join(c for c in value[:40] if c.isalnum() or c in "/_:.-")
    return kept or "?"


class RequestLog:
    """WSGI middleware: logs every POST after its response started."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
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
        fields = describe(body, environ.get("CONTENT_TYPE", ""))
        fields.update(status=status[0], ms=f"{(time.perf_counter() - started) * 1000:.1f}")
        logger.info("request %s", " ".join(f"{k}={v}" for k, v in fields.items()))
        return result
