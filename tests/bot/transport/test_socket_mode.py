"""Socket Mode against a websocket fake of Slack: every envelope acknowledged, connections that
heal fast, health checks, and a refused or unreachable Slack said plainly."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from slack_sdk.socket_mode.builtin import client as builtin_client
from slack_sdk.socket_mode.builtin.connection import ConnectionState

from bot.app import build
from bot.main import quiet_socket_client
from bot.slack.identity import SlackCheckFailed
from bot.transport.socket_mode import SDK_LOGGER
from tests.bot.conftest import free_port
from tests.conftest import APP_TOKEN, Running, eventually, make_settings
from tests.fake_slack import TEAM_ID, FakeSlack
from tests.fake_socket_mode import FakeSocketMode
from tests.slack_requests import slash_command

socket_only = pytest.mark.parametrize("transport", ["socket"], indirect=True)


def get(running: Running, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(running.base_url + path, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@socket_only
def test_two_connections_open_and_health_is_served(
    running: Running, socket_mode: FakeSocketMode
) -> None:
    socket_mode.wait_connected(2)
    assert get(running, "/healthz") == (200, "ok")
    assert get(running, "/readyz") == (200, "ready")
    request = urllib.request.Request(running.base_url + "/slack/events", data=b"{}")
    with pytest.raises(urllib.error.HTTPError) as error:  # Slack's requests come by websocket
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 404


BLOCK_ACTIONS = {"type": "block_actions", "team": {"id": TEAM_ID}, "user": {"id": "U0ALICE"}}


@socket_only
@pytest.mark.parametrize(
    ("kind", "payload", "problem"),
    [
        ("interactive", {**BLOCK_ACTIONS, "actions": []}, "missing actions"),
        (
            "interactive",
            {
                "type": "view_submission",
                "team": {"id": TEAM_ID},
                "user": {"id": "U0ALICE"},
                "view": {"id": "V1", "callback_id": "log_win"},
            },
            "missing view.type",
        ),
        ("slash_commands", slash_command("win new Secret story", team_id=""), "missing team_id"),
        ("interactive", ["not", "an", "object"], "payload is not an object"),
        ("events_api", {"type": "event_callback", "event": {}}, "missing event_id"),
        (
            "interactive",
            {**BLOCK_ACTIONS, "actions": [{"action_id": "answer_3"}], "channel": 5},
            "fields of unexpected types",
        ),
    ],
    ids=["empty-actions", "view-without-type", "command-without-team", "not-an-object",
         "event-without-id", "channel-not-an-object"],
)  # fmt: skip
def test_malformed_envelopes_are_acknowledged_with_one_line_naming_the_problem(
    running: Running,
    socket_mode: FakeSocketMode,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    payload: object,
    problem: str,
) -> None:
    socket_mode.wait_connected(2)
    with caplog.at_level(logging.INFO):
        ack = socket_mode.send(kind, payload)
        assert ack is not None, "Slack would deliver it again"
    (line,) = [r for r in caplog.records if r.name == "delight.requests"]
    assert line.levelno == logging.WARNING
    assert f'problem="{problem}"' in line.getMessage()
    assert not any(r.exc_info for r in caplog.records)
    assert "Secret" not in caplog.text and "U0ALICE" not in caplog.text


@socket_only
def test_a_frame_that_is_not_json_is_dropped_with_one_line(
    running: Running, socket_mode: FakeSocketMode, caplog: pytest.LogCaptureFixture
) -> None:
    (link, _) = socket_mode.wait_connected(2)
    with caplog.at_level(logging.INFO):
        socket_mode.send_raw("{not json", link=link)
        # The same connection reads in order: once a later envelope is answered, the frame
        # before it was handled.
        assert socket_mode.send("slash_commands", slash_command(), link=link) is not None
    assert "socket frame dropped: not a JSON object" in caplog.text
    assert not any(r.exc_info for r in caplog.records)


@socket_only
def test_a_slash_commands_reply_comes_back_with_the_ack(
    running: Running, socket_mode: FakeSocketMode
) -> None:
    socket_mode.wait_connected(2)
    ack = socket_mode.send("slash_commands", slash_command("help"))
    assert "/delight poll" in ack["payload"]["text"]


@pytest.mark.timing
@socket_only
def test_a_dropped_connection_leaves_the_other_answering_and_is_replaced_fast(
    running: Running, socket_mode: FakeSocketMode
) -> None:
    dropped, other = socket_mode.wait_connected(2)
    socket_mode.drop(dropped)
    # Slack sends to the connections it still has; the other one answers at once.
    assert socket_mode.send("slash_commands", slash_command(), link=other, timeout=2) is not None
    socket_mode.wait_opened(3, timeout=10)
    socket_mode.wait_connected(2, timeout=10)
    replaced = socket_mode.links[-1].opened_at - dropped.dropped_at
    assert replaced < 10, f"replaced after {replaced:.1f} s"


@pytest.mark.timing
@socket_only
def test_with_every_connection_dropped_it_answers_again_within_10_s(
    running: Running, socket_mode: FakeSocketMode
) -> None:
    links = socket_mode.wait_connected(2)
    started = time.monotonic()
    for link in links:
        socket_mode.drop(link)
    socket_mode.wait_opened(3, timeout=10)
    ack = socket_mode.send("slash_commands", slash_command(), link=socket_mode.links[-1], timeout=5)
    assert ack is not None
    assert time.monotonic() - started < 10


def socket_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "delight.socket"]


@socket_only
def test_a_dropped_connection_leaves_the_other_answering_and_is_replaced_at_once(
    running: Running, socket_mode: FakeSocketMode, slack: FakeSlack, caplog
) -> None:
    """The two tests above without a stopwatch: what makes the replacement fast. The other
    connection answers meanwhile, and the lost one is replaced by the first try, with no
    back-off in between (nor waiting for a ping to go unanswered)."""
    dropped, other = socket_mode.wait_connected(2)
    with caplog.at_level(logging.INFO, logger="delight.socket"):
        socket_mode.drop(dropped)
        assert socket_mode.send("slash_commands", slash_command(), link=other) is not None
        socket_mode.wait_opened(3, timeout=30)
        eventually(lambda: "socket connected" in "".join(socket_lines(caplog)))
    assert socket_lines(caplog) == [
        "socket connection lost; reconnecting (1 of 2 open)",
        "socket connected (2 of 2 open)",
    ]
    assert len(slack.calls_to("apps.connections.open")) == 3  # one each, and one to replace


@socket_only
def test_with_every_connection_dropped_each_is_replaced_at_once_and_answers(
    running: Running, socket_mode: FakeSocketMode, slack: FakeSlack, caplog
) -> None:
    """The same with both connections dropped: each is replaced at once, and answers."""
    links = socket_mode.wait_connected(2)
    with caplog.at_level(logging.INFO, logger="delight.socket"):
        for link in links:
            socket_mode.drop(link)
        socket_mode.wait_opened(4, timeout=30)
        ack = socket_mode.send("slash_commands", slash_command(), link=socket_mode.links[-1])
        eventually(lambda: "".join(socket_lines(caplog)).count("socket connected") == 2)
    assert ack is not None
    # Each lost, each replaced by its first try (how many were open at each line depends on
    # which the supervisor looked at first).
    said = Counter(line.split(" (")[0] for line in socket_lines(caplog))
    assert said == {"socket connection lost; reconnecting": 2, "socket connected": 2}
    assert len(slack.calls_to("apps.connections.open")) == 4


@socket_only
def test_refresh_requested_opens_the_new_connection_before_the_old_closes(
    running: Running, socket_mode: FakeSocketMode
) -> None:
    old, other = socket_mode.wait_connected(2)
    socket_mode.disconnect("refresh_requested", link=old)
    new = socket_mode.wait_opened(3)[-1]
    socket_mode.wait_closed(old)
    assert new.opened_at <= old.closed_at  # no moment without this connection
    assert other.open
    assert socket_mode.send("slash_commands", slash_command(), link=new) is not None


@socket_only
def test_readyz_says_when_no_connection_is_open(
    running: Running, socket_mode: FakeSocketMode, slack: FakeSlack
) -> None:
    links = socket_mode.wait_connected(2)
    slack.fail("apps.connections.open", "internal_error", times=None)
    for link in links:
        socket_mode.drop(link)
    eventually(lambda: get(running, "/readyz")[0] != 200, what="readyz to notice")
    assert get(running, "/readyz") == (503, "not ready: no Socket Mode connection to Slack is open")
    assert get(running, "/healthz") == (200, "ok")


def test_a_refused_app_token_is_one_line_naming_it(slack: FakeSlack, tmp_path: Path) -> None:
    slack.fail("apps.connections.open", "invalid_auth")
    runtime = build(make_settings(slack, tmp_path / "d.db", app_token=APP_TOKEN))
    try:
        with pytest.raises(SlackCheckFailed) as error:
            runtime.socket.open()
    finally:
        runtime.close()
    assert str(error.value) == (
        "Slack refused SLACK_APP_TOKEN: apps.connections.open answered invalid_auth"
    )


class DeadEnd:
    """Stands in for the fake Socket Mode server: hands out URLs where nothing listens."""

    def __init__(self) -> None:
        self.port = free_port()

    def open_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=t"


@pytest.fixture
def production_logging() -> Iterator[None]:
    """Loggers as ``python -m bot`` sets them at INFO."""
    sdk = logging.getLogger(SDK_LOGGER)
    level = sdk.level
    quiet_socket_client("INFO")
    yield
    sdk.setLevel(level)


@pytest.mark.usefixtures("production_logging")
def test_an_unreachable_websocket_is_retried_with_back_off_never_called_connected(
    slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path, caplog
) -> None:
    slack.socket_mode = DeadEnd()
    runtime = build(make_settings(slack, tmp_path / "d.db", app_token=APP_TOKEN))
    try:
        with caplog.at_level(logging.INFO):
            runtime.socket.open()  # the token works: the websocket is retried behind
            eventually(lambda: "retrying in 2 s" in caplog.text)  # the first retry failed too
            assert "socket connected" not in caplog.text
            assert "established" not in caplog.text
            assert "retrying in 1 s (0 of 2 open)" in caplog.text
            slack.socket_mode = socket_mode  # Slack is back
            socket_mode.wait_connected(2, timeout=10)
    finally:
        runtime.close()


@socket_only
def test_the_request_log_line_names_the_transport(
    running: Running, socket_mode: FakeSocketMode, caplog: pytest.LogCaptureFixture
) -> None:
    socket_mode.wait_connected(2)
    with caplog.at_level(logging.INFO, logger="delight.requests"):
        running.sender.command("tally")
    (line,) = caplog.messages
    assert line.startswith(f"request via=socket kind=command team={TEAM_ID} channel=C0TEAM")
    assert "action=tally status=200" in line
    assert json.dumps({}) not in line


@socket_only
def test_slack_sdk_still_records_the_pongs_the_supervisor_reads(
    running: Running, socket_mode: FakeSocketMode
) -> None:
    """The stale check reads slack_sdk's ``Connection.last_ping_pong_time``: an upgrade that
    stops recording it must fail here, not churn connections in production."""
    socket_mode.wait_connected(2)
    eventually(lambda: all(running.runtime.socket.last_pongs()), what="a pong recorded")
    assert len(running.runtime.socket.last_pongs()) == 2


class StateBuiltLate(ConnectionState):
    """slack_sdk's ``connect()`` installs its new connection a moment before it builds the new
    connection's state. This state, built in that moment, waits there until slack_sdk's reading
    thread has started reading the new connection with the state it found (the previous one),
    as a busy machine now and then makes it: the race this forces is real, only rare."""

    clients: ClassVar[list] = []
    forced = threading.Event()

    def __init__(self) -> None:
        super().__init__()
        if self.forced.is_set():
            return
        # connect() has just ended the previous state and installed the new connection.
        (client,) = [
            c
            for c in self.clients
            if c.current_session_state.terminated and c.current_session.is_active()
        ]
        previous, session = client.current_session_state, client.current_session
        eventually(
            lambda: not previous.terminated and session.last_ping_pong_time is not None,
            timeout=10,
            what="slack_sdk's reader to read the new connection with the previous state",
        )
        self.forced.set()


@socket_only
def test_a_connection_replaced_while_its_reader_looks_is_read_and_closes(
    running: Running, socket_mode: FakeSocketMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """slack_sdk's reader loops on a connection until the state it was handed is ended, and
    ``connect()`` and ``close()`` end the client's current state. A reader that started in the
    middle of a ``connect()`` holds the previous state, which nobody ends: once that
    connection closes it sleeps forever, so it never reads the next one, and ``close()``,
    which waits for it with no timeout, never returns (how CI hung after every test passed).
    Delight ends every state a ``connect()`` left behind, and keeps ending them while closing."""
    first, _ = socket_mode.wait_connected(2)
    StateBuiltLate.clients = list(running.runtime.socket._clients)
    StateBuiltLate.forced.clear()
    monkeypatch.setattr(builtin_client, "ConnectionState", StateBuiltLate)
    socket_mode.drop(first)
    second = socket_mode.wait_opened(3)[-1]
    assert StateBuiltLate.forced.wait(10)
    # The replacement answers, and so does its own replacement.
    assert socket_mode.send("slash_commands", slash_command(), link=second) is not None
    socket_mode.drop(second)
    third = socket_mode.wait_opened(4)[-1]
    assert socket_mode.send("slash_commands", slash_command(), link=third) is not None
    closing = threading.Thread(target=running.runtime.socket.close)
    closing.start()
    closing.join(10)
    assert not closing.is_alive(), "the Socket Mode connections did not close"
    assert "socket-close" not in [t.name for t in threading.enumerate()]
