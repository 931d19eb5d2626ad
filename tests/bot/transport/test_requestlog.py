"""Request log lines: the facts an operator needs, never a person's id, text or answer."""

from __future__ import annotations

import logging

import pytest
from slack_bolt import BoltRequest

import bot.transport.requestlog
from bot.domain.command_text import SUBCOMMANDS, Invalid, parse, subcommand_of
from bot.transport.requestlog import action_name, describe


def command(text: str) -> dict:
    return {
        "command": "/delight",
        "text": text,
        "team_id": "T1",
        "channel_id": "C1",
        "user_id": "U9",
    }


def click_payload(action_id: str = "answer_4") -> dict:
    return {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U9"},
        "channel": {"id": "C1"},
        "actions": [{"action_id": action_id, "value": "4", "block_id": "delight_poll:7"}],
    }


def submission() -> dict:
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U9"},
        "view": {"callback_id": "log_win", "state": {"values": {"story": "Secret deal"}}},
    }


def event(kind: str) -> dict:
    return {"type": "event_callback", "team_id": "T1", "event": {"type": kind, "user": "U9"}}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (command("win kept Saved ACME"), {"kind": "command", "action": "win"}),
        (command(""), {"action": "form"}),
        (command("u100 says hi"), {"action": "unknown"}),
        (click_payload(), {"kind": "block_actions", "action": "answer", "channel": "C1"}),
        (click_payload("answer_more"), {"action": "answer_more"}),
        (click_payload("someone's secret"), {"action": "other"}),
        (submission(), {"kind": "view_submission", "action": "log_win"}),
        (event("app_home_opened"), {"kind": "event_callback", "action": "app_home_opened"}),
        (["not", "an", "object"], {"kind": "unreadable"}),
        ({"type": ["odd"]}, {}),
    ],
)
def test_describe(body, fields: dict[str, str]) -> None:
    described = describe(body)
    assert fields.items() <= described.items()
    flat = " ".join(f"{k}={v}" for k, v in described.items())
    for secret in ("U9", "Saved", "ACME", "Secret", "u100", "secret", "answer_4", "=4 ", "value"):
        assert secret not in flat + " "


def test_every_subcommand_is_one_the_parser_knows() -> None:
    for word in SUBCOMMANDS:
        parsed = parse(word)
        assert not (isinstance(parsed, Invalid) and "don't know" in parsed.message), word
        assert subcommand_of(f"{word.upper()} something") == word
    assert isinstance(parse("nonsense"), Invalid)
    assert subcommand_of("nonsense") == "unknown"
    assert subcommand_of(None) == "form"


def test_action_names_never_carry_the_answer() -> None:
    assert [action_name(f"answer_{n}") for n in range(6)] == ["answer"] * 6
    assert action_name("home_log_win") == "home_log_win"
    assert action_name(None) is None


class _Stub(bot.transport.requestlog.LoggedApp):
    """The log line around dispatch, without a whole Bolt app."""

    def __init__(self) -> None:  # no token, no auth.test
        pass


def test_one_line_per_dispatch_with_transport_status_and_latency(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slack_bolt import App, BoltResponse

    monkeypatch.setattr(App, "dispatch", lambda self, req: BoltResponse(status=200, body=""))
    request = BoltRequest(body=click_payload(), mode="socket_mode")
    with caplog.at_level(logging.INFO, logger="delight.requests"):
        _Stub().dispatch(request)
    (line,) = caplog.messages
    assert line.startswith(
        "request via=socket kind=block_actions team=T1 channel=C1 action=answer status=200 ms="
    )
    assert "U9" not in line


def test_values_are_kept_to_one_logfmt_token() -> None:
    body = {"type": "event_callback", "team_id": "T1 evil=1\nx", "event": {}}
    assert describe(body)["team"] == "T1evil1x"


def test_a_refused_request_is_one_warning_naming_the_problem(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="delight.requests"):
        bot.transport.requestlog.log_request({"via": "http", "status": "401"}, "bad signature")
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == 'request via=http status=401 problem="bad signature"'


@pytest.mark.parametrize(
    "value", ["T0123", "answer_3", "Ev0A1.b-c", "x" * 41, "ü", "a b", "", "é" * 3]
)
def test_plain_values_are_kept_as_they_are(value: str) -> None:
    slow = "".join(c for c in value[:40] if c.isalnum() or c in "_.-") or "?"
    assert bot.transport.requestlog._safe(value) == slow
