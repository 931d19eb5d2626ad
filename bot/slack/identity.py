"""Asking Slack whether Delight's tokens work, with answers that name the setting to fix.

Used at start-up (a refusal stops the bot with one line) and by ``python -m bot check
--online``. A Slack call can fail three ways: Slack answers ``ok: false`` (``SlackApiError``),
slack_sdk refuses before sending (another ``SlackClientError``), or the network fails and the
raw ``OSError`` comes through once slack_sdk's retries are spent.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.errors import SLACK_ERRORS

_REFUSED_TOKEN = {
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "not_allowed_token_type",
}


class SlackCheckFailed(RuntimeError):
    """One line saying what failed and which setting to check."""


def failure(error: Exception, method: str, setting: str, api_url: str) -> str:
    """The one line for a failed ``method`` call made with the token from ``setting``."""
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", "unknown_error"))
        if code in _REFUSED_TOKEN:
            return f"Slack refused {setting}: {method} answered {code}"
        return f"{method} answered {code} (check {setting})"
    reason = getattr(error, "reason", None) or error
    return (
        f"could not reach Slack at {api_url} ({type(error).__name__}: {reason}); "
        "check SLACK_API_URL and the network"
    )


def identity(client: WebClient, api_url: str) -> str:
    """Who the bot token belongs to: ``@delight (U0BOT) in Acme (T0TEAM)``."""
    try:
        answer = client.auth_test()
    except SLACK_ERRORS as error:
        raise SlackCheckFailed(failure(error, "auth.test", "SLACK_BOT_TOKEN", api_url)) from None
    return (
        f"@{answer.get('user', '?')} ({answer.get('user_id', '?')}) in "
        f"{answer.get('team', '?')} ({answer.get('team_id', '?')})"
    )


def socket_url(client: WebClient, app_token: str, api_url: str) -> str:
    """A websocket URL from ``apps.connections.open``: the app token works."""
    try:
        answer = client.apps_connections_open(app_token=app_token)
    except SLACK_ERRORS as error:
        raise SlackCheckFailed(
            failure(error, "apps.connections.open", "SLACK_APP_TOKEN", api_url)
        ) from None
    return str(answer.get("url", ""))
