"""Ways into the win form besides ``/delight win`` and the Home tab (issue 15): the message
shortcut "Log as a customer win", the global shortcut "Log a customer win", and the
"Log a win" button on the poll and on its closing result line.

Each acknowledges first and opens its modal at once: a ``trigger_id`` lasts 3 seconds, so
what is slow (the channel list, the message's link) comes after the modal is open.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.domain.command_text import MAX_STORY_CHARS
from bot.domain.i18n import _
from bot.domain.mrkdwn import clip, readable
from bot.service.wins import message_source
from bot.slack import modals, reply_texts
from bot.slack.errors import SLACK_ERRORS, explain_slack_error
from handlers.context import services


def open_view(client: WebClient, trigger_id: str, view: dict, logger: Logger) -> dict | None:
    try:
        return client.views_open(trigger_id=trigger_id, view=view).get("view")
    except SLACK_ERRORS as error:
        logger.warning("win form did not open: %s", type(error).__name__)
        return None


def on_message_shortcut(
    ack: Ack, shortcut: dict, client: WebClient, context: BoltContext, logger: Logger
) -> None:
    ack()
    # bot.slack.shapes has checked that team, channel, message.ts and trigger_id are there.
    team_id, channel_id = shortcut["team"]["id"], shortcut["channel"]["id"]
    message = shortcut["message"]
    if channel_id.startswith("D"):
        view = modals.thanks_view(
            _("Wins belong to a team: log them from a message in your team's channel.")
        )
    elif services(context).delight.wins.logged(message_source(team_id, channel_id, message["ts"])):
        view = modals.thanks_view(reply_texts.already_logged_text())
    else:
        story = clip(readable(str(message.get("text") or "")).strip(), MAX_STORY_CHARS)
        view = modals.win_modal(channel_id, story, message_ts=message["ts"])
    open_view(client, shortcut["trigger_id"], view, logger)


def on_global_shortcut(
    ack: Ack, shortcut: dict, client: WebClient, context: BoltContext, logger: Logger
) -> None:
    ack()
    opened = open_view(client, shortcut["trigger_id"], modals.win_modal_pick_channel(None), logger)
    if not opened or not isinstance(opened.get("id"), str):
        return
    lookups = services(context).lookups
    try:
        channels = lookups.bot_channels(shortcut["team"]["id"], context.bot_user_id)
        view = modals.win_modal_pick_channel(channels)
    except SLACK_ERRORS as error:
        logger.warning("channel list for the win form failed: %s", type(error).__name__)
        view = modals.thanks_view(
            _("I couldn't load my channels.") + " " + explain_slack_error(error)
        )
    try:
        client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=view)
    except SLACK_ERRORS as error:
        logger.warning("win form did not update: %s", type(error).__name__)


def on_log_win_here(ack: Ack, body: dict, client: WebClient, logger: Logger) -> None:
    ack()
    channel = body.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    trigger_id = body.get("trigger_id")
    if not isinstance(channel_id, str) or not channel_id or not isinstance(trigger_id, str):
        logger.warning("log-a-win button without a channel or trigger")
        return
    open_view(client, trigger_id, modals.win_modal(channel_id), logger)
