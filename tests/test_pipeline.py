"""The request pipeline inside Bolt, the same over both transports: what a request nobody
listens for gets, and what a listener that fails answers and logs."""

from __future__ import annotations

import logging
import re

import pytest

from handlers.errors import SORRY
from tests.conftest import Running

pytestmark = pytest.mark.both_transports


def test_requests_nobody_listens_for_are_acknowledged(running: Running) -> None:
    """Bolt would answer 404 (and Slack deliver it again) and log a warning."""
    reply = running.sender.click("someone_elses_block", "3", action_id="someone_elses_button")
    assert reply.status == 200
    reply = running.sender.event({"type": "message", "user": "U1", "text": "hi"}, "EvUnheard")
    assert reply.status == 200


def test_a_listener_that_fails_answers_sorry_with_one_line_and_no_message(
    running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> str:
        raise KeyError("U0SECRET typed this")

    monkeypatch.setattr(running.runtime.delight.reports, "tally", broken)
    with caplog.at_level(logging.INFO):
        reply = running.sender.command("tally")
    assert reply.status == 200
    assert reply.text == SORRY
    (failure,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert re.fullmatch(
        r"listener failed kind=command action=tally: KeyError at handlers/commands\.py:\d+",
        failure.getMessage(),
    )
    assert failure.exc_info is None
    assert "U0SECRET" not in caplog.text
