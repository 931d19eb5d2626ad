"""What a listener that fails unexpectedly answers, over either transport: one log line that
names the error and where it happened, and an apology instead of a 500.

The line names the error's type and the innermost frame of Delight's own code, never the
error's message: a message can quote what a person typed. The whole traceback is logged at
DEBUG.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import BoltResponse

from bot.domain.failures import where
from bot.domain.i18n import N_, _
from bot.transport.requestlog import describe

SORRY = N_("Sorry, that didn't work on our side. Please try again in a moment.")


def on_error(error: Exception, body: dict, logger: Logger) -> BoltResponse:
    fields = describe(body)
    logger.error(
        "listener failed kind=%s action=%s: %s at %s",
        fields.get("kind", "?"),
        fields.get("action", "-"),
        type(error).__name__,
        where(error),
    )
    logger.debug("listener failure", exc_info=error)
    # A slash command shows the text to the person who typed it; elsewhere a 200 stops Slack
    # from delivering the request again (Bolt sends this only when nothing was acknowledged).
    return BoltResponse(status=200, body=_(SORRY) if fields.get("kind") == "command" else "")
