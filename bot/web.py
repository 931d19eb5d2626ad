"""The WSGI application: Slack's endpoint, health checks, and a guard in front of Bolt.

With multi-workspace installs (OAuth), ``GET /slack/install`` (the "Add to Slack" page) and
``GET /slack/oauth_redirect`` (where Slack sends the installer back) go to Bolt's OAuth flow
too; with a single bot token those paths are 404 like any other.

Bolt verifies signatures and dispatches. The guard only looks at requests Bolt would
choke on (a non-numeric timestamp, a body that is not UTF-8, a payload missing the fields
every listener relies on), which would otherwise surface as a 500 and a stack trace. Such a
request gets 401 when its signature is not valid, else 400 with a one-line reason.

A body is parsed once: the guard builds Bolt's request (Bolt's own parse), checks the shape
listeners will see, and hands that request to ``App.dispatch``; it leaves the parsed body in
the WSGI environ (``PARSED_BODY``) for the request log around it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import build_context, parse_body
from slack_sdk.signature import SignatureVerifier

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
MAX_BODY_BYTES = 1 << 20
# ``/slack/install?team=T0123`` preselects a workspace; Bolt pastes the value into Slack's
# authorize URL as it is, so only a Slack id may pass.
_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,30}")

# The environ key under which a Slack request's parsed body is left for the middleware around
# DelightWeb: ``(shape, body)``, shape one of EVENT, INTERACTION, COMMAND, body a dict as
# Bolt's listeners see it.
PARSED_BODY = "delight.parsed_body"
EVENT, INTERACTION, COMMAND = "event", "interaction", "command"
# What Bolt raises building a request from a body it can't read (invalid JSON, a payload that
# is not an object, an id field of the wrong type).
_UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
# What stops the app from doing its work, or None when it is ready.
ReadinessCheck = Callable[[], str | None]


def _require(data: Any, *paths: str) -> str | None:
    """The first dotted path missing (or empty) in ``data``, or None when all are there."""
    for path in paths:
        node = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node in (None, "", [], {}):
            return path
    return None


def shape_of(body: str, content_type: str | None) -> str:
    """How Bolt reads a body: the branches of ``slack_bolt.request.internals.parse_body``.

    ``content_type`` without parameters (``application/json``, not ``...; charset=utf-8``).
    """
    if content_type == "application/json" or body.startswith("{"):
        return EVENT
    # Bolt looks for the word anywhere in the body, and reads the "payload" field or nothing.
    return INTERACTION if "payload" in body else COMMAND


def problem_in(shape: str, data: dict) -> str | None:
    """What is wrong with a parsed Slack body (``shape_of``, Bolt's parse), or None if
    listeners can rely on it."""
    if shape == EVENT:
        if not isinstance(data.get("type"), str):
            return "missing type"
        if data["type"] == "event_callback":
            missing = _require(data, "event_id", "team_id", "event.type")
            return f"missing {missing}" if missing else None
        return None
    if shape == INTERACTION:
        if not data:
            return "not a Slack request"
        kind = data.get("type")
        if kind == "block_actions":
            missing = _require(data, "team.id", "user.id", "actions")
            if missing:
                return f"missing {missing}"
            actions = data["actions"]
            if not isinstance(actions, list) or not all(
                isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions
            ):
                return "actions must be a list of actions with an action_id"
            return None
        if kind in ("view_submission", "view_closed"):
            missing = _require(
                data, "team.id", "user.id", "view.id", "view.type", "view.callback_id"
            )
            return f"missing {missing}" if missing else None
        if not isinstance(kind, str):
            return "payload is missing type"
        return None
    if "command" not in data:
        return "not a Slack request"
    for field in ("command", "team_id", "channel_id", "user_id", "trigger_id"):
        if not data.get(field):
            return f"missing {field}"
    return None


def problem_with(body: str, content_type: str) -> str:
    """What is wrong with a body Bolt could not read (its request raised): the slow path."""
    content_type = content_type.split(";")[0]
    shape = shape_of(body, content_type)
    what = "body" if shape == EVENT else "payload"
    try:
        data = parse_body(body, content_type)
    except ValueError:
        return f"{what} is not valid JSON"
    if not isinstance(data, dict):
        return f"{what} is not an object"
    # Bolt choked on a body of the right shape: an id or a list where it expects an object.
    return problem_in(shape, data) or "fields of unexpected types"


class DelightWeb:
    """Routes ``/healthz``, ``/readyz`` and ``/slack/events`` (and, when the app has an OAuth
    flow, ``/slack/install`` and ``/slack/oauth_redirect``); everything else is 404.

    ``/healthz`` says the process answers; ``/readyz`` also runs ``readiness`` (the database
    takes writes, the scheduler runs) and answers 503 naming what is wrong.
    """

    def __init__(
        self, app: App, signing_secret: str, readiness: ReadinessCheck | None = None
    ) -> None:
        self._app = app
        # Bolt's WSGI adapter, for the OAuth pages; Slack's requests go to ``app.dispatch``.
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._verifier = SignatureVerifier(signing_secret)
        self._readiness = readiness or (lambda: None)
        flow = app.oauth_flow
        self._oauth_paths = {flow.install_path, flow.redirect_uri_path} if flow else set()

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return _reply(start_response, "200 OK", "ok")
        if path == READY_PATH and method in ("GET", "HEAD"):
            problem = self._readiness()
            if problem:
                return _reply(start_response, "503 Service Unavailable", f"not ready: {problem}")
            return _reply(start_response, "200 OK", "ready")
        if path in self._oauth_paths:
            return self._oauth(environ, start_response, path, method)
        if path != EVENTS_PATH:
            return _reply(start_response, "404 Not Found", "not found")
        if method != "POST":
            return _reply(start_response, "405 Method Not Allowed", "POST only")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, "400 Bad Request", "bad content length")
        if length > MAX_BODY_BYTES:
            return _reply(start_response, "413 Content Too Large", "request too large")
        raw = environ["wsgi.input"].read(length) if length else b""
        request = self._read(raw, environ)
        if isinstance(request, tuple):
            return _reply(start_response, *request)
        # As Bolt's WSGI adapter (slack_bolt.adapter.wsgi.SlackRequestHandler) does.
        response = self._app.dispatch(request)
        wsgi = WsgiHttpResponse(
            status=response.status, headers=response.headers, body=response.body
        )
        start_response(wsgi.status, wsgi.get_headers())
        return wsgi.get_body()

    def _oauth(
        self, environ: dict, start_response: StartResponse, path: str, method: str
    ) -> Iterable[bytes]:
        """The install page and the redirect back from Slack, both handled by Bolt.

        Bolt answers a bad or missing state, a cancelled install or a code Slack refuses
        with its own failure page (4xx); what it lets escape (Slack unreachable, the install
        store failing) becomes a short 500 page here instead of a traceback.
        """
        if method != "GET":
            return _reply(start_response, "405 Method Not Allowed", "GET only")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == INSTALL_PATH and not all(_TEAM_ID.fullmatch(t) for t in query.get("team", [])):
            return _reply(start_response, "400 Bad Request", "bad request: team is not a Slack id")
        try:
            return self._bolt(environ, start_response)
        except Exception:
            logger.exception("the %s page failed", path)
            return _reply(
                start_response,
                "500 Internal Server Error",
                "Installing Delight failed on our side. Please try again in a moment.",
            )

    def _read(self, raw: bytes, environ: dict) -> BoltRequest | tuple[str, str]:
        """Bolt's request for a body listeners can rely on, else the status and text to answer."""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        if not timestamp.isdigit():
            return "401 Unauthorized", "invalid request"
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Slack only sends UTF-8, and a signature over undecodable bytes can't be checked.
            return "400 Bad Request", "bad request: body is not UTF-8"
        try:
            request = BoltRequest(
                body=body,
                query=environ.get("QUERY_STRING", ""),
                headers=WsgiHttpRequest(environ).get_headers(),
            )
        except _UNREADABLE:
            return self._bad_request(
                raw, environ, problem_with(body, environ.get("CONTENT_TYPE", ""))
            )
        shape = shape_of(body, request.content_type)
        if shape == INTERACTION and not request.body:
            _read_as_command(request)
            shape = COMMAND if request.body else shape
        environ[PARSED_BODY] = (shape, request.body)
        problem = problem_in(shape, request.body)
        return self._bad_request(raw, environ, problem) if problem else request

    def _bad_request(self, raw: bytes, environ: dict, problem: str) -> tuple[str, str]:
        valid = self._verifier.is_valid(
            body=raw,
            timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            signature=environ.get("HTTP_X_SLACK_SIGNATURE", ""),
        )
        if not valid:
            return "401 Unauthorized", "invalid request"
        logger.warning("rejected a signed request: %s", problem)
        return "400 Bad Request", f"bad request: {problem}"


def _read_as_command(request: BoltRequest) -> None:
    """Bolt reads any form body with the word "payload" in it as an interaction's
    ``payload=...``, so a slash command whose text mentions a payload ("/delight win fixed
    the payload bug") parses as empty and reaches no listener. Slack's interactions carry a
    ``payload`` field; a body without one is read as the command it is."""
    params = dict(parse_qsl(request.raw_body, keep_blank_values=True))
    if "payload" not in params:
        request.body = params
        request.context = build_context(BoltContext({}), params)


def _reply(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
