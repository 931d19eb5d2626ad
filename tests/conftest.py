"""Fixtures: the fake Slack API, and the real app served over HTTP on 127.0.0.1 in front of it.

Also the helpers the tests share (one of each, imported from here): ``eventually`` waits for
work on another thread; ``post_poll``, ``answer``, ``post_and_answer``, ``open_home`` and
``published`` do what people do in Slack. Helpers for ``python -m bot`` as a process are in
tests/bot/conftest.py.
"""

from __future__ import annotations

import faulthandler
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.app import Runtime, build
from bot.settings import Settings
from bot.slack import errors as slack_errors
from bot.slack.ids import POLL_BLOCK_PREFIX
from bot.transport.server import HttpServer
from tests.blockkit import assert_valid_call, assert_valid_view
from tests.fake_slack import CLIENT_ID, CLIENT_SECRET, Call, FakeSlack
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


# How long a thread a test started may take to end after the test, and how long the
# interpreter may take to exit after the last test.
THREAD_GRACE = 10.0
EXIT_GRACE = 60


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    """A thread that outlives its test and never ends keeps the interpreter from exiting
    after the last test (CI hangs with every test passed): fail the test that left it,
    saying where the thread is stuck. Daemon threads don't hold up the exit."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and not t.daemon]
    for thread in left:
        thread.join(THREAD_GRACE)
    stuck = [t for t in left if t.is_alive()]
    if stuck:
        frames = sys._current_frames()
        pytest.fail(
            "threads left running:\n"
            + "\n".join(
                f"{t.name}:\n{''.join(traceback.format_stack(frames[t.ident]))}"
                for t in stuck
                if t.ident in frames
            )
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    """Should the interpreter still not exit (a thread no test started, or one started
    outside a test), print where every thread is and exit non-zero after ``EXIT_GRACE``
    seconds, rather than hang CI to its limit."""
    faulthandler.dump_traceback_later(EXIT_GRACE, exit=True, file=sys.__stderr__)


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


class Ticker:
    """An injected monotonic clock (``time.monotonic``'s stand-in) that moves only when a
    test sets ``now``, or by ``step`` each time it is read: how long code waits is then
    counted in its own looks at the clock, never in the machine's speed."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 100.0
        self._step = step
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self.now += self._step
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
        assert self.runtime.delivery.wait_idle(10)


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


# Helpers the tests share

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 30.0, what: str = "") -> T:
    """Wait for work on another thread (a listener's, the scheduler's, the outbox's) until
    ``check()`` returns something true, and return it. ``timeout`` is a safety net that fails
    the test, not a bound on how fast the work must be: a slow machine only waits longer."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what or 'the condition'}"
        time.sleep(0.01)
    return value


def poll_in(params: dict[str, Any]) -> int:
    """The id of the poll whose buttons a message carries."""
    (actions,) = [b for b in params["blocks"] if b["type"] == "actions"]
    return int(actions["block_id"].removeprefix(POLL_BLOCK_PREFIX))


@dataclass(frozen=True)
class PostedPoll:
    id: int
    # The params of the chat.postMessage Slack acted on, and the message ts the app recorded.
    params: dict[str, Any]
    ts: str

    @property
    def block_id(self) -> str:
        """The block_id of its buttons, which clicks carry."""
        return f"{POLL_BLOCK_PREFIX}{self.id}"


def _poll_posts(slack: FakeSlack, channel: str) -> list[Call]:
    return [
        c
        for c in slack.posted(channel)
        if "thread_ts" not in c.params
        and any(b["type"] == "actions" for b in c.params.get("blocks") or [])
    ]


def post_poll(app: Running, channel: str = "C0TEAM") -> PostedPoll:
    """``/delight poll`` in ``channel``; returns the new poll once Slack has posted it and the
    app has recorded its message."""
    before = len(_poll_posts(app.slack, channel))
    assert app.sender.command("poll", channel=channel).status == 200
    posts = eventually(lambda: _poll_posts(app.slack, channel)[before:], what="the poll's post")
    poll_id = poll_in(posts[0].params)
    storage = app.runtime.storage
    ts = eventually(lambda: storage.get_poll(poll_id).message_ts, what="its message recorded")
    return PostedPoll(poll_id, posts[0].params, ts)


def answer(
    app: Running, poll_id: int, *values: str, users: str = "ABCDEFGHIJ", channel: str = "C0TEAM"
) -> None:
    """Click ``values`` on the poll, one each by ``UA``, ``UB``, ... (``users``' letters)."""
    for user, value in zip(users, values, strict=False):
        reply = app.sender.click(
            f"{POLL_BLOCK_PREFIX}{poll_id}", value, user=f"U{user}", channel=channel
        )
        assert reply.status == 200


def post_and_answer(app: Running, answers: list[str]) -> tuple[int, str]:
    """Post today's poll and click ``answers``, one each by ``U0``, ``U1``, ...; returns the
    poll's id and block_id once the outbox has sent what the clicks changed."""
    poll = post_poll(app)
    for n, value in enumerate(answers):
        assert app.sender.click(poll.block_id, value, user=f"U{n}").status == 200
    app.settle()
    return poll.id, poll.block_id


def open_home(app: Running, user: str = "U0ALICE", tab: str = "home", event_id: str = "Ev1"):
    """``app_home_opened``, as Slack sends it when someone opens Delight's Home tab."""
    reply = app.sender.event(
        {"type": "app_home_opened", "user": user, "channel": "D0DM", "tab": tab}, event_id
    )
    assert reply.status == 200
    return reply


def published(app: Running, count: int = 1) -> dict[str, Any]:
    """The params of the ``count``-th views.publish (waiting for it), its view checked."""
    call = app.slack.wait_for("views.publish", count)[-1]
    assert_valid_view(call.params["view"])
    return call.params
