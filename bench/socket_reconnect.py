"""Socket Mode healing: how long Delight is unanswering after Slack's connections misbehave.

    .venv/bin/python bench/socket_reconnect.py [--rounds 5] [--baseline]

The real app runs in Socket Mode in this process against the websocket fake of Slack
(tests/fake_socket_mode.py) and the fake Web API (tests/fake_slack.py), both on 127.0.0.1.
Each round measures, from the fake's side:

- **one dropped** (TCP closed without a close frame): until a request is answered, and
  until the dropped connection is replaced;
- **all dropped**: until a request is answered again;
- **refresh_requested**: the overlap of the old and new connection (positive: no window) and
  the slowest answer to requests sent every 20 ms through the refresh;
- **close**: how long closing every connection takes (SIGTERM's share of the shutdown).

``--baseline`` adds one round with Bolt's stock ``SocketModeHandler`` (the built-in client,
one connection, its 10 s ping interval) in the same run: the time from one drop to an
answer, capped at 120 s. The figures are medians over ``--rounds``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_bolt.adapter.socket_mode import SocketModeHandler  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from bot.app import build  # noqa: E402
from bot.main import quiet_socket_client  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.fake_slack import TEAM_ID, FakeSlack  # noqa: E402
from tests.fake_socket_mode import FakeSocketMode  # noqa: E402

APP_TOKEN = "xapp-1-A0DELIGHT-bench"
COMMAND = {
    "command": "/delight",
    "text": "help",
    "team_id": TEAM_ID,
    "channel_id": "C0BENCH",
    "user_id": "U0BENCH",
    "trigger_id": "1.2.trigger",
}


def answered_after(fake: FakeSocketMode, started: float, cap: float) -> float:
    """Send a request every 50 ms until one is answered; seconds from ``started``."""
    while time.monotonic() - started < cap:
        # A connection the fake cut may still be listed for a moment: sending on it fails.
        with contextlib.suppress(ConnectionClosed, AssertionError):
            if fake.send("slash_commands", COMMAND, timeout=0.05):
                return time.monotonic() - started
        time.sleep(0.05)
    return float("inf")


def one_round(slack: FakeSlack, fake: FakeSocketMode, db: Path) -> dict[str, float]:
    settings = Settings(
        bot_token="xoxb-bench",
        signing_secret="bench-secret",
        app_token=APP_TOKEN,
        api_url=slack.api_url,
        db_path=db,
    )
    runtime = build(settings)
    runtime.socket.open()
    runtime.start()
    figures = {}
    try:
        dropped, _other = fake.wait_connected(2)
        started = time.monotonic()
        fake.drop(dropped)
        figures["one dropped: answered after"] = answered_after(fake, started, 30)
        fake.wait_connected(2, timeout=30)
        figures["one dropped: replaced after"] = fake.links[-1].opened_at - dropped.dropped_at

        links = fake.wait_connected(2)
        started = time.monotonic()
        for link in links:
            fake.drop(link)
        fake.wait_opened(len(fake.links) + 1, timeout=30)
        figures["all dropped: answered after"] = answered_after(fake, started, 30)
        fake.wait_connected(2, timeout=30)

        old = fake.connections()[0]
        count = len(fake.links)
        slowest, stop = [0.0], threading.Event()

        def keep_asking() -> None:
            while not stop.is_set():
                sent = time.monotonic()
                if fake.send("slash_commands", COMMAND, timeout=10) is None:
                    slowest[0] = float("inf")
                slowest[0] = max(slowest[0], time.monotonic() - sent)
                time.sleep(0.02)

        asker = threading.Thread(target=keep_asking)
        asker.start()
        fake.disconnect("refresh_requested", link=old)
        new = fake.wait_opened(count + 1)[-1]
        fake.wait_closed(old)
        stop.set()
        asker.join()
        figures["refresh: overlap of old and new"] = old.closed_at - new.opened_at
        figures["refresh: slowest answer meanwhile"] = slowest[0]
    finally:
        started = time.monotonic()
        runtime.socket.close()
        figures["close: all connections"] = time.monotonic() - started
        runtime.close()
    return figures


def baseline(slack: FakeSlack, fake: FakeSocketMode, db: Path) -> float:
    """Bolt's stock handler: seconds from one drop to an answer (capped at 120 s)."""
    settings = Settings(
        bot_token="xoxb-bench", signing_secret="bench-secret", api_url=slack.api_url, db_path=db
    )
    runtime = build(settings)
    handler = SocketModeHandler(runtime.app, APP_TOKEN)
    handler.connect()
    try:
        (link,) = fake.wait_connected(1)
        started = time.monotonic()
        fake.drop(link)
        return answered_after(fake, started, 120)
    finally:
        handler.close()
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    quiet_socket_client("INFO")
    slack, rounds = FakeSlack(), []
    try:
        for n in range(args.rounds):
            fake = FakeSocketMode()
            slack.reset()
            slack.socket_mode = fake
            with tempfile.TemporaryDirectory() as tmp:
                rounds.append(one_round(slack, fake, Path(tmp) / "d.db"))
            fake.close()
            print(f"round {n + 1}: " + ", ".join(f"{v:.2f}" for v in rounds[-1].values()))
        print(f"\nmedians over {args.rounds} rounds (seconds):")
        for name in rounds[0]:
            print(f"  {name:36} {statistics.median(r[name] for r in rounds):7.3f}")
        if args.baseline:
            fake = FakeSocketMode()
            slack.reset()
            slack.socket_mode = fake
            with tempfile.TemporaryDirectory() as tmp:
                stock = baseline(slack, fake, Path(tmp) / "d.db")
            fake.close()
            ours = statistics.median(r["one dropped: answered after"] for r in rounds)
            every = statistics.median(r["all dropped: answered after"] for r in rounds)
            print(f"  {'stock SocketModeHandler, one dropped':36} {stock:6.2f}")
            print(f"  ratio, ours (one dropped / all dropped) to stock: "
                  f"{ours / stock:.3f} / {every / stock:.3f}")  # fmt: skip
    finally:
        slack.close()


if __name__ == "__main__":
    main()
