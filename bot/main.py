"""``python -m bot``: read settings, build the app, serve Slack until stopped.

``python -m bot export ...`` writes the team numbers as CSV instead (see ``bot.export``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from pathlib import Path

from dotenv import load_dotenv
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from bot.app import build
from bot.settings import Settings, SettingsError

logger = logging.getLogger("delight")

HTTP_THREADS = 16


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    load_dotenv()
    if argv[:1] == ["export"]:
        from bot import export

        sys.exit(export.run(argv[1:], Path(os.environ.get("DELIGHT_DB") or "delight.db")))
    if argv:
        print(
            f"delight: unknown command {argv[0]!r}; try `python -m bot export --help`",
            file=sys.stderr,
        )
        sys.exit(2)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # Bolt logs the whole body of a request whose signature fails, user ids included.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"delight: {error}", file=sys.stderr)
        sys.exit(2)
    try:
        runtime = build(settings)
    except (BoltError, SlackClientError, OSError, sqlite3.Error) as error:
        # Bolt checks the token with auth.test at start-up; say what failed in one line.
        print(f"delight: could not start: {error}", file=sys.stderr)
        sys.exit(1)
    runtime.start()
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            logger.info("starting in Socket Mode")
            SocketModeHandler(runtime.app, settings.app_token).start()
        else:
            from waitress import serve

            logger.info("starting in HTTP mode on port %s", settings.port)
            serve(
                runtime.web,
                host="0.0.0.0",
                port=settings.port,
                threads=HTTP_THREADS,
                ident="delight",
            )
    finally:
        runtime.close()
