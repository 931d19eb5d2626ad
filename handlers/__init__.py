"""Slack-facing listeners. One module per kind; this is the one place that wires them all."""

from slack_bolt import App

from bot.delight import Delight
from handlers import actions, commands, views


def register_listeners(app: App, delight: Delight) -> None:
    commands.register(app, delight)
    actions.register(app, delight)
    views.register(app, delight)
