"""Resident memory: Delight vs. a bare Bolt app that only acks, idle and under load, same run.

    .venv/bin/python bench/memory.py [--users 200] [--requests 2000] [--rounds 3] [--idle 2]

Linux only: reads ``VmRSS`` (resident now) and ``VmHWM`` (resident high-water mark since the
process started) from ``/proc/<pid>/status``. Both apps are started exactly as
bench/ack_latency.py starts them (``python -m bot`` in HTTP mode for Delight, against the fake
Slack Web API). Idle is the median of samples over ``--idle`` seconds once ``/healthz``
answers, before any Slack request. Under load, RSS is sampled every ``--interval`` ms while
bench/ack_latency.py's load runs (``--requests`` signed clicks from ``--users`` concurrent
people, then ``--requests // 4`` ``/delight tally`` commands); rounds alternate between the
apps, and the table shows each app's median over rounds of the per-round median and peak.
"After" is idle again once the last round is done: what the process keeps.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ack_latency import (  # noqa: E402
    bench_bodies,
    load,
    post_poll,
    start_apps,
    stop,
    wait_healthy,
)
from tests.fake_slack import FakeSlack  # noqa: E402

IDLE_TARGET = 80_000_000  # bytes: the "idle < 80 MB", read strictly (76.3 MiB)
MIB = 1024 * 1024


def status(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in bytes."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024  # the kernel's "kB" is KiB
    return values["VmRSS"], values["VmHWM"]


class Sampler:
    """Samples ``pid``'s RSS every ``interval`` seconds on a thread, until ``stop()``."""

    def __init__(self, pid: int, interval: float) -> None:
        self.pid = pid
        self.interval = interval
        self.rss: list[int] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.rss.append(status(self.pid)[0])

    def _run(self) -> None:
        next_at = time.perf_counter()
        while not self._done.is_set():
            self.rss.append(status(self.pid)[0])
            next_at += self.interval
            self._done.wait(max(0.0, next_at - time.perf_counter()))


def idle_rss(pids: dict[str, int], seconds: float, interval: float = 0.2) -> dict[str, float]:
    """Each process's median RSS over the same ``seconds``, with no requests; bytes."""
    samples: dict[str, list[int]] = {name: [] for name in pids}
    end = time.perf_counter() + seconds
    while True:
        for name, pid in pids.items():
            samples[name].append(status(pid)[0])
        if time.perf_counter() >= end:
            return {name: statistics.median(values) for name, values in samples.items()}
        time.sleep(interval)


def mib(value: float) -> str:
    return f"{value / MIB:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of idle sampling")
    parser.add_argument("--interval", type=float, default=50, help="ms between load samples")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        raise SystemExit("bench/memory.py reads /proc/<pid>/status: Linux only")

    fake = FakeSlack()
    procs, delight_port, bare_port = start_apps(fake)
    apps = {"bare": (procs[1].pid, bare_port), "delight": (procs[0].pid, delight_port)}
    pids = {name: pid for name, (pid, _) in apps.items()}
    # Per round: (median RSS, peak RSS, samples taken, seconds under load).
    rounds: dict[str, list[tuple[float, int, int, float]]] = {"bare": [], "delight": []}
    try:
        for _, port in apps.values():
            wait_healthy(port)
        time.sleep(0.5)  # let both settle: start-up threads running, nothing in flight
        idle = idle_rss(pids, args.idle)

        block_id = post_poll(fake, delight_port)
        clicks, commands = bench_bodies(
            fake.response_url("bench"), block_id, args.users, args.requests
        )
        for _ in range(args.rounds):
            for name, (pid, port) in apps.items():
                t0 = time.perf_counter()
                with Sampler(pid, args.interval / 1000) as sampler:
                    for kind, bodies in (("click", clicks), ("command", commands)):
                        _, _, errors = load(port, bodies, args.users)
                        if errors:
                            raise SystemExit(f"{name} {kind}: {errors} non-200 answers")
                rounds[name].append(
                    (
                        statistics.median(sampler.rss),
                        max(sampler.rss),
                        len(sampler.rss),
                        time.perf_counter() - t0,
                    )
                )
        time.sleep(0.5)
        after = idle_rss(pids, args.idle)
        hwm = {name: status(pid)[1] for name, pid in pids.items()}
    finally:
        stop(procs)
        fake.close()

    def over_rounds(name: str, i: int) -> float:
        return statistics.median(r[i] for r in rounds[name])

    samples = sum(r[2] for rs in rounds.values() for r in rs)
    seconds = sum(r[3] for rs in rounds.values() for r in rs)
    print(
        f"{args.users} concurrent users, {args.requests} clicks and {args.requests // 4} "
        f"commands per round, {args.rounds} rounds, medians over rounds; {os.cpu_count()} cores; "
        f"RSS every {args.interval:.0f} ms asked, every {1000 * seconds / samples:.0f} ms got"
    )
    print(f"{'app':8} {'idle MiB':>9} {'load p50':>9} {'load peak':>9} {'VmHWM':>9} {'after':>9}")
    for name in ("bare", "delight"):
        print(
            f"{name:8} {mib(idle[name]):>9} {mib(over_rounds(name, 0)):>9} "
            f"{mib(over_rounds(name, 1)):>9} {mib(hwm[name]):>9} {mib(after[name]):>9}"
        )

    def ratio(delight: float, bare: float) -> str:
        return f"{delight / bare:.2f}x"

    met = "met" if idle["delight"] < IDLE_TARGET else "MISSED"
    print(
        f"summary memory: Delight idle {mib(idle['delight'])} MiB "
        f"(target < 80 MB = {mib(IDLE_TARGET)} MiB: {met}), "
        f"{ratio(idle['delight'], idle['bare'])} the bare app idle; under load median "
        f"{ratio(over_rounds('delight', 0), over_rounds('bare', 0))}, peak "
        f"{ratio(over_rounds('delight', 1), over_rounds('bare', 1))}, "
        f"VmHWM {ratio(hwm['delight'], hwm['bare'])}"
    )


if __name__ == "__main__":
    main()
