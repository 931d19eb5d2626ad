"""A fake of Slack's Socket Mode: a real websocket server on 127.0.0.1, speaking Slack's protocol.

Attach it to a ``FakeSlack`` (``slack.socket_mode = fake``): ``apps.connections.open``, called
with an ``xapp-`` token, then answers ``ws://127.0.0.1:PORT/link/?ticket=...`` with a fresh,
single-use ticket. On connect the fake sends ``hello``; ``send()`` delivers an envelope to one
open connection and waits for the app's ack; ``disconnect()`` asks the app to reconnect the way
Slack does, and ``drop()`` cuts a connection's TCP socket without a websocket close frame.

Pings are answered with pongs by the ``websockets`` library. The fake does not ping the app
(``ping_interval=None``) unless told to, and it does not deliver an unacknowledged envelope
again on its own: a test that wants Slack's retry sends it again with ``retry_attempt``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from tests.fake_slack import APP_ID


@dataclass
class Link:
    """One websocket connection from the app, as the fake sees it."""

    id: int
    ticket: str
    ws: ServerConnection = field(repr=False)
    # The fake's monotonic times: handshake done, connection gone (either side), drop() called.
    opened_at: float
    closed_at: float | None = None
    dropped_at: float | None = None
    # Every text frame the app sent on this connection (acks included), in order.
    received: list[str] = field(default_factory=list, repr=False)

    @property
    def open(self) -> bool:
        return self.closed_at is None


class FakeSocketMode:
    def __init__(self, app_id: str = APP_ID, ping_interval: float | None = None) -> None:
        self.app_id = app_id
        self.links: list[Link] = []  # every connection since the last reset, oldest first
        # Every ack the app sent, in arrival order: the message as sent, plus "_link" (its id).
        self.acks: list[dict[str, Any]] = []
        # Tickets handed out by apps.connections.open and not used yet; and refused connects.
        self._tickets: set[str] = set()
        self._ticket_of: dict[ServerConnection, str] = {}  # handshakes that presented one
        self.refused = 0
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._turn = itertools.count()
        self._closing = False
        self._timers: list[threading.Thread] = []
        self._server: Server = serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,
            ping_interval=ping_interval,
            close_timeout=1,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- what FakeSlack's apps.connections.open uses

    @property
    def port(self) -> int:
        return self._server.socket.getsockname()[1]

    def open_url(self) -> str:
        """A fresh websocket URL, as ``apps.connections.open`` answers it."""
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # -- looking at connections

    def connections(self) -> list[Link]:
        """The open connections, oldest first."""
        with self._cond:
            return [link for link in self.links if link.open]

    def wait_connected(self, n: int = 1, timeout: float = 5.0) -> list[Link]:
        """Wait until ``n`` connections are open at once; fail the test if they aren't."""
        return self._wait(lambda: len(self.connections()) >= n, timeout, f"{n} open connection(s)")

    def wait_opened(self, count: int, timeout: float = 5.0) -> list[Link]:
        """Wait until ``count`` connections have been opened since the last reset (any still
        open or not); returns all of them, oldest first."""
        return self._wait(lambda: len(self.links) >= count, timeout, f"{count} connection(s)")

    def wait_closed(self, link: Link, timeout: float = 5.0) -> Link:
        self._wait(lambda: not link.open, timeout, f"connection {link.id} closed")
        return link

    def _wait(self, done: Any, timeout: float, what: str) -> list[Link]:
        with self._cond:
            ok = self._cond.wait_for(done, timeout)
            links = list(self.links)
        assert ok, f"expected {what}; connections: {links}"
        return links

    # -- envelopes

    def deliver(
        self,
        envelope_type: str,
        payload: Any,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        envelope_id: str | None = None,
        link: Link | None = None,
    ) -> str:
        """Send an envelope to one open connection (round robin) without waiting; returns its
        envelope id. ``accepts_response_payload`` defaults to True but for ``events_api``."""
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": (
                envelope_type != "events_api"
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if envelope_type == "events_api" or retry_attempt or retry_reason:
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        self.send_raw(json.dumps(envelope), link=link)
        return envelope_id

    def send(
        self,
        envelope_type: str,
        payload: Any,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        timeout: float = 5.0,
        link: Link | None = None,
    ) -> dict[str, Any] | None:
        """Deliver an envelope and wait for its ack (from any connection): the ack, or None."""
        envelope_id = self.deliver(
            envelope_type,
            payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            accepts_response_payload=accepts_response_payload,
            link=link,
        )
        return self.wait_ack(envelope_id, timeout)

    def send_raw(self, text: str, link: Link | None = None) -> Link:
        """Send any text frame (not JSON, a malformed envelope...) to one open connection."""
        link = link or self._pick()
        link.ws.send(text)
        return link

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any] | None:
        """The app's ack of ``envelope_id`` (the first, should it come twice), or None."""
        with self._cond:
            self._cond.wait_for(lambda: self.ack_of(envelope_id) is not None, timeout)
            return self.ack_of(envelope_id)

    def ack_of(self, envelope_id: str) -> dict[str, Any] | None:
        with self._cond:
            return next((a for a in self.acks if a.get("envelope_id") == envelope_id), None)

    def _pick(self) -> Link:
        with self._cond:
            links = self.connections()
            assert links, "no open Socket Mode connection to send to"
            return links[next(self._turn) % len(links)]

    # -- what Slack does to connections

    def disconnect(
        self, reason: str = "refresh_requested", link: Link | None = None, grace: float = 3.0
    ) -> Link:
        """Send ``{"type": "disconnect", "reason": ...}`` on a connection (the oldest open one),
        then close it (with a close frame) once the app has opened another connection, or
        after ``grace`` seconds, whichever comes first."""
        with self._cond:
            link = link or self._oldest()
            opened = len(self.links)
        link.ws.send(json.dumps({"type": "disconnect", "reason": reason}))

        def close_later() -> None:
            with self._cond:
                self._cond.wait_for(
                    lambda: self._closing or not link.open or len(self.links) > opened, grace
                )
            if link.open:
                link.ws.close(1000, reason)

        timer = threading.Thread(target=close_later, daemon=True)
        with self._cond:
            self._timers.append(timer)
        timer.start()
        return link

    def drop(self, link: Link | None = None) -> Link:
        """Cut a connection (the oldest open one) at the TCP level, without a close frame: the
        app sees the socket end (FIN), as when a load balancer or the network gives up."""
        with self._cond:
            link = link or self._oldest()
            link.dropped_at = time.monotonic()
        sock = link.ws.socket
        with contextlib.suppress(OSError):  # already gone
            sock.shutdown(socket.SHUT_RDWR)
        # The library sees the end of the stream, stops and closes the socket itself: closing
        # it here, under its reading thread, could hand the descriptor number to another socket.
        return link

    def _oldest(self) -> Link:
        links = self.connections()
        assert links, "no open Socket Mode connection"
        return links[0]

    # -- life cycle

    def reset(self) -> None:
        """Close every connection and forget them, their acks and unused tickets."""
        for link in self.connections():
            link.ws.close(1001, "reset")
            self.wait_closed(link)
        self._join_timers()
        with self._cond:
            self.links.clear()
            self.acks.clear()
            self._tickets.clear()
            self._ticket_of.clear()
            self.refused = 0

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._join_timers()
        self._server.shutdown()  # closes the connections and waits for their threads
        self._thread.join(5)

    def _join_timers(self) -> None:
        with self._cond:
            timers, self._timers = self._timers, []
            self._cond.notify_all()
        for timer in timers:
            timer.join(5)

    # -- the server side

    def _check_ticket(self, ws: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._cond:
            if url.path == "/link/" and ticket in self._tickets:
                self._tickets.discard(ticket)
                self._ticket_of[ws] = ticket
                return None
            self.refused += 1
        return ws.respond(401, "unknown or used ticket\n")

    def _handle(self, ws: ServerConnection) -> None:
        with self._cond:
            ticket = self._ticket_of.pop(ws)
            link = Link(next(self._ids), ticket, ws, opened_at=time.monotonic())
            self.links.append(link)
            hello = {
                "type": "hello",
                "num_connections": len(self.connections()),
                "connection_info": {"app_id": self.app_id},
                "debug_info": {"host": "fake", "approximate_connection_time": 18060},
            }
            self._cond.notify_all()
        try:
            ws.send(json.dumps(hello))
            for message in ws:
                self._received(link, message if isinstance(message, str) else message.decode())
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                link.closed_at = time.monotonic()
                self._cond.notify_all()

    def _received(self, link: Link, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        with self._cond:
            link.received.append(text)
            if isinstance(message, dict) and "envelope_id" in message:
                self.acks.append({**message, "_link": link.id})
            self._cond.notify_all()
