"""Workspace lifecycle events: uninstalling Delight removes the workspace's data."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App

from bot.delight import Delight
from schedules.jobs import Jobs


def bot_token_revoked(event: dict) -> bool:
    """Only the bot token going away means Delight was removed; user tokens are not ours."""
    tokens = event.get("tokens")
    return isinstance(tokens, dict) and bool(tokens.get("bot"))


def register(app: App, delight: Delight, jobs: Jobs) -> None:
    def forget_workspace(team_id: str, logger: Logger) -> None:
        channels = delight.forget_workspace(team_id)
        for channel_id in channels:
            jobs.sync(team_id, channel_id)
        logger.info("removed the data of an uninstalled workspace (%d channels)", len(channels))

    def on_uninstalled(body: dict, logger: Logger) -> None:
        forget_workspace(body["team_id"], logger)

    def on_tokens_revoked(body: dict, event: dict, logger: Logger) -> None:
        if bot_token_revoked(event):
            forget_workspace(body["team_id"], logger)

    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
