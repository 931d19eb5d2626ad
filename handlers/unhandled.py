"""Requests no other listener takes: acknowledged, so Slack doesn't deliver them again.

Registered last (Bolt runs the first listener that matches). Without them Bolt would answer
404 and log the request's body ("Unhandled request (...)") at WARNING, user ids included;
the request log line already says what came in.
"""

from __future__ import annotations

import re

from slack_bolt import Ack, App

_ANY = re.compile(".*")


def acknowledge(ack: Ack) -> None:
    ack()


def register(app: App) -> None:
    app.command(_ANY)(acknowledge)
    app.action(_ANY)(acknowledge)
    app.view(_ANY)(acknowledge)
    app.view_closed(_ANY)(acknowledge)
    app.shortcut(_ANY)(acknowledge)
    app.options(_ANY)(acknowledge)
    app.event(_ANY)(acknowledge)
