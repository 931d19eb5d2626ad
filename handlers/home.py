"""The App Home tab: published when someone opens it, and its "Log a customer win" buttons."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.service.delight import Delight
from bot.slack import ids, modals
from bot.slack.errors import SLACK_ERRORS


def register(app: App, delight: Delight) -> None:
    def on_home_opened(body: dict, event: dict, client: WebClient, logger: Logger) -> None:
        user_id = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user_id, str):
            return
        view = delight.home_view(body["team_id"], user_id)
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

    app.event("app_home_opened")(on_home_opened)
    app.action(ids.HOME_LOG_WIN_ACTION)(on_log_win)
