"""Slack-facing listeners. One module per kind; this is the one place that wires them all."""

from concurrent.futures import Executor

from slack_bolt import App

from bot.delight import Delight
from bot.webhook import Webhooks
from handlers import (
    actions,
    commands,
    dedupe,
    errors,
    events,
    home,
    language,
    unhandled,
    views,
    wins,
)
from schedules.commands import ScheduleCommands


def register_listeners(
    app: App,
    delight: Delight,
    schedule_commands: ScheduleCommands,
    replies: Executor,
    webhooks: Webhooks,
) -> None:
    errors.register(app)
    dedupe.register(app, delight.storage, schedule_commands.clock)
    language.register(app, delight)
    commands.register(app, delight, schedule_commands, webhooks)
    actions.register(app, delight, replies)
    views.register(app, delight)
    home.register(app, delight)
    wins.register(app, delight)
    events.register(app, delight, schedule_commands.jobs)
    unhandled.register(app)  # last: Bolt runs the first listener that matches
