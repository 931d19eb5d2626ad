"""Button clicks on the poll: a count 0-5 records an answer, "more…" opens a modal.

An answer is committed, then acknowledged; the ephemeral reply goes out afterwards from a
reply thread. ``respond()`` is a round trip to Slack's ``response_url``, and Bolt runs
listeners (so acks) on a fixed pool of threads: a listener still waiting on that round trip
can't ack the next click, so under a burst of clicks the acks would queue behind the replies
and miss Slack's 3 seconds (bench/ack_latency.py --reply-delay 150 shows it).
"""

from __future__ import annotations

import logging
import re
from logging import Logger

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.i18n import _
from bot.slack import ids, modals, outcomes, replies, reply_texts
from bot.slack.errors import SLACK_ERRORS, explain_slack_error
from handlers.context import services

logger = logging.getLogger(__name__)

ANSWER = re.compile(rf"^{ids.ANSWER_ACTION_PREFIX}\d+$")


def _reply(response_url: str, text: str) -> None:
    """What ``respond(text, response_type="ephemeral", replace_original=False)`` sends, over a
    connection the reply thread keeps alive (``bot.slack.replies``)."""
    try:
        replies.post(
            response_url, {"text": text, "response_type": "ephemeral", "replace_original": False}
        )
    except Exception as error:  # no caller to raise to on this thread: say so in the log
        logger.warning("ephemeral reply failed: %s", type(error).__name__)


def reply_later(context: BoltContext, respond: Respond, text: str) -> None:
    """Send ``text`` to the clicker only, from a reply thread; returns at once."""
    if respond.response_url is None:  # respond() would raise: there is nowhere to reply
        logger.warning("ephemeral reply failed: %s", "no response_url")
        return
    services(context).replies.submit(_reply, respond.response_url, text)


def poll_id_of(block_id: str | None) -> int | None:
    if not block_id or not block_id.startswith(ids.POLL_BLOCK_PREFIX):
        return None
    raw = block_id.removeprefix(ids.POLL_BLOCK_PREFIX)
    return int(raw) if raw.isdigit() else None


def count_of(value: str | None) -> int | None:
    if value is None or not value.isdigit() or int(value) not in ids.ANSWER_COUNTS:
        return None
    return int(value)


def on_answer(ack: Ack, body: dict, action: dict, respond: Respond, context: BoltContext) -> None:
    poll_id, count = poll_id_of(action.get("block_id")), count_of(action.get("value"))
    if poll_id is None or count is None:
        ack()
        reply_later(context, respond, reply_texts.stale_poll_text())
        return
    outcome = services(context).delight.polls.answer(
        body["team"]["id"], body["channel"]["id"], body["user"]["id"], poll_id, count
    )
    ack()
    reply_later(context, respond, outcomes.answer_text(outcome))


def on_more(
    ack: Ack,
    body: dict,
    action: dict,
    client: WebClient,
    respond: Respond,
    context: BoltContext,
    logger: Logger,
) -> None:
    ack()
    poll_id = poll_id_of(action.get("block_id"))
    if poll_id is None or services(context).delight.polls.find(body["team"]["id"], poll_id) is None:
        reply_later(context, respond, reply_texts.stale_poll_text())
        return
    try:
        client.views_open(trigger_id=body["trigger_id"], view=modals.more_modal(poll_id))
    except SLACK_ERRORS as error:
        logger.warning("count form did not open: %s", type(error).__name__)
        reply_later(
            context, respond, _("I couldn't open the form.") + " " + explain_slack_error(error)
        )
