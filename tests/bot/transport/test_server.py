"""The HTTP server: a burst of keep-alive connections at once (bench/ack_latency.py's 200
users), and a graceful stop that answers what was accepted, within the drain bound."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

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


@contextmanager
def running(server: HttpServer) -> Iterator[threading.Thread]:
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        server.stop()
        thread.join(10)
    assert not thread.is_alive()


def test_more_than_100_connections_are_served_at_once() -> None:
    server = HttpServer(hello, "127.0.0.1", 0, threads=4)
    with running(server), connections(server.port, 150) as socks:
        # Every connection stays open (keep-alive) while the next ones are answered: a
        # server that stopped accepting at 100 would leave the 101st waiting.
        for sock in socks:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        for sock in socks:
            assert sock.recv(1024).startswith(b"HTTP/1.1 200 OK")


def test_150_connections_are_all_kept_alive_for_their_next_request() -> None:
    server = HttpServer(hello, "127.0.0.1", 0, threads=4)
    with running(server):
        clients = [
            http.client.HTTPConnection("127.0.0.1", server.port, timeout=10) for _ in range(150)
        ]
        try:
            for client in clients:
                client.request("GET", "/")
                answer = client.getresponse()
                assert answer.read() == b"ok"
                assert answer.getheader("Connection") != "close"
            socks = [client.sock for client in clients]
            for client, sock in zip(clients, socks, strict=True):
                client.request("GET", "/")
                assert client.getresponse().read() == b"ok"
                assert client.sock is sock  # the same connection, not a new one
        finally:
            for client in clients:
                client.close()


class SlowApp:
    """Answers ``/slow`` once ``release`` is set; says when a ``/slow`` request came in."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            self.entered.set()
            assert self.release.wait(10)
        return hello(environ, start_response)


def test_stop_refuses_new_connections_and_answers_the_request_in_flight() -> None:
    app = SlowApp()
    server = HttpServer(app, "127.0.0.1", 0, threads=2)
    idle = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    busy = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    with running(server) as thread:
        idle.request("GET", "/")
        assert idle.getresponse().read() == b"ok"  # kept alive, then idle
        busy.request("GET", "/slow")
        assert app.entered.wait(10)
        server.stop()
        assert idle.sock.recv(1) == b""  # the idle connection is closed...
        with pytest.raises(ConnectionRefusedError):  # ...after the port stopped listening
            socket.create_connection(("127.0.0.1", server.port), timeout=10)
        assert thread.is_alive()  # still answering
        app.release.set()
        answer = busy.getresponse()
        assert answer.status == 200 and answer.read() == b"ok"
        assert answer.getheader("Connection") == "close"
        thread.join(10)
        assert not thread.is_alive()
    idle.close()
    busy.close()


def test_a_request_still_arriving_at_the_drain_bound_is_cut_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reading = threading.Event()
    got: list[bytes] = []

    def read_body(environ, start_response):
        reading.set()
        # Only 10 of the 100 bytes ever come: this read ends when the server cuts the
        # connection off, or raises TimeoutError after the server's 10 s wait for them.
        got.append(environ["wsgi.input"].read(100))
        return hello(environ, start_response)

    server = HttpServer(read_body, "127.0.0.1", 0, threads=1, drain_seconds=0.2)
    with running(server) as thread, connections(server.port, 1) as (sock,):
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        assert reading.wait(10)
        server.stop()
        thread.join(15)  # the client stays connected until the server is done
    assert got == [b"0123456789"]  # cut off, not timed out
    (warning,) = [r for r in caplog.records if "in flight" in r.message]
    assert warning.levelno == logging.WARNING
    assert warning.message == "stopping with requests still in flight"


def test_a_port_in_use_says_why_and_close_releases_the_port() -> None:
    server = HttpServer(hello, "127.0.0.1", 0, threads=1)
    try:
        with pytest.raises(OSError) as refused:
            HttpServer(hello, "127.0.0.1", server.port, threads=1)
        assert refused.value.strerror == "Address already in use"
    finally:
        server.close()
    HttpServer(hello, "127.0.0.1", server.port, threads=1).close()
