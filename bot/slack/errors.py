"""What a Slack call can raise, and what each failure means for the message that caused it.

After its retry handlers give up, slack_sdk raises ``SlackApiError`` (Slack answered
``ok: false``, a 429 included), ``SlackRequestError`` (bad arguments, nothing sent) or the
raw transport error: ``urllib.error.URLError``, ``http.client.RemoteDisconnected``,
``ConnectionResetError``, ``TimeoutError``, all ``OSError`` (issue 12: every
``except SlackClientError`` missed those). ``SLACK_ERRORS`` is what an ``except`` around a
Slack call catches; ``classify`` turns any of them into one of three answers.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.i18n import N_, _

SLACK_ERRORS = (SlackClientError, OSError, http.client.HTTPException)

# Waiting between tries of one message: doubling from BACKOFF_START, never above BACKOFF_CAP.
BACKOFF_START = 2.0
BACKOFF_CAP = 300.0

# Slack errors that say "try again later", as opposed to "this will never work".
_TRANSIENT = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}

# Slack errors that will not go away by retrying: the channel's schedule is turned off.
DISABLING_ERRORS = {
    "not_in_channel": "I was removed from the channel (not_in_channel).",
    "channel_not_found": "The channel can't be found (channel_not_found).",
    "is_archived": "The channel was archived (is_archived).",
    # The workspace's token is gone (an uninstall whose event never arrived, a revocation).
    "not_authed": "Delight is no longer installed in this workspace (not_authed).",
    "invalid_auth": "Delight's token for this workspace is no longer valid (invalid_auth).",
    "token_revoked": "Delight's token for this workspace was revoked (token_revoked).",
    "account_inactive": "Delight's account in this workspace is inactive (account_inactive).",
}

# What the person who asked is told, in the current language (``bot.domain.i18n``).
_HINTS = {
    "not_in_channel": N_(
        "I'm not in this channel yet. Add me with `/invite @Delight`, then try again."
    ),
    "channel_not_found": N_(
        "I can't see this channel. Add me with `/invite @Delight`, then try again."
    ),
    "is_archived": N_("This channel is archived, so I can't post here."),
    "restricted_action": N_("This workspace doesn't let me post in this channel."),
    "msg_too_long": N_("That message was too long for Slack."),
}


@dataclass(frozen=True)
class Retry:
    """Try again after ``after`` seconds."""

    after: float
    code: str


@dataclass(frozen=True)
class GiveUp:
    """This will not work; ``reason`` is a sentence the person who asked can act on."""

    reason: str
    code: str


@dataclass(frozen=True)
class TurnOff:
    """The channel (or the workspace's token) is gone: give up and turn its schedule off."""

    reason: str  # what ``/delight schedule`` says
    hint: str  # what the person who asked is told
    code: str


Failure = Retry | GiveUp | TurnOff


def error_code(error: BaseException) -> str:
    """Slack's error code, or the transport error's type: safe to log, never a message."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error", "unknown_error"))
    return type(error).__name__


def explain_slack_error(error: BaseException) -> str:
    """A sentence a person can act on, for an error from the Slack Web API, in the current
    language."""
    if isinstance(error, SlackApiError):
        code = error_code(error)
        if code in _HINTS:
            return _(_HINTS[code])
        return _("Slack answered {code}. Please try again in a moment.", code=f"`{code}`")
    return _("I couldn't reach Slack just now. Please try again in a moment.")


def backoff(tries: int) -> float:
    """Seconds to wait after the ``tries``-th failed try (1, 2, ...)."""
    return min(BACKOFF_CAP, BACKOFF_START * 2 ** max(0, tries - 1))


def classify(error: BaseException, tries: int) -> Failure:
    """What a failed call means, after its ``tries``-th try.

    429: come back after ``Retry-After``. 5xx, Slack's passing errors and every transport
    error (refused, dropped, timed out): back off. A channel or token that is gone: turn the
    schedule off. Anything else (bad arguments, ``msg_too_long``...): give up.
    """
    if isinstance(error, SlackApiError):
        code = error_code(error)
        status = getattr(error.response, "status_code", 200)
        if status == 429 or code == "ratelimited":
            headers = getattr(error.response, "headers", None) or {}
            after = _seconds(headers.get("Retry-After") or headers.get("retry-after"))
            return Retry(min(BACKOFF_CAP, after if after is not None else backoff(tries)), code)
        if status >= 500 or code in _TRANSIENT:
            return Retry(backoff(tries), code)
        if code in DISABLING_ERRORS:
            return TurnOff(DISABLING_ERRORS[code], explain_slack_error(error), code)
        return GiveUp(explain_slack_error(error), code)
    if isinstance(error, OSError | http.client.HTTPException):
        return Retry(backoff(tries), error_code(error))
    return GiveUp(_("Something went wrong on our side while talking to Slack."), error_code(error))


def _seconds(value: object) -> float | None:
    try:
        seconds = float(str(value))
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
