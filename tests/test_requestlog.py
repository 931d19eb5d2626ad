"""Request log lines: the facts an operator needs, never a person's id, text or answer."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import urlencode

import pytest

import bot.requestlog
from bot.requestlog import RequestLog, describe
from bot.web import INTERACTION, PARSED_BODY

FORM = "application/x-www-form-urlencoded"


def command(text: str) -> bytes:
    return urlencode(
        {"command": "/delight", "text": text, "team_id": "T1", "channel_id": "C1", "user_id": "U9"}
    ).encode()


def click_payload() -> dict:
    return {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U9"},
        "channel": {"id": "C1"},
        "actions": [{"action_id": "answer_4", "value": "4", "block_id": "delight_poll:7"}],
    }


def click() -> bytes:
    return urlencode({"payload": json.dumps(click_payload())}).encode()


def submission() -> bytes:
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U9"},
        "view": {"callback_id": "log_win", "state": {"values": {"story": "Secret deal"}}},
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def event(kind: str) -> bytes:
    body = {"type": "event_callback", "team_id": "T1", "event": {"type": kind, "user": "U9"}}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("body", "content_type", "fields"),
    [
        (command("win kept Saved ACME"), FORM, {"action": "/delight:win"}),
        (command(""), FORM, {"action": "/delight"}),
        (click(), FORM, {"kind": "block_actions", "action": "answer_4", "channel": "C1"}),
        (submission(), FORM, {"kind": "view_submission", "action": "log_win"}),
        (event("app_home_opened"), "application/json", {"kind": "event_callback"}),
        (b"\xff\xfe", FORM, {"kind": "unreadable"}),
        (b"payload=%7Bnot-json", FORM, {"kind": "unreadable"}),
        (b'{"type": ["odd"]}', "application/json", {}),
    ],
)
def test_describe(body: bytes, content_type: str, fields: dict[str, str]) -> None:
    described = describe(body, content_type)
    assert fields.items() <= described.items()
    flat = " ".join(f"{k}={v}" for k, v in described.items())
    for secret in ("U9", "Saved", "ACME", "Secret", "=4 ", "value"):
        assert secret not in flat + " "


def test_one_line_per_request_with_status_and_latency(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ, start_response):
        assert environ["wsgi.input"].read() == click()  # the body still reaches the app
        start_response("200 OK", [])
        return [b"ok"]

    body = click()
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": FORM,
        "wsgi.input": io.BytesIO(body),
    }
    with caplog.at_level(logging.INFO, logger="delight.requests"):
        assert RequestLog(app)(environ, lambda *a: None) == [b"ok"]
    (line,) = caplog.messages
    assert line.startswith(
        "request kind=block_actions team=T1 channel=C1 action=answer_4 status=200 ms="
    )
    assert "U9" not in line


def test_values_are_kept_to_one_logfmt_token() -> None:
    body = json.dumps({"type": "event_callback", "team_id": "T1 evil=1\nx", "event": {}})
    assert describe(body.encode(), "application/json")["team"] == "T1evil1x"


def test_the_body_the_app_parsed_is_not_parsed_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def app(environ, start_response):
        environ[PARSED_BODY] = (INTERACTION, click_payload())
        start_response("200 OK", [])
        return [b"ok"]

    def no_parse(*args):
        raise AssertionError("parsed again")

    monkeypatch.setattr(bot.requestlog, "parse_body", no_parse)
    body = click()
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": FORM,
        "wsgi.input": io.BytesIO(body),
    }
    with caplog.at_level(logging.INFO, logger="delight.requests"):
        RequestLog(app)(environ, lambda *a: None)
    (line,) = caplog.messages
    assert line.startswith(
        "request kind=block_actions team=T1 channel=C1 action=answer_4 status=200 ms="
    )


def test_nothing_is_read_or_parsed_when_request_lines_are_not_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    body = click()
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": FORM,
        "wsgi.input": io.BytesIO(body),
    }
    original = environ["wsgi.input"]

    def app(environ, start_response):
        assert environ["wsgi.input"] is original  # the app reads the request itself
        start_response("200 OK", [])
        return [b"ok"]

    monkeypatch.setattr(bot.requestlog, "describe_parsed", None)
    with caplog.at_level(logging.WARNING, logger="delight.requests"):
        assert RequestLog(app)(environ, lambda *a: None) == [b"ok"]
    assert caplog.messages == []


@pytest.mark.parametrize(
    "value", ["T0123", "answer_3", "/delight:win", "Ev0A1.b-c", "x" * 41, "ü", "a b", "", "é" * 3]
)
def test_plain_values_are_kept_as_they_are(value: str) -> None:
    slow = "".join(c for c in value[:40] if c.isalnum() or c in "/_:.-") or "?"
    assert bot.requestlog._safe(value) == slow
