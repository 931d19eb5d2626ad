"""The floor for bench/ack_latency.py: a Bolt app that only acks, on the same server."""

from __future__ import annotations

import re
import sys

from slack_bolt import App
from slack_sdk import WebClient
from waitress import serve

from bot.main import HTTP_THREADS
from bot.web import DelightWeb


def main() -> None:
    port, secret, api_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = App(client=WebClient(token="xoxb-bench", base_url=api_url), signing_secret=secret)
    app.action(re.compile(".*"))(lambda ack: ack())
    app.command("/delight")(lambda ack: ack())
    serve(DelightWeb(app, secret), host="127.0.0.1", port=port, threads=HTTP_THREADS, _quiet=True)


if __name__ == "__main__":
    main()
