"""Starting ``python -m bot`` as a newcomer would: every failure one line naming the setting,
the ``.env`` of the working directory, one process per database, a clear first and last line."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.main import read_environment
from tests.bot.conftest import ROOT, bot, env_for, free_port, wait_healthy
from tests.conftest import APP_TOKEN
from tests.fake_slack import FakeSlack
from tests.fake_socket_mode import FakeSocketMode
from tests.slack_requests import slash_command


def failure_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed start printed (besides the log's "starting" line)."""
    assert "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("delight: ")]
    return line


@contextmanager
def started(env: dict[str, str], cwd: Path) -> Iterator[tuple[subprocess.Popen, list[str]]]:
    """A bot process, once its port answers ``/healthz``; its output lines so far."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_healthy(proc, env["PORT"])
        lines: list[str] = []
        while not any("running mode=" in line for line in lines):
            lines.append(proc.stdout.readline())
        yield proc, lines
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_help_lists_every_command(slack: FakeSlack, tmp_path: Path) -> None:
    for flag in ("--help", "-h", "help"):
        done = bot(flag, env=env_for(slack, tmp_path / "d.db"), cwd=tmp_path)
        assert done.returncode == 0
        for command in ("serve", "check [--online]", "export"):
            assert command in done.stdout


def test_first_and_last_start_lines_say_what_was_used(slack: FakeSlack, tmp_path: Path) -> None:
    env = env_for(slack, tmp_path / "d.db", PORT=str(free_port()))
    with started(env, tmp_path) as (_proc, lines):
        pass
    text = "".join(lines)
    assert f"starting mode=http env=none (no .env in {tmp_path}) db={tmp_path / 'd.db'}" in text
    assert "running mode=http as @delight (U0BOT) in Fake (T0TEAM)" in text
    assert "will be unused" not in text  # Bolt's warning about a token it was never given
    assert "xoxb-" not in text


def test_env_is_read_from_the_working_directory(slack: FakeSlack, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DELIGHT_TZ=Europe/Berlin\nPORT=1234\n")
    env, used = read_environment(tmp_path)
    assert used == tmp_path / ".env"
    assert env["DELIGHT_TZ"] == "Europe/Berlin"
    env = env_for(slack, tmp_path / "d.db")
    env.pop("SLACK_BOT_TOKEN")
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-the-env-file\n")
    done = bot("check", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_environment_wins_over_the_env_file(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".env").write_text("DELIGHT_TZ=Europe/Berlin\n")
    monkeypatch.setenv("DELIGHT_TZ", "Asia/Tokyo")
    assert read_environment(tmp_path)[0]["DELIGHT_TZ"] == "Asia/Tokyo"


def test_the_example_placeholders_are_refused(slack: FakeSlack, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    env = env_for(slack, tmp_path / "d.db")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        env.pop(name)
    done = bot(env=env, cwd=tmp_path)
    assert done.returncode == 2
    line = failure_line(done)
    assert line.startswith("delight: SLACK_BOT_TOKEN still holds the example value")


def test_the_env_example_lists_every_setting_with_nothing_that_becomes_a_value() -> None:
    text = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    settings = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    names = {line.split("`")[1] for line in settings.splitlines() if line.startswith("| `")}
    assignments = [
        line.lstrip("# ").split("=", 1)
        for line in text.splitlines()
        if "=" in line and line.lstrip("# ").split("=", 1)[0].isupper()
    ]
    assert names <= {name for name, _ in assignments}
    for name, value in assignments:
        assert " " not in value and "(" not in value, f"{name}'s line would set {value!r}"


def test_a_second_process_on_the_same_database_is_refused(slack: FakeSlack, tmp_path: Path):
    env = env_for(slack, tmp_path / "d.db", PORT=str(free_port()))
    with started(env, tmp_path):
        polls_before = len(slack.calls_to("chat.postMessage"))
        done = bot(env={**env, "PORT": str(free_port())}, cwd=tmp_path)
        assert done.returncode == 1
        line = failure_line(done)
        assert "another Delight process" in line and "d.db.lock" in line
        assert len(slack.calls_to("chat.postMessage")) == polls_before


def test_a_port_in_use_is_one_line_naming_port(slack: FakeSlack, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = bot(env=env_for(slack, tmp_path / "d.db", PORT=str(port)), cwd=tmp_path)
    assert done.returncode == 1
    line = failure_line(done)
    assert line.startswith(f"delight: could not start: PORT {port} can't be used")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("invalid_auth", "Slack refused SLACK_BOT_TOKEN: auth.test answered invalid_auth"),
        ("not_authed", "Slack refused SLACK_BOT_TOKEN: auth.test answered not_authed"),
    ],
)
def test_a_refused_bot_token_is_one_line_naming_it(
    slack: FakeSlack, tmp_path: Path, error: str, expected: str
) -> None:
    slack.fail("auth.test", error)
    done = bot(env=env_for(slack, tmp_path / "d.db", PORT=str(free_port())), cwd=tmp_path)
    assert done.returncode == 1
    line = failure_line(done)
    assert line == f"delight: could not start: {expected}"


def test_slack_unreachable_is_one_line_naming_the_url(slack: FakeSlack, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    env = env_for(slack, tmp_path / "d.db", PORT=str(free_port()), SLACK_API_URL=url)
    done = bot(env=env, cwd=tmp_path)
    assert done.returncode == 1
    line = failure_line(done)
    assert f"could not reach Slack at {url}" in line and "SLACK_API_URL" in line


def test_check_online_asks_slack(slack: FakeSlack, tmp_path: Path) -> None:
    env = env_for(slack, tmp_path / "d.db")
    done = bot("check", "--online", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "slack: ok (SLACK_BOT_TOKEN is @delight" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("check: ready to run (")
    slack.fail("auth.test", "invalid_auth")
    done = bot("check", "--online", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert "slack: FAIL (Slack refused SLACK_BOT_TOKEN: auth.test answered invalid_auth)" in (
        done.stdout
    )


@pytest.mark.timing
def test_socket_mode_serves_health_answers_and_stops_within_10_s(
    slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path
) -> None:
    port = free_port()
    env = env_for(slack, tmp_path / "d.db", PORT=str(port), SLACK_APP_TOKEN=APP_TOKEN)
    with started(env, tmp_path) as (proc, lines):
        assert "running mode=socket as @delight" in "".join(lines)
        socket_mode.wait_connected(2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as ready:
            assert ready.read() == b"ready"
        ack = socket_mode.send("slash_commands", slash_command("help"))
        assert "/delight poll" in ack["payload"]["text"]
        began = time.monotonic()
        proc.terminate()
        output, _ = proc.communicate(timeout=15)
        assert proc.returncode == 0, output
        assert time.monotonic() - began < 10
    assert "Traceback" not in output and "stopped" in output
    assert not socket_mode.connections()


def test_socket_mode_stops_by_closing_its_connections_then_exits(
    slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path
) -> None:
    """The test above without a stopwatch: what makes the stop quick and clean. On SIGTERM
    Delight closes its websockets itself (Slack sees them closed, not dropped) before its
    last line, and exits 0."""
    port = free_port()
    env = env_for(slack, tmp_path / "d.db", PORT=str(port), SLACK_APP_TOKEN=APP_TOKEN)
    with started(env, tmp_path) as (proc, lines):
        links = socket_mode.wait_connected(2)
        ack = socket_mode.send("slash_commands", slash_command("help"))
        assert "/delight poll" in ack["payload"]["text"]
        proc.terminate()
        output, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, output
    log = "".join(lines) + output
    assert "Traceback" not in log
    assert log.index("received SIGTERM") < log.index("socket closed") < log.index("stopped")
    assert not socket_mode.connections()
    assert all(link.closed_at is not None and link.dropped_at is None for link in links)


def test_a_refused_app_token_stops_the_start_with_one_line(
    slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path
) -> None:
    slack.fail("apps.connections.open", "invalid_auth")
    env = env_for(slack, tmp_path / "d.db", PORT=str(free_port()), SLACK_APP_TOKEN=APP_TOKEN)
    done = bot(env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert failure_line(done) == (
        "delight: could not start: Slack refused SLACK_APP_TOKEN: "
        "apps.connections.open answered invalid_auth"
    )


def test_a_database_that_cannot_be_opened_is_one_line_naming_delight_db(
    slack: FakeSlack, tmp_path: Path
) -> None:
    (tmp_path / "d.db").write_text("not a database, just words")
    env = env_for(slack, tmp_path / "d.db", PORT=str(free_port()))
    done = bot(env=env, cwd=tmp_path)
    assert done.returncode == 1
    line = failure_line(done)
    assert line.startswith("delight: could not start: ") and "DELIGHT_DB=" in line
