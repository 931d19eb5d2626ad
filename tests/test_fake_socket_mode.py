"""The Socket Mode fake speaks Slack's protocol to slack_sdk's built-in Socket Mode client."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.fake_slack import APP_ID, FakeSlack
from tests.fake_socket_mode import FakeSocketMode

APP_TOKEN = "xapp-1-test"


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every thread a test started (client, fake, timers) has ended once its fixtures closed."""
    before = set(threading.enumerate())
    yield
    extra = [t for t in threading.enumerate() if t not in before]
    for thread in extra:
        thread.join(2)
    # FakeSlack's HTTP handler threads belong to the session-wide fake and end on their own.
    alive = [t for t in extra if t.is_alive() and "process_request" not in t.name]
    assert not alive, f"threads left running: {alive}"


class App:
    """slack_sdk's built-in client, acking every request with a payload, remembering what came."""

    def __init__(self, slack: FakeSlack) -> None:
        self.client = SocketModeClient(
            app_token=APP_TOKEN, web_client=WebClient(base_url=slack.api_url)
        )
        self.messages: queue.Queue[dict] = queue.Queue()
        self.requests: queue.Queue[SocketModeRequest] = queue.Queue()
        self.client.message_listeners.append(lambda _c, message, _raw: self.messages.put(message))
        self.client.socket_mode_request_listeners.append(self._ack)

    def _ack(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        self.requests.put(request)
        reply = {"text": f"got {request.payload.get('command') or request.type}"}
        client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload=reply)
        )

    def next_message(self, of_type: str) -> dict:
        while True:
            message = self.messages.get(timeout=5)
            if message.get("type") == of_type:
                return message


@pytest.fixture
def app(slack: FakeSlack, socket_mode: FakeSocketMode) -> Iterator[App]:
    app = App(slack)
    try:
        yield app
    finally:
        close_quickly(app.client, socket_mode)


def close_quickly(client: SocketModeClient, socket_mode: FakeSocketMode) -> None:
    """``client.close()`` without its waits: it closes its socket under its reading thread,
    which stays blocked in recv() for up to its 3 s receive timeout, and its message thread
    waits up to 1 s on an empty queue. End the connections from the server side (with no
    reconnecting), and wake the message thread once ``closed`` is set.
    """
    client.auto_reconnect_enabled = False
    for link in socket_mode.connections():
        socket_mode.drop(link)
    client.closed = True
    client.message_queue.put(None)  # skipped by process_message(); the loop then sees closed
    client.close()


@contextmanager
def raw_client(socket_mode: FakeSocketMode) -> Iterator[ClientConnection]:
    """A plain websocket client on a fresh ticket, its hello already read."""
    with connect(socket_mode.open_url(), compression=None) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "hello"
        yield ws


def test_the_client_connects_and_gets_hello(app: App, slack: FakeSlack, socket_mode):
    app.client.connect()

    (link,) = socket_mode.wait_connected()
    hello = app.next_message("hello")
    assert hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": APP_ID}
    assert hello["debug_info"]["host"] == "fake"
    (opened,) = slack.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN and opened.ok
    assert link.ticket and link.open


def test_an_envelope_is_acked_with_its_payload(app: App, socket_mode):
    app.client.connect()
    socket_mode.wait_connected()

    ack = socket_mode.send("slash_commands", {"command": "/delight", "text": "3"})

    assert ack is not None
    assert ack["payload"] == {"text": "got /delight"}
    request = app.requests.get(timeout=5)
    assert request.envelope_id == ack["envelope_id"]
    assert request.type == "slash_commands" and request.accepts_response_payload
    assert request.payload == {"command": "/delight", "text": "3"}
    assert socket_mode.acks == [ack]


def test_an_event_carries_its_retry_fields(app: App, socket_mode):
    app.client.connect()
    socket_mode.wait_connected()

    event = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened"}}
    ack = socket_mode.send("events_api", event, retry_attempt=1, retry_reason="timeout")

    assert ack is not None
    request = app.requests.get(timeout=5)
    assert (request.retry_attempt, request.retry_reason) == (1, "timeout")
    assert request.accepts_response_payload is False


def test_a_malformed_envelope_and_a_non_json_frame(app: App, socket_mode):
    # The built-in client hands no request to its listeners for a payload that isn't an
    # object (nor a string): ack it from the raw message listener, as an app could.
    def ack_raw(client, message: dict, _raw: str) -> None:
        if message.get("envelope_id") == "bad-1":
            client.send_socket_mode_response({"envelope_id": "bad-1"})

    app.client.message_listeners.append(ack_raw)
    app.client.connect()
    socket_mode.wait_connected()

    socket_mode.send_raw("this is not JSON")
    socket_mode.send_raw(json.dumps({"envelope_id": "bad-1", "type": "interactive", "payload": []}))

    assert socket_mode.wait_ack("bad-1") == {"envelope_id": "bad-1", "_link": 1}
    assert socket_mode.send("interactive", {"type": "block_actions"}) is not None


def test_refresh_requested_makes_the_client_open_a_new_connection(
    app: App, slack: FakeSlack, socket_mode
):
    app.client.connect()
    (old,) = socket_mode.wait_connected()

    socket_mode.disconnect("refresh_requested")

    new = socket_mode.wait_opened(2)[1]
    socket_mode.wait_closed(old)
    assert socket_mode.connections() == [new]
    assert len(slack.calls_to("apps.connections.open")) == 2
    assert new.ticket != old.ticket
    ack = socket_mode.send("slash_commands", {"command": "/delight"})
    assert ack is not None and ack["_link"] == new.id


def test_drop_cuts_the_connection_under_the_client(app: App, socket_mode):
    app.client.connect()
    (link,) = socket_mode.wait_connected()

    socket_mode.drop()

    socket_mode.wait_closed(link)
    assert link.dropped_at is not None and link.closed_at >= link.dropped_at
    assert socket_mode.connections() == []


def test_drop_sends_no_close_frame(socket_mode):
    with raw_client(socket_mode) as ws:
        socket_mode.wait_connected()

        socket_mode.drop()

        with pytest.raises(ConnectionClosedError) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is None  # the stream ended with no close frame


def test_disconnect_closes_the_old_connection_when_the_app_does_not(socket_mode):
    with raw_client(socket_mode) as ws:
        socket_mode.wait_connected()

        socket_mode.disconnect("warning", grace=0.1)

        assert json.loads(ws.recv(timeout=5)) == {"type": "disconnect", "reason": "warning"}
        with pytest.raises(ConnectionClosedOK) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.reason == "warning"


def test_acks_are_matched_by_envelope_id_from_any_connection(socket_mode):
    with raw_client(socket_mode) as first, raw_client(socket_mode) as second:
        socket_mode.wait_connected(2)
        one = socket_mode.deliver("slash_commands", {"command": "/a"})
        two = socket_mode.deliver("slash_commands", {"command": "/b"})
        # Round robin: one envelope on each connection.
        assert json.loads(first.recv(timeout=5))["envelope_id"] == one
        assert json.loads(second.recv(timeout=5))["envelope_id"] == two
        assert socket_mode.wait_ack(one, timeout=0) is None

        second.send(json.dumps({"envelope_id": one, "payload": {"text": "late"}}))

        assert socket_mode.wait_ack(one) == {
            "envelope_id": one,
            "payload": {"text": "late"},
            "_link": 2,
        }
        assert socket_mode.ack_of(two) is None


def test_a_ticket_is_good_for_one_connection(socket_mode):
    url = socket_mode.open_url()
    with connect(url):
        pass

    with pytest.raises(InvalidStatus) as refused:
        connect(url)
    assert refused.value.response.status_code == 401
    assert socket_mode.refused == 1


def test_apps_connections_open_faults_and_token_types(slack: FakeSlack, socket_mode):
    web = WebClient(base_url=slack.api_url)
    with pytest.raises(SlackApiError) as wrong:
        web.apps_connections_open(app_token="xoxb-test-token")
    assert wrong.value.response["error"] == "not_allowed_token_type"

    slack.fail("apps.connections.open", "invalid_auth", times=1)
    with pytest.raises(SlackApiError) as failed:
        web.apps_connections_open(app_token=APP_TOKEN)
    assert failed.value.response["error"] == "invalid_auth"

    url = web.apps_connections_open(app_token=APP_TOKEN)["url"]
    assert url.startswith(f"ws://127.0.0.1:{socket_mode.port}/link/?ticket=")


def test_reset_closes_connections_and_forgets(socket_mode):
    with raw_client(socket_mode) as ws:
        (link,) = socket_mode.wait_connected()
        envelope_id = socket_mode.deliver("interactive", {"type": "shortcut"})
        assert json.loads(ws.recv(timeout=5))["envelope_id"] == envelope_id
        ws.send(json.dumps({"envelope_id": envelope_id}))
        socket_mode.wait_ack(envelope_id)

        socket_mode.reset()

        assert not link.open
        assert socket_mode.links == [] and socket_mode.acks == []
        with pytest.raises(ConnectionClosedOK):
            ws.recv(timeout=5)
