"""Workspace lifecycle events: uninstalling Delight removes the workspace's data.

With multi-workspace installs it removes the workspace's installation (its tokens) too. That
is done here rather than with Bolt's ``app.enable_token_revocation_listeners()``: Bolt runs
only the first listener that matches an event, so its listeners and these could not both run.
And Delight treats a revoked bot token as an uninstall, so it deletes the whole installation
(Bolt's ``tokens_revoked`` listener would delete only the bot's row).
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import BoltContext

from handlers.context import services


def bot_token_revoked(event: dict) -> bool:
    """Only the bot token going away means Delight was removed; user tokens are not ours."""
    tokens = event.get("tokens")
    return isinstance(tokens, dict) and bool(tokens.get("bot"))


def forget_workspace(context: BoltContext, team_id: str, logger: Logger) -> None:
    installation_store = services(context).installation_store
    if installation_store is not None:
        # The tokens go first, so no scheduled job picks them up while the data goes.
        installation_store.delete_all(enterprise_id=context.enterprise_id, team_id=team_id)
    channels = services(context).delight.privacy.forget_workspace(team_id)
    logger.info("removed the data of an uninstalled workspace (%d channels)", len(channels))


def on_uninstalled(body: dict, context: BoltContext, logger: Logger) -> None:
    forget_workspace(context, body["team_id"], logger)


def on_tokens_revoked(body: dict, event: dict, context: BoltContext, logger: Logger) -> None:
    if bot_token_revoked(event):
        forget_workspace(context, body["team_id"], logger)
