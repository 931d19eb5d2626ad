"""The floor for bench/ack_latency.py and bench/memory.py: a Bolt app that only acks, on the
same server (Delight's ``bot.transport.server.HttpServer``: cheroot with the same settings,
``threads`` as Delight's ``bot.main.HTTP_THREADS``) and the same WSGI guard
(``bot.transport.http.DelightWeb``).

    python bench/bare_app.py PORT SIGNING_SECRET API_URL THREADS

It imports nothing of Delight beyond ``bot.transport.server`` and ``bot.transport.http``, so
bench/memory.py's floor is Bolt's own.
"""

from __future__ import annotations

import re
import sys

from slack_bolt import App
from slack_sdk import WebClient

from bot.transport.http import DelightWeb
from bot.transport.server import HttpServer


def main() -> None:
    port, secret, api_url, threads = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    # DelightWeb verifies signatures, as for Delight: Bolt need not again.
    app = App(
        client=WebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=secret,
        request_verification_enabled=False,
    )
    app.action(re.compile(".*"))(lambda ack: ack())
    app.command("/delight")(lambda ack: ack())
    HttpServer(DelightWeb(app, secret), "127.0.0.1", port, threads).run()


if __name__ == "__main__":
    main()
