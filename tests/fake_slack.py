"""A fake Slack Web API served over HTTP on 127.0.0.1, recording every call it receives.

The app under test talks to it through slack_sdk's real ``WebClient`` (``base_url``), and
Bolt's ``respond()`` reaches it through ``response_url``s that point here.

Tokens: ``oauth.v2.access`` hands out a bot token per workspace (for a code from
``oauth_code``, or a refresh token when rotation is on), and ``auth.test`` answers for the
workspace the token belongs to. A token the fake never issued counts as the single workspace
``TEAM_ID``'s (the bot token of single-workspace mode); a retired one (refreshed away, revoked)
is refused like Slack refuses it.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TEAM_ID = "T0TEAM"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret-0123456789"
APP_ID = "A0DELIGHT"
SCOPES = "commands,chat:write,channels:read,groups:read"
# Slack's rotating bot tokens last 12 hours.
TOKEN_SECONDS = 43200


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None = None
    # What the fake answered: 200, or 429 when rate limited, or a fault's status.
    status: int = 200
    # The fake's monotonic time when the call arrived.
    at: float = 0.0
    # Answered with ``ok: false``.
    failed: bool = False

    @property
    def ok(self) -> bool:
        """Slack acted on the call (a post that was answered ok was posted)."""
        return self.status == 200 and not self.failed


@dataclass
class Workspace:
    """An installed workspace, as the fake's OAuth sees it."""

    team_id: str
    enterprise_id: str | None = None
    rotating: bool = False
    # How long the first token lasts (rotation only); refreshed tokens last TOKEN_SECONDS.
    expires_in: int = TOKEN_SECONDS

    @property
    def bot_user_id(self) -> str:
        return f"U{self.team_id}BOT"

    @property
    def bot_id(self) -> str:
        return f"B{self.team_id}BOT"


@dataclass
class Fault:
    error: str
    status: int = 200
    times: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Hold:
    """Calls to one method kept waiting, unanswered and not acted on, until ``release()``:
    Slack taking its time for exactly as long as a test needs, where ``slow()`` would guess
    a duration. Held calls are recorded once they are let go."""

    def __init__(self, method: str, limit: float) -> None:
        self.method = method
        self.arrived = 0
        # A call waited ``limit`` seconds without a release (and went on): nobody let it go.
        self.outlasted = False
        self._limit = limit
        self._released = threading.Event()
        self._cond = threading.Condition()

    def release(self) -> None:
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()

    def wait_arrived(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` calls have reached the hold; fail the test if they don't."""
        with self._cond:
            done = self._cond.wait_for(lambda: self.arrived >= count, timeout)
        assert done, f"{self.arrived} of {count} call(s) to {self.method} arrived"

    def _wait(self) -> None:
        """On the fake's request thread: note the call's arrival, then wait for the release."""
        with self._cond:
            self.arrived += 1
            self._cond.notify_all()
        if not self._released.wait(self._limit):
            self.outlasted = True


@dataclass
class Limit:
    """Slack's limits on a method: about one call per second per channel, and a workspace-wide
    rate with a burst above that (GCRA: a call is refused while it is too early).
    """

    per_channel: float | None
    rate: float | None
    burst: int
    # Slack's clocks and ours disagree a little: a call this much early still passes.
    slack: float = 0.15
    refused: int = 0
    _channel_next: dict[tuple[str, str], float] = field(default_factory=dict)
    _workspace_tat: dict[str, float] = field(default_factory=dict)

    def admit(self, team: str, channel: str, now: float) -> float:
        """0 if the call may go through (and count it), else seconds until it may."""
        wait = 0.0
        key = (team, channel)
        if self.per_channel:
            wait = max(wait, self._channel_next.get(key, 0.0) - self.slack - now)
        if self.rate:
            interval = 1 / self.rate
            tat = self._workspace_tat.get(team, now)
            wait = max(wait, tat - (self.burst - 1) * interval - self.slack - now)
        if wait > 0:
            self.refused += 1
            return wait
        if self.per_channel:
            self._channel_next[key] = now + 1 / self.per_channel
        if self.rate:
            self._workspace_tat[team] = max(self._workspace_tat.get(team, now), now) + 1 / self.rate
        return 0.0


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        # (method, channel or None for every channel) -> its fault, connection drops, hangs
        self._faults: dict[tuple[str, str | None], Fault] = {}
        self._limits: dict[str, Limit] = {}
        # [how many more connections to drop, before or after acting on the call]
        self._drops: dict[tuple[str, str | None], list] = {}
        # [how many more calls to hold this many seconds, then drop without acting]
        self._hangs: dict[tuple[str, str | None], list] = {}
        self._delays: dict[str, float] = {}
        self._holds: dict[str, Hold] = {}
        # Who is in which channel, for users.conversations and conversations.info.
        self.members: dict[str, set[str]] = {}
        # OAuth: codes waiting to be exchanged, live tokens, refresh tokens not yet spent.
        self._codes: dict[str, Workspace] = {}
        self._tokens: dict[str, Workspace] = {}
        self._refresh_tokens: dict[str, Workspace] = {}
        self._retired: dict[str, str] = {}
        # A tests.fake_socket_mode.FakeSocketMode: apps.connections.open hands out its URLs.
        # Not cleared by reset(): whoever attaches it detaches it.
        self.socket_mode: Any = None
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._serial = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, name: str = "hook") -> str:
        return f"{self.base_url}/response/{name}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self._faults.clear()
            self._limits.clear()
            self._drops.clear()
            self._hangs.clear()
            self._delays.clear()
            for hold in self._holds.values():
                hold.release()  # no request thread is left waiting for the next test
            self._holds.clear()
            self.members.clear()
            self._codes.clear()
            self._tokens.clear()
            self._refresh_tokens.clear()
            self._retired.clear()

    def oauth_code(
        self,
        team_id: str,
        enterprise_id: str | None = None,
        rotating: bool = False,
        expires_in: int = TOKEN_SECONDS,
    ) -> str:
        """A one-time code, as Slack hands the installer's browser to the redirect URL."""
        code = f"code-{team_id}-{next(self._serial)}"
        with self._cond:
            self._codes[code] = Workspace(team_id, enterprise_id, rotating, expires_in)
        return code

    def tokens_of(self, team_id: str) -> list[str]:
        """The workspace's live bot tokens, oldest first."""
        with self._cond:
            return [t for t, w in self._tokens.items() if w.team_id == team_id]

    def retire(self, token: str, error: str = "token_expired") -> None:
        """From now on, calls with ``token`` fail with ``error`` (expired, or revoked)."""
        with self._cond:
            self._tokens.pop(token, None)
            self._retired[token] = error

    def uninstall(self, team_id: str) -> None:
        """What Slack does on uninstall: the workspace's tokens stop working."""
        for token in self.tokens_of(team_id):
            self.retire(token, "invalid_auth")
        with self._cond:
            for refresh, workspace in list(self._refresh_tokens.items()):
                if workspace.team_id == team_id:
                    del self._refresh_tokens[refresh]

    def leave(self, channel: str, *users: str) -> None:
        """Take ``users`` out of ``channel``; ``U0BOT`` is Delight (then posting there fails
        with ``not_in_channel``)."""
        with self._cond:
            self.members.setdefault(channel, {"U0BOT"}).difference_update(users)

    def join(self, channel: str, *users: str) -> None:
        """Put ``users`` in ``channel`` (Delight itself is always counted in as well)."""
        with self._cond:
            self.members.setdefault(channel, {"U0BOT"}).update(users)

    def fail(
        self,
        method: str,
        error: str,
        status: int = 200,
        times: int | None = None,
        headers: dict[str, str] | None = None,
        channel: str | None = None,
    ) -> None:
        """Make ``method`` answer with ``error`` (``times`` times, or until reset), in every
        channel or only in ``channel``."""
        with self._cond:
            self._faults[(method, channel)] = Fault(error, status, times, headers or {})

    def heal(self) -> None:
        """Slack is back: no more faults, drops or hangs (calls and limits stay)."""
        with self._cond:
            self._faults.clear()
            self._drops.clear()
            self._hangs.clear()

    def limit(
        self,
        method: str,
        per_channel: float | None = 1.0,
        rate: float | None = None,
        burst: int = 1,
    ) -> Limit:
        """Rate-limit ``method`` like Slack: ``per_channel`` calls/s in one channel, and
        ``rate`` calls/s per workspace after a ``burst``. A refused call gets HTTP 429,
        ``ratelimited`` and a ``Retry-After`` in whole seconds, and has no effect.
        """
        with self._cond:
            self._limits[method] = Limit(per_channel, rate, burst)
            return self._limits[method]

    def drop(
        self, method: str, times: int = 1, after: bool = False, channel: str | None = None
    ) -> None:
        """Close the connection of the next ``times`` calls to ``method`` without an answer.

        ``after=False``: the call never reached Slack (nothing happened). ``after=True``: Slack
        acted on it and the answer was lost on the way back.
        """
        with self._cond:
            self._drops[(method, channel)] = [times, after]

    def hang(self, method: str, seconds: float, times: int = 1, channel: str | None = None) -> None:
        """Hold the next ``times`` calls ``seconds`` without acting, then close the connection:
        a caller whose timeout is shorter sees a timeout, and nothing happened."""
        with self._cond:
            self._hangs[(method, channel)] = [times, seconds]

    def hold(self, method: str, limit: float = 30.0) -> Hold:
        """Hold every call to ``method`` until the returned hold is released (or, as a safety
        net, ``limit`` seconds have passed; the hold then says it was ``outlasted``)."""
        with self._cond:
            self._holds[method] = Hold(method, limit)
            return self._holds[method]

    def slow(self, method: str, seconds: float) -> None:
        """Answer ``method`` only after ``seconds`` (until reset)."""
        with self._cond:
            self._delays[method] = seconds

    def posted(self, channel: str | None = None) -> list[Call]:
        """The chat.postMessage calls Slack acted on (not refused, not failed)."""
        with self._cond:
            return [
                c
                for c in self.calls
                if c.method == "chat.postMessage"
                and c.ok
                and (channel is None or c.params.get("channel") == channel)
            ]

    def team_of(self, token: str | None) -> str:
        workspace = self._tokens.get(str(token))
        return workspace.team_id if workspace else TEAM_ID

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` has been called ``count`` times; fail the test if it isn't."""
        with self._cond:
            done = self._cond.wait_for(lambda: len(self.calls_to(method)) >= count, timeout)
            calls = self.calls_to(method)
        assert done, f"expected {count} call(s) to {method}, got {len(calls)}: {self.methods()}"
        return calls

    def methods(self) -> list[str]:
        with self._cond:
            return [call.method for call in self.calls]

    def _drop(self, method: str, channel: str | None = None) -> bool | None:
        """None: answer this call. False/True: drop its connection before/after acting."""
        with self._cond:
            return _take(self._drops, method, channel)

    def _hang(self, method: str, channel: str | None) -> float | None:
        """Seconds to hold this call before dropping it unanswered, or None."""
        with self._cond:
            return _take(self._hangs, method, channel)

    def _record(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._cond:
            call.at = time.monotonic()
            self.calls.append(call)
            self._cond.notify_all()
            limit = self._limits.get(call.method)
            if limit is not None:
                channel = str(call.params.get("channel"))
                wait = limit.admit(self.team_of(call.token), channel, call.at)
                if wait > 0:
                    call.status = 429
                    retry_after = {"Retry-After": str(max(1, math.ceil(wait)))}
                    return 429, retry_after, {"ok": False, "error": "ratelimited"}
            key = (call.method, str(call.params.get("channel")))
            if key not in self._faults:
                key = (call.method, None)
            fault = self._faults.get(key)
            if fault is not None:
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        del self._faults[key]
                call.status, call.failed = fault.status, True
                return fault.status, fault.headers, {"ok": False, "error": fault.error}
            answer = self._answer(call)
            call.failed = not answer.get("ok")
            return 200, {}, answer

    def _answer(self, call: Call) -> dict[str, Any]:
        p = call.params
        if call.method == "oauth.v2.access":
            return self._oauth_access(p)
        if call.method != "response_url":
            if call.token is None:
                return {"ok": False, "error": "not_authed"}
            if call.token in self._retired:
                return {"ok": False, "error": self._retired[call.token]}
        if call.method == "auth.test":
            workspace = self._tokens.get(str(call.token))
            if workspace is None:  # the single workspace's own bot token
                return {
                    "ok": True,
                    "url": "https://fake.slack.test/",
                    "team": "Fake",
                    "user": "delight",
                    "team_id": TEAM_ID,
                    "user_id": "U0BOT",
                    "bot_id": "B0BOT",
                }
            return {
                "ok": True,
                "url": f"https://{workspace.team_id.lower()}.fake.slack.test/",
                "team": f"Team {workspace.team_id}",
                "user": "delight",
                "team_id": workspace.team_id,
                "user_id": workspace.bot_user_id,
                "bot_id": workspace.bot_id,
                "enterprise_id": workspace.enterprise_id,
                "is_enterprise_install": False,
            }
        if call.method == "apps.connections.open":
            if not str(call.token).startswith("xapp-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            if self.socket_mode is None:
                return {"ok": False, "error": "fake_has_no_socket_mode_attached"}
            return {"ok": True, "url": self.socket_mode.open_url()}
        if call.method == "chat.postMessage":
            members = self.members.get(str(p.get("channel")))
            if members is not None and "U0BOT" not in members:
                return {"ok": False, "error": "not_in_channel"}
            ts = f"1700000000.{next(self._ts):06d}"
            return {
                "ok": True,
                "channel": p.get("channel"),
                "ts": ts,
                "message": {"text": p.get("text")},
            }
        if call.method == "chat.update":
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")}
        if call.method == "chat.getPermalink":
            ts = str(p.get("message_ts", "")).replace(".", "")
            link = f"https://fake.slack.test/archives/{p.get('channel')}/p{ts}"
            return {"ok": True, "channel": p.get("channel"), "permalink": link}
        if call.method == "users.conversations":
            return self._users_conversations(p)
        if call.method == "conversations.info":
            channel = str(p.get("channel"))
            if channel not in self.members:
                return {"ok": False, "error": "channel_not_found"}
            info: dict[str, Any] = {"id": channel, "is_channel": True}
            if str(p.get("include_num_members")).lower() in ("1", "true"):
                info["num_members"] = len(self.members[channel])
            return {"ok": True, "channel": info}
        if call.method == "views.publish":
            return {"ok": True, "view": {"id": "V0HOME", **(p.get("view") or {})}}
        if call.method == "views.open":
            return {"ok": True, "view": {"id": "V0VIEW", "hash": "h1", **(p.get("view") or {})}}
        if call.method == "views.update":
            return {"ok": True, "view": {"id": p.get("view_id"), **(p.get("view") or {})}}
        return {"ok": True}

    def _oauth_access(self, p: dict[str, Any]) -> dict[str, Any]:
        """Exchange a code (an install) or a refresh token (rotation) for a bot token."""
        if p.get("client_id") != CLIENT_ID:
            return {"ok": False, "error": "invalid_client_id"}
        if p.get("client_secret") != CLIENT_SECRET:
            return {"ok": False, "error": "bad_client_secret"}
        if p.get("grant_type") == "refresh_token":
            workspace = self._refresh_tokens.pop(str(p.get("refresh_token")), None)
            if workspace is None:  # unknown, or already spent: Slack spends it once
                return {"ok": False, "error": "invalid_refresh_token"}
            return self._grant(workspace, TOKEN_SECONDS)
        workspace = self._codes.pop(str(p.get("code")), None)
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        grant = self._grant(workspace, workspace.expires_in)
        return {**grant, "authed_user": {"id": "U0INSTALLER"}, "is_enterprise_install": False}

    def _grant(self, workspace: Workspace, expires_in: int) -> dict[str, Any]:
        n = next(self._serial)
        prefix = "xoxe.xoxb-1" if workspace.rotating else "xoxb"
        token = f"{prefix}-{workspace.team_id}-{n}"
        self._tokens[token] = workspace
        enterprise = workspace.enterprise_id
        grant: dict[str, Any] = {
            "ok": True,
            "app_id": APP_ID,
            "access_token": token,
            "token_type": "bot",
            "scope": SCOPES,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": f"Team {workspace.team_id}"},
            "enterprise": {"id": enterprise, "name": f"Org {enterprise}"} if enterprise else None,
        }
        if workspace.rotating:
            refresh = f"xoxe-1-{workspace.team_id}-{n}"
            self._refresh_tokens[refresh] = workspace
            grant.update(refresh_token=refresh, expires_in=expires_in)
        return grant

    def _users_conversations(self, p: dict[str, Any]) -> dict[str, Any]:
        """The person's channels, paginated with Slack's cursor like the real method."""
        user, limit = str(p.get("user")), int(p.get("limit") or 100)
        channels = sorted(c for c, users in self.members.items() if user in users)
        start = int(p.get("cursor") or 0)
        page = channels[start : start + limit]
        more = start + limit < len(channels)
        return {
            "ok": True,
            "channels": [{"id": c, "name": c.lower(), "is_channel": True} for c in page],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: _maybe_json(v[0]) for k, v in parse_qs(raw).items()}
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") or params.get("token") or None
                if auth.startswith("Basic "):  # oauth.v2.access: the app's id and secret
                    user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                    params.update(client_id=user, client_secret=password)
                    token = None
                if self.path.startswith("/api/"):
                    method = self.path.removeprefix("/api/").split("?")[0]
                else:
                    method = "response_url"
                    params["_path"] = self.path
                channel = params.get("channel")
                channel = channel if isinstance(channel, str) else None
                hang = fake._hang(method, channel)
                if hang is not None:
                    time.sleep(hang)
                    self.close_connection = True
                    return
                drop = fake._drop(method, channel)
                if drop is False:
                    self.close_connection = True
                    return
                held = fake._holds.get(method)
                if held is not None:
                    held._wait()
                delay = fake._delays.get(method)
                if delay:
                    time.sleep(delay)
                call = Call(method, params, token)
                status, headers, body = fake._record(call)
                if drop is True:
                    self.close_connection = True
                    return
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the caller is gone (a killed process)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 refuses connections under a burst of 500 thank-yous.
    request_queue_size = 128


def _take(table: dict[tuple[str, str | None], list], method: str, channel: str | None) -> Any:
    """Count one use of the channel's entry (else the method's) and return its value."""
    key = (method, channel)
    if key not in table:
        key = (method, None)
    entry = table.get(key)
    if entry is None:
        return None
    entry[0] -= 1
    if entry[0] <= 0:
        del table[key]
    return entry[1]


def _maybe_json(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
