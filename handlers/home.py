"""The App Home tab: published when someone opens it, and its "Log a customer win" buttons."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.domain import i18n
from bot.slack import home_blocks, modals
from bot.slack.errors import SLACK_ERRORS
from handlers.context import services


def on_home_opened(
    body: dict, event: dict, client: WebClient, context: BoltContext, logger: Logger
) -> None:
    """The viewer's Home tab, in the workspace's default language: team numbers for the
    channels they share with Delight."""
    user_id = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user_id, str):
        return
    delight = services(context).delight
    cards = delight.reports.home_cards(body["team_id"], user_id)
    with i18n.speaking(delight.channels.default_language):
        view = (
            home_blocks.home_unavailable_view() if cards is None else home_blocks.home_view(cards)
        )
    try:
        client.views_publish(user_id=user_id, view=view)
    except SLACK_ERRORS as error:
        logger.warning("home tab publish failed: %s", type(error).__name__)


def on_log_win(ack: Ack, body: dict, action: dict, client: WebClient, logger: Logger) -> None:
    ack()
    channel_id = action.get("value")
    trigger_id = body.get("trigger_id")
    if not isinstance(channel_id, str) or not channel_id or not trigger_id:
        logger.warning("home win button without a channel or trigger")
        return
    try:
        client.views_open(trigger_id=trigger_id, view=modals.win_modal(channel_id))
    except SLACK_ERRORS as error:
        logger.warning("win form did not open from home: %s", type(error).__name__)
