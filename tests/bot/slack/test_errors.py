"""One classification of what a Slack call can raise (bot/slack/errors.py, issue 12)."""

from __future__ import annotations

import http.client
import urllib.error

import pytest
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse

from bot.slack import errors as slack_errors
from bot.slack.errors import GiveUp, Retry, TurnOff, classify


def api_error(code: str, status: int = 200, headers: dict | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(code, response)


@pytest.fixture(autouse=True)
def real_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slack_errors, "BACKOFF_START", 2.0)


def test_a_429_means_come_back_after_retry_after() -> None:
    error = api_error("ratelimited", 429, {"Retry-After": "7"})
    assert classify(error, tries=1) == Retry(7.0, "ratelimited")
    assert classify(error, tries=9) == Retry(7.0, "ratelimited")  # not "no", however often
    no_header = api_error("ratelimited", 429)
    assert classify(no_header, tries=3) == Retry(8.0, "ratelimited")


@pytest.mark.parametrize(
    "error",
    [
        api_error("internal_error", 500),
        api_error("service_unavailable", 503),
        api_error("fatal_error"),
        urllib.error.URLError(ConnectionRefusedError(111, "refused")),
        http.client.RemoteDisconnected("Remote end closed connection without response"),
        ConnectionResetError(104, "reset"),
        TimeoutError("timed out"),
        TimeoutError("timed out"),
        http.client.IncompleteRead(b""),
    ],
)
def test_server_errors_and_every_transport_error_are_tried_again_with_back_off(
    error: Exception,
) -> None:
    first, later, much_later = (classify(error, tries).after for tries in (1, 4, 30))
    assert (first, later, much_later) == (2.0, 16.0, slack_errors.BACKOFF_CAP)
    assert much_later <= 300  # capped at a few minutes


@pytest.mark.parametrize(
    "code", ["not_in_channel", "channel_not_found", "is_archived", "invalid_auth", "token_revoked"]
)
def test_a_channel_or_token_that_is_gone_turns_the_schedule_off(code: str) -> None:
    failure = classify(api_error(code), tries=1)
    assert isinstance(failure, TurnOff) and failure.code == code
    assert code in failure.reason


def test_other_refusals_are_given_up_with_a_reason_a_person_can_act_on() -> None:
    assert classify(api_error("msg_too_long"), 1) == GiveUp(
        "That message was too long for Slack.", "msg_too_long"
    )
    assert classify(api_error("restricted_action"), 1).reason.startswith("This workspace")
    refused = classify(SlackRequestError("bad arguments"), 1)
    assert isinstance(refused, GiveUp) and refused.code == "SlackRequestError"
