"""``python -m bot``: read settings, build the app, serve Slack until stopped.

``python -m bot check`` validates the settings and the database and says how it would run;
``python -m bot export ...`` writes the team numbers as CSV (see ``bot.export``).

SIGTERM (``docker stop``) and Ctrl+C stop gracefully: no new requests are taken, the
accepted ones are answered, the work they started and the scheduler's running jobs finish,
and the database is closed.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path

from dotenv import load_dotenv
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from bot.app import build
from bot.serve import HttpServer
from bot.settings import Settings, SettingsError

logger = logging.getLogger("delight")

HTTP_THREADS = 16


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    load_dotenv()
    command = argv[0] if argv else "serve"
    if command == "export":
        from bot import export

        sys.exit(export.run(argv[1:], Path(os.environ.get("DELIGHT_DB") or "delight.db")))
    if command not in ("serve", "check") or len(argv) > 1:
        print(
            f"delight: unknown command {' '.join(argv)!r}; use `python -m bot` to run, "
            "`python -m bot check` or `python -m bot export --help`",
            file=sys.stderr,
        )
        sys.exit(2)
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"delight: {error}", file=sys.stderr)
        sys.exit(2)
    if command == "check":
        from bot import check

        sys.exit(check.run(settings))
    serve(settings)


def configure_logging(level: str) -> None:
    name = level.strip().upper()
    if not isinstance(logging.getLevelName(name), int):
        print(
            f"delight: LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}",
            file=sys.stderr,
        )
        sys.exit(2)
    logging.basicConfig(
        level=name, format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
    )
    # Bolt logs the whole body of a request whose signature fails, user ids included.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)


def serve(settings: Settings) -> None:
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

            handler = SocketModeHandler(runtime.app, settings.app_token)
            stopped = threading.Event()
            _on_stop_signals(stopped.set)
            logger.info("starting mode=socket")
            handler.connect()
            stopped.wait()
            logger.info("stopping mode=socket")
            handler.close()
        else:
            server = HttpServer(runtime.web, "0.0.0.0", settings.port, HTTP_THREADS)
            _on_stop_signals(server.stop)
            logger.info("starting mode=http port=%s", settings.port)
            server.run()
            logger.info("stopping mode=http: requests drained")
    finally:
        # Work listeners started after acknowledging (posting a poll, a thank-you) finishes
        # before the database closes: Runtime.close() waits for it.
        runtime.close()
        logger.info("stopped")


def _on_stop_signals(stop) -> None:
    def handle(signum: int, _frame: object) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
