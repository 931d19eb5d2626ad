"""Ack latency and throughput: Delight vs. a bare Bolt app that only acks, same server, same run.

    .venv/bin/python bench/ack_latency.py [--users 200] [--requests 2000] [--rounds 3]
                                          [--reply-delay 0]

Both apps run as their own process (``python -m bot`` for Delight) against the fake Slack
Web API; the load generator sends correctly signed button clicks (``--users`` people
answering one poll, all at once) and slash commands (``/delight tally``) over keep-alive
connections. Rounds alternate between the two apps; the table shows each app's median over
rounds, and the summary the ratios, which is what to compare on a shared, noisy machine.
``cpu ms`` is the server process's CPU time (user + system, from /proc) per request, counted
until the process has gone quiet after the round (so the replies Delight sends after
acknowledging are in it): unlike the timings, it hardly depends on what else the machine runs.

The clicks' ``response_url`` (where Delight sends each clicker's thank-you) is served by a
process of its own, so that answering Delight's replies does not slow down the load generator
during Delight's rounds only; like Slack's hooks.slack.com it keeps connections alive
(HTTP/1.1). It answers at once, or after ``--reply-delay MS`` milliseconds as Slack does after
a real round trip (100-300 ms); the last line says how many of Delight's replies had arrived,
and when.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.main import HTTP_THREADS  # noqa: E402
from tests.fake_slack import TEAM_ID, FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(port: int) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not start")


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }


def click_body(block_id: str, user: int, value: int, response_url: str) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": f"U{user:05d}"},
        "channel": {"id": "C0BENCH"},
        "container": {"type": "message", "channel_id": "C0BENCH", "message_ts": "1.1"},
        "trigger_id": "1.2.bench",
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": f"answer_{value}",
                "block_id": block_id,
                "value": str(value),
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def command_body(text: str, response_url: str) -> str:
    return urlencode(
        {
            "command": "/delight",
            "text": text,
            "team_id": TEAM_ID,
            "channel_id": "C0BENCH",
            "user_id": "U00001",
            "trigger_id": "1.2.bench",
            "response_url": response_url,
        }
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux), or NaN elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    fields = stat.rsplit(")", 1)[1].split()  # the name in parentheses may contain spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_until_quiet(pid: int, since: float, timeout: float = 5.0) -> float:
    """CPU seconds used since ``since``, once the process has stopped using any."""
    deadline = time.perf_counter() + timeout
    last = cpu_seconds(pid)
    while time.perf_counter() < deadline:
        time.sleep(0.1)
        now = cpu_seconds(pid)
        if now == last:
            break
        last = now
    return last - since


def load(port: int, bodies: list[str], users: int) -> tuple[list[float], float, int]:
    """Send ``bodies`` from ``users`` concurrent keep-alive connections; latencies in ms."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start_gate = threading.Barrier(users + 1)
    chunks = [bodies[i::users] for i in range(users)]

    def user(chunk: list[str]) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        start_gate.wait()
        for body in chunk:
            headers = signed(body)
            t0 = time.perf_counter()
            conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - t0) * 1000)
            bad += response.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=user, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - t0, errors


def start_apps(
    fake: FakeSlack, delight_args: tuple[str, ...] = ("-m", "bot")
) -> tuple[list[subprocess.Popen], int, int]:
    """Start Delight (``python -m bot``, HTTP mode) and the bare app against ``fake``.

    Returns both processes (Delight first) and their ports; call ``wait_healthy`` on each.
    ``delight_args`` replaces ``-m bot``, e.g. to run Delight under a profiler.
    """
    tmp = Path(tempfile.mkdtemp(prefix="delight-bench-"))
    delight_port, bare_port = free_port(), free_port()
    env = dict(
        os.environ,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        DELIGHT_DB=str(tmp / "bench.db"),
        PORT=str(delight_port),
        LOG_LEVEL="WARNING",
    )
    env.pop("SLACK_APP_TOKEN", None)
    procs = [
        subprocess.Popen(
            [sys.executable, *delight_args],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "bare_app.py"),
                str(bare_port),
                SECRET,
                fake.api_url,
                str(HTTP_THREADS),
            ],
            env={**env, "PYTHONPATH": str(ROOT)},
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    return procs, delight_port, bare_port


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(10)


def post_poll(fake: FakeSlack, port: int) -> str:
    """``/delight poll`` on the app at ``port``; the block_id its answer buttons carry."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = command_body("poll", fake.response_url("poll"))
    conn.request("POST", "/slack/events", body=body.encode(), headers=signed(body))
    conn.getresponse().read()
    conn.close()
    return fake.wait_for("chat.postMessage")[-1].params["blocks"][2]["block_id"]


class _HookServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # all --users may post at once


def serve_hook(delay: float) -> None:
    """The ``response_url`` endpoint (``--serve-hook SECONDS``): prints its port, then serves.

    ``GET`` answers how many posts arrived and the ``time.monotonic()`` of the last one.
    """
    count, last = 0, 0.0
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            nonlocal count, last
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(delay)
            self._answer(b"ok")
            with lock:
                count += 1
                last = time.monotonic()

        def do_GET(self) -> None:
            with lock:
                self._answer(f"{count} {last}".encode())

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _HookServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


class ReplyHook:
    """Slack's end of the clicks' ``response_url``, in a process of its own (``serve_hook``)."""

    def __init__(self, delay: float) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-hook", str(delay)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._port = int(self._proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self._port}/response/bench"

    def received(self) -> tuple[int, float]:
        """How many replies arrived, and the ``time.monotonic()`` of the last one."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self._port}/", timeout=10) as reply:
            count, last = reply.read().decode().split()
        return int(count), float(last)

    def close(self) -> None:
        self._proc.terminate()
        self._proc.wait(10)


def bench_bodies(
    response_url: str, block_id: str, users: int, requests: int
) -> tuple[list[str], list[str]]:
    """One round's bodies: ``requests`` clicks by ``users`` people, ``requests // 4`` commands."""
    clicks = [click_body(block_id, n % users, n % 6, response_url) for n in range(requests)]
    commands = [command_body("tally", response_url) for _ in range(requests // 4)]
    return clicks, commands


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reply-delay", type=float, default=0, help="ms; 0: the fake Slack")
    args = parser.parse_args()

    fake = FakeSlack()
    hook = ReplyHook(args.reply_delay / 1000)
    procs, delight_port, bare_port = start_apps(fake)
    try:
        wait_healthy(delight_port)
        wait_healthy(bare_port)
        block_id = post_poll(fake, delight_port)

        response_url = hook.url
        clicks, commands = bench_bodies(response_url, block_id, args.users, args.requests)
        results: dict[tuple[str, str], list[tuple[float, float, float, float, float]]] = {}
        apps = (("bare", bare_port, procs[1].pid), ("delight", delight_port, procs[0].pid))
        for _ in range(args.rounds):
            for name, port, pid in apps:
                for kind, bodies in (("click", clicks), ("command", commands)):
                    cpu_before = cpu_seconds(pid)
                    latencies, wall, errors = load(port, bodies, args.users)
                    cpu = cpu_until_quiet(pid, cpu_before)
                    if errors:
                        raise SystemExit(f"{name} {kind}: {errors} non-200 answers")
                    results.setdefault((name, kind), []).append(
                        (
                            pct(latencies, 50),
                            pct(latencies, 95),
                            pct(latencies, 99),
                            len(latencies) / wall,
                            cpu * 1000 / len(latencies),
                        )
                    )
        ended = time.monotonic()
        # Replies still on their way are Delight's to send: wait (a while) for the rest.
        expected = args.rounds * args.requests
        replies, last = hook.received()
        while replies < expected and time.monotonic() - ended < 60:
            time.sleep(0.1)
            replies, last = hook.received()
    finally:
        stop(procs)
        fake.close()
        hook.close()

    def median(name: str, kind: str, i: int) -> float:
        return statistics.median(r[i] for r in results[(name, kind)])

    print(
        f"{args.users} concurrent users, {args.requests} clicks and {args.requests // 4} "
        f"commands per round, {args.rounds} rounds, medians over rounds; {os.cpu_count()} cores"
    )
    print(
        f"{'app':8} {'request':8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} "
        f"{'cpu ms':>8}"
    )
    for kind in ("click", "command"):
        for name in ("bare", "delight"):
            p50, p95, p99, rps, cpu = (median(name, kind, i) for i in range(5))
            print(f"{name:8} {kind:8} {p50:8.1f} {p95:8.1f} {p99:8.1f} {rps:8.0f} {cpu:8.2f}")
    for kind in ("click", "command"):
        p99_ratio = median("delight", kind, 2) / median("bare", kind, 2)
        rps_ratio = median("delight", kind, 3) / median("bare", kind, 3)
        cpu_ratio = median("delight", kind, 4) / median("bare", kind, 4)
        print(
            f"summary {kind}: p99 {p99_ratio:.2f}x the bare app (target <= 1.3), "
            f"throughput {rps_ratio:.2f}x (target >= 0.7), cpu per request {cpu_ratio:.2f}x"
        )
    print(
        f"replies through response_url ({args.reply_delay:.0f} ms each): {replies} of "
        f"{expected} arrived, the last {max(0.0, last - ended):.1f} s after the last round"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-hook"]:
        serve_hook(float(sys.argv[2]))
    else:
        main()
