"""``python -m bot`` as a real process: ``check``, bad commands, and a graceful SIGTERM."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.bot.conftest import (
    ROOT,
    bot,
    env_for,
    free_port,
    previous_release_database,
    wait_healthy,
)
from tests.conftest import SIGNING_SECRET
from tests.fake_slack import FakeSlack
from tests.slack_requests import SlackSender


def test_check_on_a_fresh_machine(slack: FakeSlack, tmp_path: Path) -> None:
    done = bot("check", env=env_for(slack, tmp_path / "data" / "d.db"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("settings: ok (HTTP mode on port 3000, Slack API ")
    assert "will be created at start" in lines[1]
    assert "will be generated at start" in lines[2]
    assert lines[-1].startswith("check: ready to run, as far as this machine tells")
    assert "Slack was not asked" in lines[-1]
    assert "xoxb-process-test" not in done.stdout + done.stderr
    assert not (tmp_path / "data").exists()  # check reads, never creates


def test_check_reads_a_database_with_upgrades_pending_and_changes_nothing(
    slack: FakeSlack, tmp_path: Path
) -> None:
    db = tmp_path / "old.db"
    previous_release_database(db)
    before = db.read_bytes()
    done = bot("check", env=env_for(slack, db), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 schema upgrade(s) to apply at start" in done.stdout.splitlines()[1]
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]


def test_check_finds_an_unprotected_key_and_a_missing_one(slack: FakeSlack, tmp_path: Path) -> None:
    from bot.storage.store import Storage

    db = tmp_path / "d.db"
    storage = Storage(db)
    poll, _ = storage.claim_poll("T", "C", date(2026, 11, 18), datetime.now(UTC))
    storage.record_answer(poll.id, "someone", 3)
    storage.close()
    env = env_for(slack, db)
    done = bot("check", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert (
        "pseudonym key: FAIL" in done.stdout
        and "is missing but the database has answers" in done.stdout
    )
    key = Path(str(db) + ".key")
    key.write_text("k" * 64)
    key.chmod(0o644)
    done = bot("check", env=env, cwd=tmp_path)
    assert done.returncode == 1 and "chmod 600" in done.stdout
    key.chmod(0o600)
    done = bot("check", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "database: ok" in done.stdout


def test_check_with_bad_settings_names_the_setting(slack: FakeSlack, tmp_path: Path) -> None:
    env = env_for(slack, tmp_path / "d.db", SLACK_BOT_TOKEN="not-a-bot-token")
    done = bot("check", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["dance"], {}, "unknown command 'dance'"),
        (["check", "now"], {}, "unknown command 'check now'"),
        ([], {"LOG_LEVEL": "chatty"}, "LOG_LEVEL must be"),
    ],
)
def test_bad_command_lines_exit_2_with_a_reason(
    slack: FakeSlack, tmp_path: Path, args: list[str], extra: dict, message: str
) -> None:
    done = bot(*args, env=env_for(slack, tmp_path / "d.db", **extra), cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


# SIGTERM


@pytest.fixture
def process(slack: FakeSlack, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int, Path]]:
    port, db = free_port(), tmp_path / "d.db"
    env = {**env_for(slack, db, PORT=str(port)), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_healthy(proc, port)
    yield proc, port, db
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def test_sigterm_finishes_work_in_flight_then_exits(
    slack: FakeSlack, process: tuple[subprocess.Popen, int, Path]
) -> None:
    proc, port, db = process
    sender = SlackSender(
        f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, slack.response_url()
    )
    # Slack holds the poll's post unanswered until the process has taken SIGTERM in: the
    # post is certainly in flight when the stop begins.
    post = slack.hold("chat.postMessage")
    assert sender.command("poll").status == 200  # acknowledged at once; posting goes on
    post.wait_arrived()
    proc.send_signal(signal.SIGTERM)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "received SIGTERM" in line:
            break
    post.release()
    rest, _ = proc.communicate(timeout=30)
    output = "".join(seen) + rest
    assert proc.returncode == 0, output
    assert "received SIGTERM" in output and "stopped" in output
    assert "Traceback" not in output, output
    # The post finished and was recorded before the database closed.
    conn = sqlite3.connect(db)
    (message_ts,) = conn.execute("SELECT message_ts FROM polls").fetchone()
    conn.close()
    assert message_ts is not None
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
