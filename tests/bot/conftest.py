"""Helpers for tests that start ``python -m bot`` as a real process, shared from here: its
environment, a free port, waiting for its health check, and a database from the last release."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from sqlite_utils import Database

from bot.storage.migrations import migrations
from tests.conftest import SIGNING_SECRET, eventually
from tests.fake_slack import FakeSlack

# The repository's root: ``python -m bot`` runs with it on PYTHONPATH.
ROOT = Path(__file__).resolve().parents[2]


def env_for(slack: FakeSlack, db: Path, **extra: str) -> dict[str, str]:
    """The process's environment: this one without Slack's or Delight's settings, then the
    fake Slack's, the database and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DELIGHT_"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-process-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        DELIGHT_DB=str(db),
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot *args`` to its end."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(proc: subprocess.Popen, port: int | str) -> None:
    """Until the bot's ``/healthz`` answers; fails if the process ends or 30 s pass."""

    def healthy() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except OSError:
            assert proc.poll() is None, proc.communicate()[0]
            return False
        return True

    eventually(healthy, timeout=30, what="the bot to answer /healthz")


def previous_release_database(path: Path) -> None:
    """A database as the previous release left it: m008 to m011 pending."""
    db = Database(path)
    migrations.apply(db, stop_before="m008_wins_from_anywhere")
    db.close()
