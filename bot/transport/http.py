"""The WSGI application: Slack's endpoint, health checks, and the HTTP edge in front of Bolt.

With multi-workspace installs (OAuth), ``GET /slack/install`` (the "Add to Slack" page) and
``GET /slack/oauth_redirect`` (where Slack sends the installer back) go to Bolt's OAuth flow
too; with a single bot token those paths are 404 like any other. In Socket Mode only the
health checks are served (``slack_events=False``): Slack's requests come over the websocket.
In both modes, channels' inbound webhooks (``POST /webhooks/wins/<secret>``,
``bot.service.webhooks``) are served too.

The edge does only what is about HTTP: the body's size, the signature (here rather than in
Bolt, whose check logs a refused request's whole body), bytes that are not UTF-8 or a body
Bolt can't parse, and Bolt's "payload" form quirk. What is about the request itself (its
shape, the log line, redeliveries, errors) happens inside Bolt, for both transports alike.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

from bot.service import webhooks as webhook
from bot.settings import INSTALL_PATH
from bot.slack.shapes import UNREADABLE, problem_with
from bot.transport.requestlog import log_request

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
MAX_BODY_BYTES = 1 << 20
# Slack refuses requests more than five minutes off, either way; so do we.
MAX_CLOCK_SKEW = 300
# ``/slack/install?team=T0123`` preselects a workspace; Bolt pastes the value into Slack's
# authorize URL as it is, so only a Slack id may pass.
_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,30}")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]
# What stops the app from doing its work, or None when it is ready.
ReadinessCheck = Callable[[], str | None]


def signature_problem(
    verifier: SignatureVerifier, body: str, timestamp: str, signature: str, now: float
) -> str | None:
    """Why a request is not provably from Slack, in words an operator can act on, or None."""
    if not timestamp.isdigit():
        return "no request timestamp"
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        return "timestamp too far off (check this machine's clock)"
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
        return "bad signature (check SLACK_SIGNING_SECRET)"
    return None


class DelightWeb:
    """Routes ``/healthz``, ``/readyz``, ``/webhooks/wins/<secret>`` and ``/slack/events``
    (and, when the app has an OAuth flow, ``/slack/install`` and ``/slack/oauth_redirect``);
    everything else is 404.

    ``/healthz`` says the process answers; ``/readyz`` also runs ``readiness`` (the database
    takes writes, the scheduler runs, a Socket Mode connection is open) and answers 503
    naming what is wrong.
    """

    def __init__(
        self,
        app: App,
        signing_secret: str,
        readiness: ReadinessCheck | None = None,
        slack_events: bool = True,
        clock: Callable[[], float] = time.time,
        webhooks: webhook.Webhooks | None = None,
    ) -> None:
        self._app = app
        # Bolt's WSGI adapter, for the OAuth pages; Slack's requests go to ``app.dispatch``.
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._verifier = SignatureVerifier(signing_secret)
        self._readiness = readiness or (lambda: None)
        self._slack_events = slack_events
        self._clock = clock
        self._webhooks = webhooks
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
        if path.startswith(webhook.PATH_PREFIX) and self._webhooks is not None:
            return _webhook(self._webhooks, environ, start_response, path, method)
        if path != EVENTS_PATH or not self._slack_events:
            return _reply(start_response, "404 Not Found", "not found")
        if method != "POST":
            return _reply(start_response, "405 Method Not Allowed", "POST only")
        started = time.perf_counter()
        request = self._read(environ)
        if isinstance(request, tuple):
            status, text, problem = request
            ms = f"{(time.perf_counter() - started) * 1000:.1f}"
            log_request({"via": "http", "status": status.split()[0], "ms": ms}, problem)
            return _reply(start_response, status, text)
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

    def _read(self, environ: dict) -> BoltRequest | tuple[str, str, str]:
        """Bolt's request for a body signed by Slack that Bolt can read, else the status and
        text to answer and the problem to log."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return "400 Bad Request", "bad content length", "bad content length"
        if length > MAX_BODY_BYTES:
            return "413 Content Too Large", "request too large", "request too large"
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Slack only sends UTF-8, and a signature over undecodable bytes can't be checked.
            return "400 Bad Request", "bad request: body is not UTF-8", "body is not UTF-8"
        problem = signature_problem(
            self._verifier,
            body,
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            self._clock(),
        )
        if problem:
            return "401 Unauthorized", "invalid request", problem
        query, headers = environ.get("QUERY_STRING", ""), WsgiHttpRequest(environ).get_headers()
        try:
            request = BoltRequest(body=body, query=query, headers=headers)
        except UNREADABLE:
            problem = problem_with(body, environ.get("CONTENT_TYPE", ""))
            return "400 Bad Request", f"bad request: {problem}", problem
        if not request.body and request.content_type != "application/json":
            return _read_as_command(body, query, headers) or request
        return request


def _read_as_command(body: str, query: str, headers: dict) -> BoltRequest | None:
    """Bolt reads any form body with the word "payload" in it as an interaction's
    ``payload=...``, so a slash command whose text mentions a payload ("/delight win fixed
    the payload bug") parses as empty and reaches no listener. Slack's interactions carry a
    ``payload`` field; a body without one is the command it is, read again with the word's
    "a" percent-encoded: every field decodes as Slack sent it, and the word is gone from the
    text Bolt looks at."""
    if "payload" in dict(parse_qsl(body, keep_blank_values=True)):
        return None
    return BoltRequest(body=body.replace("payload", "p%61yload"), query=query, headers=headers)


def _webhook(
    webhooks: webhook.Webhooks,
    environ: dict,
    start_response: StartResponse,
    path: str,
    method: str,
) -> list[bytes]:
    """A tool posting a win to a channel's webhook (``bot.service.webhooks``); answers are JSON."""
    if method != "POST":
        answer = webhook.Answer(
            405, {"ok": False, "error": "method_not_allowed", "message": "POST only."}
        )
        return _json_reply(start_response, answer)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        answer = webhook.Answer(
            400, {"ok": False, "error": "bad_request", "message": "Bad Content-Length."}
        )
        return _json_reply(start_response, answer)
    secret = path.removeprefix(webhook.PATH_PREFIX)
    try:
        answer = webhooks.receive(secret, length, environ["wsgi.input"].read)
    except Exception as error:  # never the server's traceback: it would log the path's secret
        logger.error("webhook failed: %s", type(error).__name__)
        answer = webhook.Answer(
            500, {"ok": False, "error": "internal_error", "message": "Please try again later."}
        )
    return _json_reply(start_response, answer)


_REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def _json_reply(start_response: StartResponse, answer: webhook.Answer) -> list[bytes]:
    body = json.dumps(answer.body).encode()
    start_response(
        f"{answer.status} {_REASONS[answer.status]}",
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *answer.headers.items(),
        ],
    )
    return [body]


def _reply(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
