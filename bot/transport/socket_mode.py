"""Socket Mode: websocket connections to Slack kept open, every envelope acknowledged.

The transport's own edge, as ``bot.transport.http`` is HTTP's: it turns an envelope into Bolt's
request and Bolt's answer into the acknowledgement. Everything about the request itself (its shape,
the log line, redeliveries, errors) happens inside Bolt, as it does over HTTP.

Why not Bolt's ``SocketModeHandler`` as it is (it runs slack_sdk's built-in client, as this
does; no extra dependency):
- It acknowledges only what Bolt answered with 200, so a malformed envelope would be
  delivered again and again. Here every envelope is acknowledged, and one that can't be
  read gets one log line naming the problem.
- Its client reconnects on its own, logs "A new session has been established" even when
  the websocket could not be opened, and retries a failing one every ping interval forever.
  Here one supervisor does it, with back-off, and says what failed.
- One connection leaves a gap while it is replaced. Slack lets an app hold up to 10 and
  delivers each envelope to one of them; Delight keeps ``CONNECTIONS``, so a dropped one
  leaves the other answering while it is replaced.
- Its client notices a connection dropped without a close frame only after five failed
  pings in a row (about a minute at Bolt's 10 s interval), spinning on the dead socket
  meanwhile. Here the supervisor pings every ``PING_INTERVAL`` seconds and drops a
  connection whose last pong is more than ``STALE_AFTER`` pings old, then replaces it.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import urlparse

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.builtin.connection import ConnectionState
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.slack.errors import SLACK_ERRORS
from bot.slack.identity import SlackCheckFailed, socket_url
from bot.slack.shapes import UNREADABLE
from bot.transport.requestlog import log_request

logger = logging.getLogger("delight.socket")
# slack_sdk's own lines ("A new session has been established", even when none was) are
# replaced by ours; the entry point shows them only at DEBUG.
SDK_LOGGER = "delight.socket.sdk"
_sdk_logger = logging.getLogger(SDK_LOGGER)

CONNECTIONS = 2
PING_INTERVAL = 1.0
STALE_AFTER = 3.0
SUPERVISE_EVERY = 0.5
FIRST_RETRY = 1.0
MAX_RETRY = 30.0
# The most closing the connections waits for slack_sdk, and how often it ends their states.
CLOSE_SECONDS = 10.0
END_STATES_EVERY = 0.1


def ack_payload(response: BoltResponse) -> dict[str, Any] | None:
    """What goes back with the acknowledgement: Bolt's answer when it is a 200 with a body
    (a slash command's reply, a view's ``response_action``), else nothing."""
    if response.status != 200 or not response.body:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    if content_type.startswith("application/json"):
        return json.loads(response.body)
    return {"text": response.body}


def retry_headers(envelope: dict[str, Any]) -> dict[str, str]:
    """Socket Mode's retry fields as the headers HTTP delivers them in (as Bolt does)."""
    headers = {}
    if isinstance(envelope.get("retry_attempt"), int):
        headers["x-slack-retry-num"] = str(envelope["retry_attempt"])
    if isinstance(envelope.get("retry_reason"), str) and envelope["retry_reason"]:
        headers["x-slack-retry-reason"] = envelope["retry_reason"]
    return headers


class _Client(SocketModeClient):
    """slack_sdk's client, with the states of its replaced connections ended.

    slack_sdk's reading thread reads a connection until the state object it was handed says
    ``terminated``; ``connect()`` and ``close()`` end the client's current state. But
    ``connect()`` installs its new connection a moment before it builds the new state, and a
    reader that starts in that moment keeps the previous one, which nothing ends: once its
    connection closes it sleeps forever, never reading the next connection, and ``close()``
    (which waits for it with no timeout) never returns. So every state a ``connect()``
    replaced is ended as soon as it returns (the reader can only have picked it up before),
    and all of them again while closing.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The states connect() replaced (a reader ends within a ping of its state's end, so
        # only the last few can still be held).
        self._replaced: deque[ConnectionState] = deque(maxlen=8)

    def connect(self) -> None:
        replaced = self.current_session_state
        super().connect()
        self._replaced.append(replaced)
        self.end_replaced_states()

    def end_replaced_states(self) -> None:
        for state in list(self._replaced):
            state.terminated = True

    def end_every_state(self) -> None:
        """While closing: no reader may go on, whichever state it holds."""
        self.end_replaced_states()
        self.current_session_state.terminated = True

    def enqueue_message(self, message: str) -> None:
        """Frames that are not JSON objects never reach slack_sdk's parse (which would log a
        traceback); they carry no envelope id, so there is nothing to acknowledge."""
        try:
            parsed = json.loads(message)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            logger.warning("socket frame dropped: not a JSON object")
            return
        super().enqueue_message(message)


def _close(client: SocketModeClient) -> None:
    """``client.close()``, with its message thread woken at once rather than after its
    1 s wait on an empty queue: it sees ``closed`` and ends."""
    client.closed = True
    client.message_queue.put(None)  # skipped by slack_sdk's process_message
    client.close()


def _close_all(clients: list[_Client], timeout: float) -> bool:
    """Close the clients side by side (each waits out its reader's receive timeout, about
    3 s); True if all of them finished within ``timeout``.

    ``close()`` ends the current state, then disconnects, then waits for the reader. A reader
    that was starting a run just then sets its state going again after that end, and would
    sleep forever on the closed connection; so the states are ended again until every
    ``close()`` has returned. The closing threads are daemons: one that slack_sdk keeps
    waiting past ``timeout`` can't keep the process from exiting.
    """
    closers = [
        threading.Thread(target=_close, args=(client,), name="socket-close", daemon=True)
        for client in clients
    ]
    for closer in closers:
        closer.start()
    deadline = time.monotonic() + timeout
    for client, closer in zip(clients, closers, strict=True):
        while closer.is_alive() and time.monotonic() < deadline:
            client.end_every_state()
            closer.join(END_STATES_EVERY)
    return not any(closer.is_alive() for closer in closers)


class SocketMode:
    def __init__(
        self,
        app: App,
        app_token: str,
        client: WebClient,
        connections: int = CONNECTIONS,
        ping_interval: float = PING_INTERVAL,
    ) -> None:
        self._app = app
        self._app_token = app_token
        self._web = client
        self._count = connections
        self._ping_interval = ping_interval
        self._clients: list[_Client] = []
        self._retry_at: dict[int, float] = {}
        self._failures: dict[int, int] = {}
        self._was_open: dict[int, bool] = {}
        self._opened_at: dict[int, float] = {}
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    def open(self) -> None:
        """Open the connections. Raise ``SlackCheckFailed`` if Slack refuses the app token
        (or can't be reached); a websocket that can't be opened is retried in the background."""
        for index in range(self._count):
            client = _Client(
                app_token=self._app_token,
                logger=_sdk_logger,
                web_client=self._web,
                auto_reconnect_enabled=False,
                ping_interval=self._ping_interval,
            )
            client.message_listeners.append(self._on_message)
            self._clients.append(client)
            self._connect(index, at_start=True)
        self._supervisor = threading.Thread(
            target=self._supervise, name="socket-supervisor", daemon=True
        )
        self._supervisor.start()

    def open_connections(self) -> int:
        return sum(1 for client in self._clients if client.is_connected())

    def close(self) -> None:
        """Stop reconnecting and close every connection; envelopes being handled finish."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(5)
        if not _close_all(self._clients, CLOSE_SECONDS):
            logger.warning("socket close still waiting for slack_sdk after %.0f s", CLOSE_SECONDS)
        logger.info("socket closed")

    def _connect(self, index: int, at_start: bool = False) -> None:
        client = self._clients[index]
        if not client.connect_operation_lock.acquire(timeout=1):
            return  # slack_sdk is replacing this connection itself (a refresh_requested)
        try:
            if client.is_connected():
                return
            try:
                client.wss_uri = socket_url(self._web, self._app_token, self._web.base_url)
            except SlackCheckFailed as error:
                if at_start:
                    raise
                self._failed(index, str(error))
                return
            client.connect()
        finally:
            client.connect_operation_lock.release()
        if client.is_connected():
            self._failures[index] = 0
            self._was_open[index] = True
            self._opened_at[index] = time.time()
            logger.info(
                "socket connected (%d of %d open)", self.open_connections(), len(self._clients)
            )
        else:
            host = urlparse(client.wss_uri or "").hostname or "?"
            self._failed(index, f"the websocket at {host} could not be opened")

    def _failed(self, index: int, problem: str) -> None:
        failures = self._failures.get(index, 0) + 1
        self._failures[index] = failures
        delay = min(MAX_RETRY, FIRST_RETRY * 2 ** (failures - 1)) * random.uniform(0.8, 1.2)
        self._retry_at[index] = time.monotonic() + delay
        logger.warning(
            "socket connection failed: %s; retrying in %.0f s (%d of %d open)",
            problem,
            delay,
            self.open_connections(),
            len(self._clients),
        )

    def _supervise(self) -> None:
        while not self._stopping.wait(SUPERVISE_EVERY):
            for index, client in enumerate(self._clients):
                if self._stopping.is_set():
                    return
                try:
                    self._look_after(index, client)
                except Exception:  # the supervisor must outlive any one failure
                    logger.exception("socket supervision failed")

    def _look_after(self, index: int, client: SocketModeClient) -> None:
        """Replace the connection if it went stale or was lost, when its back-off allows."""
        if client.is_connected() and self._is_stale(index, client):
            client.disconnect()
        if client.is_connected():
            return
        if self._was_open.pop(index, False):
            logger.warning(
                "socket connection lost; reconnecting (%d of %d open)",
                self.open_connections(),
                len(self._clients),
            )
        if time.monotonic() >= self._retry_at.get(index, 0.0):
            self._connect(index)

    def _is_stale(self, index: int, client: SocketModeClient) -> bool:
        """No pong for ``STALE_AFTER`` pings: the peer is gone (or the path to it is).

        slack_sdk's connection records when the last pong came in ``last_ping_pong_time``
        (its monitor pings every interval); tests/bot/transport/test_socket_mode.py checks it
        still does.
        """
        last = client.current_session.last_ping_pong_time
        since = last or self._opened_at.get(index, time.time())
        return time.time() - since > STALE_AFTER * self._ping_interval

    def last_pongs(self) -> list[float | None]:
        """When each open connection last heard a pong (``time.time()``; None: not yet)."""
        return [c.current_session.last_ping_pong_time for c in self._clients if c.is_connected()]

    def _on_message(self, client: SocketModeClient, message: dict, _raw: str) -> None:
        envelope_id = message.get("envelope_id")
        if not isinstance(envelope_id, str) or not envelope_id:
            return  # hello, disconnect (slack_sdk handles it), or nothing to acknowledge
        try:
            payload = self.dispatch(message)
        except Exception as error:  # acknowledged all the same: Slack would deliver it again
            logger.error("socket envelope failed: %s", type(error).__name__)
            payload = None
        try:
            client.send_socket_mode_response(
                SocketModeResponse(envelope_id=envelope_id, payload=payload)
            )
        except SLACK_ERRORS as error:  # the connection died meanwhile: Slack delivers it again
            logger.warning("socket acknowledgement failed: %s", type(error).__name__)

    def dispatch(self, envelope: dict[str, Any]) -> dict[str, Any] | None:
        """Bolt's answer to one envelope, as the acknowledgement's payload."""
        started = time.perf_counter()
        payload = envelope.get("payload")
        problem = None
        if not isinstance(payload, dict):
            problem = "payload is not an object"
        else:
            try:
                request = BoltRequest(
                    mode="socket_mode", body=payload, headers=retry_headers(envelope)
                )
            except UNREADABLE:
                problem = "fields of unexpected types"
        if problem:
            ms = f"{(time.perf_counter() - started) * 1000:.1f}"
            log_request({"via": "socket", "kind": "unreadable", "status": "400", "ms": ms}, problem)
            return None
        return ack_payload(self._app.dispatch(request))
