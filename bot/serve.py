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


class HttpServer:
    def __init__(
        self,
        app: Callable,
        host: str,
        port: int,
        threads: int,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self._server = create_server(app, host=host, port=port, threads=threads, ident="delight")
        self._drain_seconds = drain_seconds
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return self._server.effective_port

    def run(self) -> None:
        """Serve until ``stop()``; returns once accepted requests are answered."""
        self._server.run()
        self._server.task_dispatcher.shutdown()

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
        self._server.trigger.pull_trigger(self._close_connections)

    def _close_connections(self) -> None:
        for dispatcher in list(self._server._map.values()):
            dispatcher.close()

    def _idle(self) -> bool:
        dispatcher = self._server.task_dispatcher
        if dispatcher.active_count or dispatcher.queue:
            return False
        channels = [c for c in list(self._server._map.values()) if isinstance(c, HTTPChannel)]
        return not any(c.requests or c.total_outbufs_len for c in channels)
