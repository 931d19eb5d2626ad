"""HTTP serving with a graceful stop: on SIGTERM, finish what was accepted, then exit.

waitress runs its socket loop in the main thread and hands requests to worker threads. To
stop gracefully we close the listening socket (no new connections), keep the loop running
until every accepted request has been answered and its response flushed, and only then end
the loop by closing every connection from inside it. Whatever a listener still does after
acknowledging (posting a poll, a thank-you) is finished afterwards by the runtime's shutdown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from waitress.channel import HTTPChannel
from waitress.server import create_server

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 20.0
# Open connections waitress accepts (its default is 100). Past the limit it stops accepting,
# and a new connection waits in the listen backlog until one of the open ones closes; Slack
# and proxies keep theirs alive (idle for up to waitress's channel_timeout, 120 s), so in a
# burst of more than 100 clicks the late ones would miss Slack's 3 seconds. waitress watches
# its sockets with select(), which takes file descriptors below 1024 only: 500 leaves room
# for the database files, the clients' connections to Slack and the rest. (Its poll() option
# costs more per turn of the loop: bench/ack_latency.py's bare app lost a third of its clicks
# per second with it.)
CONNECTION_LIMIT = 500


class HttpServer:
    def __init__(
        self,
        app: Callable,
        host: str,
        port: int,
        threads: int,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=CONNECTION_LIMIT,
            ident="delight",
        )
        self._accept_one = self._server.handle_accept
        self._server.handle_accept = self._accept_waiting
        self._drain_seconds = drain_seconds
        self._stopping = threading.Event()

    def _accept_waiting(self) -> None:
        """Take every connection waiting in the backlog, up to the connection limit.

        waitress takes one per turn of its loop, and a turn lasts as long as the reads and
        writes of every connection that is ready: under a burst of clicks a turn took ~30 ms,
        so the 100th new connection waited 3 s to be taken (bench/ack_latency.py).
        """
        connections = self._server._map
        while len(connections) < CONNECTION_LIMIT:
            before = len(connections)
            self._accept_one()  # waitress's own: socket options, the channel, errors logged
            if len(connections) == before:
                return  # none was waiting (or accept failed; the loop will try again)

    @property
    def port(self) -> int:
        return self._server.effective_port

    def run(self) -> None:
        """Serve until ``stop()``; returns once accepted requests are answered."""
        self._server.run()
        self._server.task_dispatcher.shutdown()

    def close(self) -> None:
        """Release the port of a server that never ran."""
        self._server.close()

    def stop(self) -> None:
        """Stop accepting, drain, then end ``run()``. Safe to call from a signal handler."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        threading.Thread(target=self._drain, name="drain", daemon=True).start()

    def _stop_accepting(self) -> None:
        # Runs inside waitress's loop (via its trigger), between two waits on the sockets.
        server = self._server
        server.accepting = False
        server.del_channel()
        server.socket.close()

    def _drain(self) -> None:
        self._server.trigger.pull_trigger(self._stop_accepting)
        deadline = time.monotonic() + self._drain_seconds
        while not self._idle():
            if time.monotonic() >= deadline:
                logger.warning("stopping with requests still in flight")
                break
            time.sleep(0.02)
        # The loop runs while it has sockets to watch: close them all, from inside the loop.
        try:
            self._server.trigger.pull_trigger(self._close_connections)
        except OSError:
            # The loop had nothing left to watch and already ended, closing its trigger
            # (seen when the last request was answered just before SIGTERM): done.
            logger.debug("server loop already ended")

    def _close_connections(self) -> None:
        for dispatcher in list(self._server._map.values()):
            dispatcher.close()

    def _idle(self) -> bool:
        dispatcher = self._server.task_dispatcher
        if dispatcher.active_count or dispatcher.queue:
            return False
        channels = [c for c in list(self._server._map.values()) if isinstance(c, HTTPChannel)]
        return not any(c.requests or c.total_outbufs_len for c in channels)
