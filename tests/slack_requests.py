"""Send the app requests exactly as Slack does: form-encoded commands, ``payload=`` JSON for
interactivity, JSON events, each signed with the signing secret (v0 HMAC-SHA256)."""

from __future__ import annotations

import html
import itertools
import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fake_slack import TEAM_ID

_ids = itertools.count(1)
# What Slack sends as a reference with ``should_escape: true`` (a channel, a mention, @here).
_REFERENCE = re.compile(r"<[#@!][^<>]*>")


def slack_escape(text: str) -> str:
    """Command text as Slack sends it: typed ``&``, ``<`` and ``>`` escaped; references
    (``<#C123|name>``, ``<@U123|name>``, ``<!here>``), which Slack makes itself, left as is."""
    pieces, last = [], 0
    for match in _REFERENCE.finditer(text):
        pieces.append(html.escape(text[last : match.start()], quote=False))
        pieces.append(match.group())
        last = match.end()
    pieces.append(html.escape(text[last:], quote=False))
    return "".join(pieces)


def slash_command(text: str = "tally", **fields: str) -> dict[str, str]:
    """A ``/delight`` command's fields, as a Socket Mode envelope's payload carries them
    (``fields`` change them; an empty one is left out)."""
    body = {
        "command": "/delight",
        "text": text,
        "team_id": TEAM_ID,
        "channel_id": "C0TEAM",
        "user_id": "U0ALICE",
        "trigger_id": "1.2.trigger",
        "response_url": "http://127.0.0.1:1/hook",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v}


@dataclass
class Reply:
    status: int
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The ephemeral text of an ``ack(text)`` answer."""
        return self.json["text"] if self.body.startswith("{") else self.body


class SlackSender:
    def __init__(self, url: str, signing_secret: str, response_url: str) -> None:
        self.url = url
        self.secret = signing_secret
        self.response_url = response_url

    def post(
        self,
        body: bytes,
        content_type: str,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        if signature is None:
            signature = SignatureVerifier(self.secret).generate_signature(
                timestamp=timestamp, body=body.decode("utf-8", "replace")
            )
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature,
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    def form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    def command(
        self, text: str, channel: str = "C0TEAM", user: str = "U0ALICE", **kwargs: Any
    ) -> Reply:
        n = next(_ids)
        return self.form(
            {
                "token": "deprecated-verification-token",
                "team_id": TEAM_ID,
                "team_domain": "fake",
                "channel_id": channel,
                "channel_name": "team",
                "user_id": user,
                "user_name": "someone",
                "command": "/delight",
                "text": slack_escape(text),
                "api_app_id": "A0DELIGHT",
                "is_enterprise_install": "false",
                "response_url": f"{self.response_url}-cmd-{n}",
                "trigger_id": f"{n}.1234.trigger",
            },
            **kwargs,
        )

    def interaction(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.form({"payload": json.dumps(payload)}, **kwargs)

    def click(
        self,
        block_id: str,
        value: str,
        action_id: str | None = None,
        user: str = "U0ALICE",
        channel: str = "C0TEAM",
        message_ts: str = "1700000000.000001",
        **kwargs: Any,
    ) -> Reply:
        n = next(_ids)
        action_id = action_id or f"answer_{value}"
        return self.interaction(
            {
                "type": "block_actions",
                "team": {"id": TEAM_ID, "domain": "fake"},
                "user": {"id": user, "team_id": TEAM_ID},
                "api_app_id": "A0DELIGHT",
                "token": "deprecated-verification-token",
                "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
                "trigger_id": f"{n}.1234.trigger",
                "channel": {"id": channel, "name": "team"},
                "message": {"ts": message_ts, "type": "message"},
                "response_url": f"{self.response_url}-click-{n}",
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": block_id,
                        "text": {"type": "plain_text", "text": value},
                        "value": value,
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            },
            **kwargs,
        )

    def home_click(self, action_id: str, value: str, user: str = "U0ALICE") -> Reply:
        """A button on the App Home tab: no channel, no response_url."""
        n = next(_ids)
        return self.interaction(
            {
                "type": "block_actions",
                "team": {"id": TEAM_ID, "domain": "fake"},
                "user": {"id": user, "team_id": TEAM_ID},
                "api_app_id": "A0DELIGHT",
                "token": "deprecated-verification-token",
                "container": {"type": "view", "view_id": "V0HOME"},
                "trigger_id": f"{n}.1234.trigger",
                "view": {"id": "V0HOME", "type": "home", "blocks": []},
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": "home",
                        "text": {"type": "plain_text", "text": "Log a customer win"},
                        "value": value,
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
        )

    def message_shortcut(
        self,
        callback_id: str,
        text: str,
        message_ts: str = "1700000000.000042",
        channel: str = "C0TEAM",
        user: str = "U0ALICE",
        author: str = "U0BOB",
        **kwargs: Any,
    ) -> Reply:
        """ "More actions" on a message: Slack sends the message, as Slack encodes its text."""
        n = next(_ids)
        return self.interaction(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "team": {"id": TEAM_ID, "domain": "fake"},
                "user": {"id": user, "team_id": TEAM_ID},
                "channel": {"id": channel, "name": "team"},
                "api_app_id": "A0DELIGHT",
                "token": "deprecated-verification-token",
                "trigger_id": f"{n}.1234.trigger",
                "message_ts": message_ts,
                "message": {"type": "message", "user": author, "ts": message_ts, "text": text},
                "response_url": f"{self.response_url}-shortcut-{n}",
                "action_ts": f"{time.time():.6f}",
            },
            **kwargs,
        )

    def global_shortcut(self, callback_id: str, user: str = "U0ALICE", **kwargs: Any) -> Reply:
        """Slack's shortcut menu: no channel, no message, no response_url."""
        return self.interaction(
            {
                "type": "shortcut",
                "callback_id": callback_id,
                "team": {"id": TEAM_ID, "domain": "fake"},
                "user": {"id": user, "team_id": TEAM_ID},
                "api_app_id": "A0DELIGHT",
                "token": "deprecated-verification-token",
                "trigger_id": f"{next(_ids)}.1234.trigger",
                "action_ts": f"{time.time():.6f}",
            },
            **kwargs,
        )

    def submit(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        private_metadata: str,
        view_id: str = "V0VIEW",
        user: str = "U0ALICE",
        **kwargs: Any,
    ) -> Reply:
        return self.interaction(
            {
                "type": "view_submission",
                "team": {"id": TEAM_ID, "domain": "fake"},
                "user": {"id": user, "team_id": TEAM_ID},
                "api_app_id": "A0DELIGHT",
                "token": "deprecated-verification-token",
                "trigger_id": f"{next(_ids)}.1234.trigger",
                "view": {
                    "id": view_id,
                    "team_id": TEAM_ID,
                    "type": "modal",
                    "callback_id": callback_id,
                    "private_metadata": private_metadata,
                    "state": {"values": values},
                    "hash": "1700000000.hash",
                },
                "response_urls": [],
            },
            **kwargs,
        )

    def event(self, event: dict[str, Any], event_id: str = "Ev0001", **kwargs: Any) -> Reply:
        body = {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0DELIGHT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
        }
        return self.post(json.dumps(body).encode(), "application/json", **kwargs)


class SocketSender(SlackSender):
    """The same requests, delivered as Slack's Socket Mode does: each body becomes an
    envelope's payload on the websocket, and the acknowledgement is the reply (``status`` 200
    once acknowledged, with the ack's payload as the body).

    Signatures don't exist over the websocket, so ``timestamp`` and ``signature`` are ignored;
    ``headers`` may carry ``X-Slack-Retry-Num``/``-Reason``, which become the envelope's retry
    fields, as Slack sets them.
    """

    def __init__(self, socket_mode: Any, response_url: str) -> None:
        super().__init__("socket", "", response_url)
        self.socket_mode = socket_mode

    def post(
        self,
        body: bytes,
        content_type: str,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        text = body.decode("utf-8")
        if content_type == "application/json":
            kind, payload = "events_api", json.loads(text)
        else:
            fields = dict(parse_qsl(text, keep_blank_values=True))
            if "payload" in fields:
                kind, payload = "interactive", json.loads(fields["payload"])
            else:
                kind, payload = "slash_commands", fields
        retry = {k.lower(): v for k, v in (headers or {}).items()}
        ack = self.socket_mode.send(
            kind,
            payload,
            retry_attempt=int(retry.get("x-slack-retry-num", 0)),
            retry_reason=retry.get("x-slack-retry-reason", ""),
            timeout=10,
        )
        if ack is None:
            return Reply(504, "not acknowledged")
        answer = ack.get("payload")
        return Reply(200, json.dumps(answer) if answer else "")
