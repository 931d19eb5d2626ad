"""Fixtures: the fake Slack API, and the real app served over HTTP on 127.0.0.1 in front of it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Runtime, build
from bot.settings import Settings
from bot.slack import errors as slack_errors
from bot.transport.server import HttpServer
from tests.blockkit import assert_valid_call
from tests.fake_slack import CLIENT_ID, CLIENT_SECRET, FakeSlack
from tests.fake_socket_mode import FakeSocketMode
from tests.slack_requests import SlackSender, SocketSender

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in a test may depend on a real token or secret from the environment."""
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "SLACK_REDIRECT_URI",
        "SLACK_SCOPES",
        "SLACK_USER_SCOPES",
        "SLACK_API_URL",
        "DELIGHT_PSEUDONYM_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outbox backs off in real time: tests start its doubling at 0.1 s, not 2 s."""
    monkeypatch.setattr(slack_errors, "BACKOFF_START", 0.1)


class FakeClock:
    """An injected clock tests can set; Slack request signatures keep using real time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture
def slack(fake_slack: FakeSlack) -> FakeSlack:
    fake_slack.reset()
    return fake_slack


@pytest.fixture
def socket_mode(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    """A fake Socket Mode server; ``apps.connections.open`` hands out its URLs."""
    fake = FakeSocketMode()
    slack.socket_mode = fake
    try:
        yield fake
    finally:
        slack.socket_mode = None
        fake.close()


@pytest.fixture
def clock() -> FakeClock:
    # A Wednesday afternoon in UTC.
    return FakeClock(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))


def make_settings(slack: FakeSlack, db_path: Path, **overrides: object) -> Settings:
    values: dict = {
        "bot_token": "xoxb-test-token",
        "signing_secret": SIGNING_SECRET,
        "api_url": slack.api_url,
        "db_path": db_path,
        "default_tz": "UTC",
    }
    values.update(overrides)
    return Settings(**values)


# Multi-workspace mode: no bot token; workspaces install through the fake's oauth.v2.access.
OAUTH = {"bot_token": None, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


@dataclass
class Running:
    runtime: Runtime
    sender: SlackSender
    slack: FakeSlack
    clock: FakeClock
    # http://127.0.0.1:<port>, for the pages that are not Slack's requests.
    base_url: str = ""

    def settle(self) -> None:
        """Wait until everything in the outbox has reached the fake Slack (or was dropped)."""
        assert self.runtime.delight.delivery.wait_idle(10)


APP_TOKEN = "xapp-1-A0DELIGHT-test"


@contextmanager
def serve(
    slack: FakeSlack,
    clock,
    db_path: Path,
    channel_interval: float = 0.0,
    refresh_interval: float = 0.05,
    socket_mode: FakeSocketMode | None = None,
    edit_limit: tuple[float, int] = (1000.0, 1000),
    **overrides: object,
) -> Iterator[Running]:
    """Start the real app (scheduler included) on Delight's HTTP server at 127.0.0.1; stop it
    afterwards.

    ``overrides`` change the settings, e.g. ``**OAUTH`` for multi-workspace mode. Posts in
    one channel are not spaced out unless ``channel_interval`` says so (Slack's is 1 s):
    tests/schedules/test_fanout.py tests the pacing. ``refresh_interval`` is the live tally's least
    time between two edits of one poll (tests/handlers/test_click_burst.py). ``edit_limit`` is
    chat.update's pace per workspace (rate, burst): Tier 3 in production, lifted here unless
    a test is about it.

    With ``socket_mode`` (a fake Socket Mode server attached to ``slack``) the app runs in
    Socket Mode: requests arrive as envelopes over its websockets (``SocketSender``) and the
    web server answers only the health checks, as in production.
    """
    if socket_mode is not None:
        overrides.setdefault("app_token", APP_TOKEN)
    settings = make_settings(slack, db_path, **overrides)
    runtime = build(
        settings,
        clock=clock,
        refresh_interval=refresh_interval,
        channel_interval=channel_interval,
        edit_limit=edit_limit,
    )
    if runtime.socket is not None:
        runtime.socket.open()
    runtime.start()
    # Checking for the stop every 5 ms keeps each test's stop short.
    server = HttpServer(runtime.web, "127.0.0.1", 0, threads=8, poll_seconds=0.005)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.port}"
    sender = (
        SocketSender(socket_mode, slack.response_url())
        if socket_mode is not None
        else SlackSender(f"{base_url}/slack/events", SIGNING_SECRET, slack.response_url())
    )
    try:
        yield Running(runtime, sender, slack, clock, base_url)
    finally:
        server.stop()
        thread.join(5)
        if socket_mode is not None:
            # Ended from Slack's side first, so no reader waits out its receive timeout.
            for link in socket_mode.connections():
                socket_mode.drop(link)
        runtime.close()


TRANSPORTS = ("http", "socket")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_transports`` run once over HTTP and once over Socket Mode."""
    if "transport" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_transports"
    ):
        metafunc.parametrize("transport", TRANSPORTS, indirect=True)


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> str:
    """How Slack's requests reach the app: ``http`` unless the test runs over both."""
    return getattr(request, "param", "http")


@pytest.fixture
def running(
    slack: FakeSlack,
    clock: FakeClock,
    tmp_path: Path,
    transport: str,
    request: pytest.FixtureRequest,
) -> Iterator[Running]:
    socket_mode = request.getfixturevalue("socket_mode") if transport == "socket" else None
    with serve(slack, clock, tmp_path / "delight.db", socket_mode=socket_mode) as app:
        yield app
    # Every message, update and view the app sent during the test would be accepted by Slack.
    for call in list(slack.calls):
        assert_valid_call(call)


@pytest.fixture
def oauth_running(slack: FakeSlack, clock: FakeClock, tmp_path: Path) -> Iterator[Running]:
    """The app in multi-workspace mode; no workspace is installed yet."""
    with serve(slack, clock, tmp_path / "delight.db", **OAUTH) as app:
        yield app
    for call in list(slack.calls):
        assert_valid_call(call)
