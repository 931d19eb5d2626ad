"""HTTP serving on cheroot, with a graceful stop: on SIGTERM, finish what was accepted, then exit.

cheroot (CherryPy's WSGI server) watches its idle keep-alive connections with the platform's
selector (epoll on Linux: no limit of 1024 file descriptors) in one thread and hands each
connection that has a request to a fixed pool of worker threads, which read it, call the app
and write the answer. Its documented ``stop()`` is the graceful stop we need: it stops
accepting, closes the idle connections, lets the workers finish every connection already
handed to them (answers written; a kept-alive connection is closed once answered) and waits
for them, up to ``shutdown_timeout``; then it cuts off the connections still being read, and
waits for a worker still inside the app (Bolt answers, or gives up, within 3 s). Whatever a
listener still does after acknowledging (posting a poll, a thank-you) is finished afterwards
by the runtime's shutdown. Only documented attributes, ``prepare()``, ``serve()``, ``stop()``
and the ``error_log`` hook are used, so an upgrade of cheroot has nothing private to break.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable

from cheroot import wsgi

logger = logging.getLogger(__name__)

# The most ``stop()`` waits for the requests being read and answered before cutting them off.
DRAIN_SECONDS = 20.0
# Idle keep-alive connections kept open (cheroot's default is 10). Past the limit an answer
# says ``Connection: close`` and the client opens a new connection for its next request, so
# nothing waits; but Slack and proxies keep theirs alive, and in a burst of clicks each new
# connection costs a handshake (with Slack, a TLS one). 500 leaves room below a soft limit of
# 1,024 open files for the database, the clients' connections to Slack and the rest.
CONNECTION_LIMIT = 500
# Connections waiting in the kernel to be accepted (cheroot's default is 5): a burst of new
# connections must not overflow it, or the client waits a second to try again.
BACKLOG = 1024
# How long a connection may stay idle, or a request stall on its way in, in seconds.
IDLE_SECONDS = 10
# How often the selector thread checks whether to stop, in seconds: bounds ``stop()``'s wait
# for it. Idle, ten wake-ups a second cost 0.095 s of CPU a minute (bench/scale.py, issue 17,
# whose budget for an idle process is 0.05 s); one a second, 0.008 s.
POLL_SECONDS = 1.0


class _Server(wsgi.Server):
    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        """cheroot's hook for its messages (it writes to stderr otherwise): into our log.

        Its INFO lines are about single clients (a connection reset on the way): DEBUG here.
        """
        level = level if level >= logging.WARNING else logging.DEBUG
        logger.log(level, "%s", msg, exc_info=traceback)


class HttpServer:
    def __init__(
        self,
        app: Callable,
        host: str,
        port: int,
        threads: int,
        drain_seconds: float = DRAIN_SECONDS,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        """Bind ``host:port`` (raises OSError, with the reason, when it can't be used)."""
        server = _Server(
            (host, port),
            app,
            numthreads=threads,
            max=threads,
            server_name="delight",
            request_queue_size=BACKLOG,
            timeout=IDLE_SECONDS,
            shutdown_timeout=drain_seconds,
        )
        server.keep_alive_conn_limit = CONNECTION_LIMIT
        server.expiration_interval = poll_seconds
        try:
            server.prepare()
        except OSError as error:
            raise _bind_error(host, port) or error from None
        self._server = server
        self._drain_seconds = drain_seconds
        self._stopping = threading.Event()
        self._stopped = threading.Event()

    @property
    def port(self) -> int:
        return self._server.bind_addr[1]

    def run(self) -> None:
        """Serve until ``stop()``; returns once accepted requests are answered."""
        self._server.serve()
        self._stopped.wait()

    def close(self) -> None:
        """Release the port and the worker threads at once (nothing left to do after ``stop()``)."""
        self._server.stop()

    def stop(self) -> None:
        """Stop accepting, drain, then end ``run()``. Safe to call from a signal handler."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        threading.Thread(target=self._drain, name="drain", daemon=True).start()

    def _drain(self) -> None:
        began = time.monotonic()
        try:
            self._server.stop()
        finally:
            if time.monotonic() - began >= self._drain_seconds:
                logger.warning("stopping with requests still in flight")
            self._stopped.set()


def _bind_error(host: str, port: int) -> OSError | None:
    """Why ``host:port`` can't be bound, as the OS says it (cheroot's error keeps only text)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as cheroot binds
        try:
            probe.bind(address)
        except OSError as error:
            return error
    return None
