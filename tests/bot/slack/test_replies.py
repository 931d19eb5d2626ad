"""Messages to a response_url: what respond() sends, over one kept-alive connection per host."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_bolt.context.respond import Respond

from bot.slack import replies


class Hook(ThreadingHTTPServer):
    """A response_url endpoint: records each message and each connection it accepted."""

    daemon_threads = True

    def __init__(self, keep_alive: bool = True, status: int = 200) -> None:
        self.messages: list[tuple[str, dict, dict]] = []
        self.connections = 0
        self.sockets: list[socket.socket] = []
        self.status = status
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def setup(self) -> None:
                super().setup()
                hook.connections += 1
                hook.sockets.append(self.request)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.messages.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(hook.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    def drop_connections(self) -> None:
        """Close the connections from this end, as Slack does with one left idle."""
        for sock in self.sockets:
            sock.shutdown(socket.SHUT_RDWR)

    def url(self, path: str = "/actions/T1/1/abc") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.shutdown()
    server.server_close()


MESSAGE = {"text": "Thanks!", "response_type": "ephemeral", "replace_original": False}


def test_sends_what_respond_sends(hook: Hook) -> None:
    Respond(response_url=hook.url("/bolt"))(
        "Thanks!", response_type="ephemeral", replace_original=False
    )
    assert replies.post(hook.url("/ours?x=1"), MESSAGE) == 200
    (bolt_path, bolt_headers, bolt_body), (path, headers, body) = hook.messages
    assert (bolt_path, path) == ("/bolt", "/ours?x=1")
    assert body == bolt_body == MESSAGE
    for name in ("Content-Type", "User-Agent"):
        assert headers[name] == bolt_headers[name]


def test_one_connection_carries_a_thread_s_messages(hook: Hook) -> None:
    for _ in range(5):
        assert replies.post(hook.url(), MESSAGE) == 200
    assert len(hook.messages) == 5
    assert hook.connections == 1


def test_a_connection_the_server_closed_is_replaced(hook: Hook) -> None:
    assert replies.post(hook.url(), MESSAGE) == 200
    hook.drop_connections()
    assert replies.post(hook.url(), MESSAGE) == 200
    assert (len(hook.messages), hook.connections) == (2, 2)


def test_a_server_that_closes_after_each_answer() -> None:
    hook = Hook(keep_alive=False)
    try:
        for _ in range(3):
            assert replies.post(hook.url(), MESSAGE) == 200
        assert (len(hook.messages), hook.connections) == (3, 3)
    finally:
        hook.shutdown()
        hook.server_close()


def test_an_expired_response_url_is_an_answer_not_an_error() -> None:
    hook = Hook(status=404)
    try:
        assert replies.post(hook.url(), MESSAGE) == 404
        assert replies.post(hook.url(), MESSAGE) == 404  # and the connection still works
        assert hook.connections == 1
    finally:
        hook.shutdown()
        hook.server_close()


def test_nobody_listening_raises_after_a_second_try(hook: Hook) -> None:
    url = hook.url()
    hook.shutdown()
    hook.server_close()
    with pytest.raises(ConnectionError):
        replies.post(url, MESSAGE)


def test_each_thread_has_its_own_connection(hook: Hook) -> None:
    threads = [threading.Thread(target=replies.post, args=(hook.url(), MESSAGE)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert (len(hook.messages), hook.connections) == (3, 3)


def test_with_a_proxy_messages_go_through_slack_sdk(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = []

    class Webhook:
        def __init__(self, url: str) -> None:
            self.url = url

        def send_dict(self, message: dict):
            sent.append((self.url, message))
            return type("Response", (), {"status_code": 200})()

    monkeypatch.setattr(replies, "_proxy", "http://proxy.test:3128")
    monkeypatch.setattr(replies, "WebhookClient", Webhook)
    assert replies.post(hook.url(), MESSAGE) == 200
    assert sent == [(hook.url(), MESSAGE)] and hook.messages == []
