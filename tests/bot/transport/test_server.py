"""The HTTP server takes a burst of new connections at once (bench/ack_latency.py's 200 users)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from waitress import wasyncore

from bot.transport.server import HttpServer


def hello(environ, start_response):
    start_response("200 OK", [("Content-Length", "2")])
    return [b"ok"]


@contextmanager
def connections(port: int, count: int) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        socks = []
        for _ in range(count):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
            socks.append(sock)
        yield socks


def test_more_than_waitress_default_of_100_connections_are_served_at_once() -> None:
    server = HttpServer(hello, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        # Every connection stays open (keep-alive) while the next ones are answered: with
        # waitress's default limit of 100 the 101st would wait for one of them to close.
        with connections(server.port, 150) as socks:
            for sock in socks:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            for sock in socks:
                assert sock.recv(1024).startswith(b"HTTP/1.1 200 OK")
    finally:
        server.stop()
        thread.join(10)
    assert not thread.is_alive()


def test_one_turn_of_the_loop_takes_every_waiting_connection() -> None:
    server = HttpServer(hello, "127.0.0.1", 0, threads=1)
    waitress = server._server
    try:
        with connections(server.port, 50):
            before = len(waitress._map)
            wasyncore.loop(timeout=1, map=waitress._map, count=1)
            assert len(waitress._map) == before + 50
    finally:
        waitress.close()
        waitress.task_dispatcher.shutdown()
