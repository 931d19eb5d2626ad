"""Bolt listeners, one module per kind of request; this is the one place that wires them all.
Thin: parse, call the service, reply. May import everything below the wiring except
``schedules``."""

from concurrent.futures import Executor

from slack_bolt import App

from bot.service.delight import Delight
from bot.service.schedule_commands import ScheduleCommands
from bot.service.webhooks import Webhooks
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
    events.register(app, delight, schedule_commands.resync)
    unhandled.register(app)  # last: Bolt runs the first listener that matches
