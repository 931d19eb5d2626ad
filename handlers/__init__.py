"""Bolt listeners, one module per kind of request; this is the one place that wires them all.
Listeners are plain functions that find the service in their context (``handlers.context``).
Thin: parse, call the service, reply. May import everything below the wiring except
``schedules``."""

from slack_bolt import App

from bot.slack import ids
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
from handlers.context import ProvideServices, Services


def register_listeners(app: App, services: Services) -> None:
    delight = services.delight
    app.error(errors.on_error)

    # Middleware, in this order, before any listener: a redelivered event goes no further;
    # every listener finds the service in its context and speaks the channel's language.
    app.middleware(dedupe.DropRedeliveries(delight.events))
    app.middleware(ProvideServices(services))
    app.middleware(language.SpeakTheChannelsLanguage(delight.channels, delight.polls))

    app.command(ids.COMMAND)(commands.on_delight)

    app.action(actions.ANSWER)(actions.on_answer)
    app.action(ids.ANSWER_MORE_ACTION)(actions.on_more)
    app.view(ids.MORE_VIEW)(views.on_more_submitted)

    app.view(ids.WIN_VIEW)(views.on_win_submitted)
    app.message_shortcut(ids.MESSAGE_SHORTCUT)(wins.on_message_shortcut)
    app.global_shortcut(ids.GLOBAL_SHORTCUT)(wins.on_global_shortcut)
    app.action(ids.LOG_WIN_ACTION)(wins.on_log_win_here)

    app.event("app_home_opened")(home.on_home_opened)
    app.action(ids.HOME_LOG_WIN_ACTION)(home.on_log_win)

    app.event("app_uninstalled")(events.on_uninstalled)
    app.event("tokens_revoked")(events.on_tokens_revoked)

    unhandled.register(app)  # last: Bolt runs the first listener that matches
