"""Messages through an interaction's ``response_url``, over connections kept alive.

Bolt's ``respond()`` hands each message to a new slack_sdk ``WebhookClient``, which opens a new
connection for it (with Slack, a TLS handshake) and closes it after one message. A click's
thank-you is a message to ``hooks.slack.com`` for nearly every click, so ``post`` keeps one
connection per host open on each thread that sends them (the reply threads) and sends the
same request ``respond()`` does: the message as JSON, the same headers, a 30 s timeout, once
more on a new connection if the connection failed (a kept-alive one the server had closed).

With an HTTP proxy configured in the environment (which ``WebhookClient`` honours), messages go
through ``WebhookClient`` as before.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.proxy_env_variable_loader import load_http_proxy_from_env
from slack_sdk.web.internal_utils import get_user_agent
from slack_sdk.webhook import WebhookClient

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30  # WebhookClient's
_HEADERS = {"Content-Type": "application/json;charset=utf-8", "User-Agent": get_user_agent()}

_local = threading.local()
_tls = ssl.create_default_context()
# slack_sdk reads it from the environment for every WebhookClient; it doesn't change.
_proxy = load_http_proxy_from_env(logger)

Connection = http.client.HTTPConnection


def post(response_url: str, message: dict[str, Any]) -> int:
    """Send ``message`` to ``response_url``; Slack's HTTP status (404: the URL expired).

    Raises what a broken connection raises when a second, new connection fails too.
    """
    if _proxy:
        return WebhookClient(response_url).send_dict(message).status_code
    url = urlsplit(response_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError("a response_url is an http(s) URL")
    key = (url.scheme, url.hostname, url.port)
    target = f"{url.path or '/'}?{url.query}" if url.query else url.path or "/"
    body = json.dumps(message).encode()
    for attempt in (1, 2):
        connection = _connection(key)
        try:
            connection.request("POST", target, body=body, headers=_HEADERS)
            response = connection.getresponse()
            response.read()  # all of it, or the connection can't carry the next request
        except ConnectionError:
            # Reset, refused, or closed by the server while it idled here (RemoteDisconnected):
            # WebhookClient's default ConnectionErrorRetryHandler tries once more too.
            _close(key)
            if attempt == 2:
                raise
            continue
        except BaseException:
            _close(key)  # a timeout, a bad answer: the connection is in no state to reuse
            raise
        if response.will_close:
            _close(key)
        return response.status
    raise AssertionError("unreachable")


def _connection(key: tuple[str, str, int | None]) -> Connection:
    connections: dict = _local.__dict__.setdefault("connections", {})
    connection = connections.get(key)
    if connection is None:
        scheme, host, port = key
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=TIMEOUT_SECONDS, context=_tls
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
        connections[key] = connection
    return connection


def _close(key: tuple[str, str, int | None]) -> None:
    connection = _local.__dict__.get("connections", {}).pop(key, None)
    if connection is not None:
        connection.close()
