"""``python -m bot``: read settings, build the app, serve Slack until stopped.

Start-up goes in an order that fails fast and says why in one line: the database lock (one
process per database), Slack's answer to the bot token, the web port (health checks in both
modes), the Socket Mode connections, and only then the scheduler. Every failure is one line
on stderr naming the setting, and a non-zero exit.

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
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from dotenv import dotenv_values
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from bot.app import Runtime, build
from bot.ops.lockfile import AlreadyRunning, DatabaseLock
from bot.settings import Settings, SettingsError
from bot.slack.client import web_client
from bot.slack.identity import SlackCheckFailed, identity
from bot.transport.server import HttpServer
from bot.transport.socket_mode import SDK_LOGGER

logger = logging.getLogger("delight")

HTTP_THREADS = 16
USAGE = """\
usage: python -m bot [command]

commands:
  serve             run the bot (the default): HTTP mode, or Socket Mode when
                    SLACK_APP_TOKEN is set
  check [--online]  check the settings, the database and the key without changing
                    anything; --online also asks Slack whether the tokens work
                    (auth.test, and apps.connections.open in Socket Mode)
  export [...]      write the team numbers as CSV; `python -m bot export --help`
  help, -h, --help  this text

Settings come from the environment and from .env in the working directory (the
environment wins). See README.md, Settings.
"""
# Read into Settings, then removed from the process environment, so that neither Bolt nor
# slack_sdk reads a token behind the settings' back (Bolt falls back to SLACK_BOT_TOKEN and
# then warns that the client it was given wins) and no child process inherits them.
_SECRETS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_SECRET",
    "DELIGHT_PSEUDONYM_KEY",
)


def read_environment(cwd: Path) -> tuple[dict[str, str], Path | None]:
    """The environment with ``cwd/.env`` beneath it, and the ``.env`` read (or None)."""
    env_file = cwd / ".env"
    if not env_file.is_file():
        return dict(os.environ), None
    values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    return {**values, **os.environ}, env_file


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "serve"
    if command in ("help", "-h", "--help"):
        print(USAGE, end="")
        sys.exit(0)
    env, env_file = read_environment(Path.cwd())
    if command == "export":
        from bot.ops import export

        sys.exit(export.run(argv[1:], Path(env.get("DELIGHT_DB") or "delight.db")))
    online = command == "check" and argv[1:] == ["--online"]
    if command not in ("serve", "check") or (len(argv) > 1 and not online):
        _fail(f"unknown command {' '.join(argv)!r}\n\n{USAGE}", 2)
    configure_logging(env.get("LOG_LEVEL", "INFO"))
    try:
        settings = Settings.from_env(env)
    except SettingsError as error:
        _fail(str(error), 2)
    for name in _SECRETS:
        os.environ.pop(name, None)
    if command == "check":
        from bot.ops import check

        sys.exit(check.run(settings, online=online))
    serve(settings, env_file)


def _fail(message: str, code: int = 1) -> NoReturn:
    print(f"delight: {message}", file=sys.stderr)
    sys.exit(code)


def configure_logging(level: str) -> None:
    name = level.strip().upper()
    if not isinstance(logging.getLevelName(name), int):
        _fail(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}", 2)
    logging.basicConfig(
        level=name, format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
    )
    quiet_socket_client(name)


def quiet_socket_client(level: str) -> None:
    """slack_sdk's Socket Mode client narrates its connections (as "established" even when
    they failed); ``bot.transport.socket_mode`` says what happened instead. Its lines show at
    DEBUG."""
    logging.getLogger(SDK_LOGGER).setLevel(logging.DEBUG if level == "DEBUG" else logging.CRITICAL)


def serve(settings: Settings, env_file: Path | None) -> None:
    mode = "socket" if settings.socket_mode else "http"
    logger.info(
        "starting mode=%s env=%s db=%s",
        mode,
        env_file or f"none (no .env in {Path.cwd()})",
        settings.db_path.absolute(),
    )
    lock = DatabaseLock(settings.db_path)
    try:
        lock.acquire()
    except AlreadyRunning as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"can't create {lock.path} (check DELIGHT_DB): {error.strerror}")
    try:
        _serve(settings, mode)
    finally:
        lock.release()


def _serve(settings: Settings, mode: str) -> None:
    try:
        who = (
            "multi-workspace installs"
            if settings.oauth
            else identity(web_client(settings.api_url, settings.bot_token), settings.api_url)
        )
        runtime = build(settings)
    except SlackCheckFailed as error:
        _fail(f"could not start: {error}")
    except (OSError, sqlite3.Error) as error:
        # Opening the database or its key file: Slack's own failures raised SlackCheckFailed.
        _fail(f"could not start: {error} (check DELIGHT_DB={settings.db_path})")
    except (BoltError, SlackClientError) as error:
        _fail(f"could not start: {type(error).__name__}: {error}")
    try:
        server = HttpServer(runtime.web, "0.0.0.0", settings.port, HTTP_THREADS)
    except OSError as error:
        runtime.close()
        _fail(f"could not start: PORT {settings.port} can't be used ({error.strerror})")
    try:
        if runtime.socket is not None:
            runtime.socket.open()
    except SlackCheckFailed as error:
        server.close()
        runtime.close()
        _fail(f"could not start: {error}")
    try:
        runtime.start()
        _on_stop_signals(lambda: _stop(runtime, server))
        logger.info("running mode=%s as %s, health on port %s", mode, who, server.port)
        server.run()
        logger.info("stopping: requests drained")
    finally:
        server.close()  # its threads would keep the process alive after an error
        # Work listeners started after acknowledging (posting a poll, a thank-you) finishes
        # before the database closes: Runtime.close() waits for it.
        runtime.close()
        logger.info("stopped")


def _stop(runtime: Runtime, server: HttpServer) -> None:
    """Stop taking Slack's requests (the websocket, then the port), from a thread of its own:
    closing the connections waits for the envelopes being handled."""

    def stop() -> None:
        if runtime.socket is not None:
            runtime.socket.close()
        server.stop()

    threading.Thread(target=stop, name="stop", daemon=True).start()


def _on_stop_signals(stop: Callable[[], None]) -> None:
    def handle(signum: int, _frame: object) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
