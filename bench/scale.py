"""Many channels in one process: start-up, memory, idle CPU, and a fan-out across workspaces.

    .venv/bin/python bench/scale.py [--channels 1000,10000,100000] [--idle 30] [--fanout 2000]
                                    [--baseline REV [--baseline-channels 1000,10000]]

For each N, a fresh database is seeded through the storage API, as a running bot leaves it:
N channels in N/5 workspaces, 12 timezones (30- and 45-minute offsets among them), daily polls
at times spread over the day, each channel's latest poll posted and still open (yesterday's
where today's is still to come). No poll, digest or close falls in the minutes the bench
runs, except the fan-out: ``--fanout`` of the channels (one per workspace, so at most N/5)
poll at the same minute shortly after the start, each with yesterday's poll open and
answered, so each posts its poll and then yesterday's result line in that poll's thread.
(With the due index, the seeding also writes each channel's instants, as the schedule
commands and the delivery of a poll do.)

Then the real bot starts (``python -m bot``, HTTP mode, LOG_LEVEL=INFO) against the fake Slack
Web API (tests/fake_slack.py, in this process), which allows 1 post a second per channel, so
a 429 would mean the pacing failed. (The bot runs with one bot token, as in the issue's
measurements, so the fake sees one workspace and can't hold each to a workspace limit;
Delight paces each workspace id it stores at its own pace, 20 at once then 8 a second.)
Measured, per N:

- start -> ``/healthz`` 200 and start -> ``/readyz`` 200 (wall time from ``Popen``);
- start-up per channel: (start -> ``/readyz`` at N minus the same for an empty database,
  measured in the same run) / N;
- RSS (``VmRSS``) once idle, and the high-water mark since start (``VmHWM``);
- idle CPU: the process's CPU time over ``--idle`` seconds after ``--settle`` seconds of
  quiet, scaled to a minute; summed over its threads from ``/proc/<pid>/task/*/schedstat``
  (nanoseconds; ``/proc/<pid>/stat`` counts 10 ms ticks, too coarse for this);
- log lines written by the start-up, and during the idle window;
- the fan-out: from the due minute to the last poll and the last result line accepted by
  Slack, every channel posted exactly once (lost, doubled), 429s, and the process's CPU per
  poll meanwhile. The pace Delight allows itself lets each workspace post both at once plus
  the 1 s between a channel's two posts, so "within the pace" is a matter of CPU.

``--baseline REV`` runs the same measurements, first, on the code at git revision REV
(exported with ``git archive`` into a temporary folder, run with the same interpreter), for
``--baseline-channels``, and prints the ratios of this tree to it where both ran.

``--profile N`` instead runs this tree's app in this process on N seeded channels and
profiles every one of its threads (cProfile, one per thread, merged) from ``build()`` to the
fan-out posted: where a start and a fired poll spend their time (``--profile-clock cpu``,
each thread's CPU time) or wait (``wall``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]

ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Pacific/Auckland",
    "Africa/Lagos",
)
SIGNING_SECRET = "bench-signing-secret"
FAKE_TEAM = "T0TEAM"  # the fake's single-workspace token answers auth.test for this team
MIB = 1024 * 1024
# Minutes of the day (UTC) kept free of the bulk channels' polls, digests and closes.
QUIET_BEFORE, QUIET_AFTER = 5, 40
DIGEST_BEFORE_POLL = 60


# Seeding: runs in a subprocess with the code under test first on sys.path.


def _seed(spec: dict) -> None:
    sys.path.insert(0, spec["root"])
    try:  # the layout since issue 14
        from bot.domain.schedule import EVERY_DAY
        from bot.storage.store import Storage
    except ImportError:
        from schedules.rules import EVERY_DAY

        from bot.storage import Storage

    storage = Storage(Path(spec["db"]))
    index = _due_index(storage)
    now = datetime.fromisoformat(spec["now"])
    at = datetime.fromisoformat(spec["fanout_at"]) if spec["fanout_at"] else None
    minutes = _allowed_minutes(now)
    for n in range(spec["first"], spec["first"] + spec["count"]):
        zone = ZoneInfo(ZONES[n % len(ZONES)])
        if at is None:
            team, channel = f"T{n % spec['teams']:06d}", f"C{n:07d}"
            utc = datetime.combine(now.date(), datetime.min.time(), UTC) + timedelta(
                minutes=minutes[(n * 7919) % len(minutes)]
            )
            poll_time = utc.astimezone(zone).time()
        else:
            team, channel = f"T{n - spec['first']:06d}", f"C{n:07d}"
            poll_time = at.astimezone(zone).time()
        storage.save_schedule(team, channel, poll_time, zone.key, EVERY_DAY)
        last = datetime.combine(now.astimezone(zone).date(), poll_time, zone)
        if last > now or at is not None:
            last = datetime.combine(last.date() - timedelta(days=1), poll_time, zone)
        poll, _ = storage.claim_poll(team, channel, last.date(), last.astimezone(UTC))
        storage.set_poll_message(poll.id, f"1700000000.{n:07d}")
        if at is not None:
            for person in ("p1", "p2", "p3"):
                storage.record_answer(poll.id, person, 1)
        if index is not None:
            index(team, channel, now)
    storage.close()


def _due_index(storage):
    """Writes a channel's instants as ``/delight schedule`` and the post of its poll do, in
    code with the due index; None in code from before it."""
    try:
        from bot.service.due import DueInstants
    except ImportError:
        return None
    return DueInstants(storage).schedule_changed


def _allowed_minutes(now: datetime) -> list[int]:
    """Minutes of the UTC day for the bulk channels' polls: none near the bench's run, and
    none whose digest (an hour before the poll) is."""
    start = now.hour * 60 + now.minute
    quiet = set()
    for offset in range(-QUIET_BEFORE, QUIET_AFTER + 1):
        quiet.add((start + offset) % 1440)
        quiet.add((start + offset + DIGEST_BEFORE_POLL) % 1440)
    return [m for m in range(1440) if m not in quiet]


def seed(root: Path, db: Path, spec: dict) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, __file__, "_seed", json.dumps({"root": str(root), "db": str(db), **spec})],
        check=True,
    )
    return time.monotonic() - started


# Measuring the process


def cpu_seconds(pid: int) -> float:
    """CPU time of every live thread of ``pid``, in seconds (ns resolution)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # the thread ended
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def memory(pid: int) -> tuple[int, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values["VmRSS"], values["VmHWM"]


def status(port: int, path: str) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=0.5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


class Bot:
    def __init__(self, root: Path, db: Path, fake, log: Path) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DELIGHT_"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.api_url,
            DELIGHT_DB=str(db),
            PORT=str(self.port),
            LOG_LEVEL="INFO",
            PYTHONPATH=str(root),
        )
        self.log = log
        self._out = log.open("wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=db.parent,
            env=env,
            stdout=self._out,
            stderr=self._out,
        )

    def wait_for(self, path: str, timeout: float) -> float:
        """Seconds from the start until ``path`` answers 200."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the bot exited ({self.proc.returncode}); see {self.log}")
            if status(self.port, path) == 200:
                return time.monotonic() - self.started
            time.sleep(0.005)
        raise SystemExit(f"{path} did not answer 200 within {timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._out.close()


def next_minute(after: datetime) -> datetime:
    return (after + timedelta(minutes=1)).replace(second=0, microsecond=0)


def one(root: Path, channels: int, args: argparse.Namespace, fake, tmp: Path) -> dict:
    """Seed ``channels``, start the bot, measure; ``channels == 0`` measures the start only."""
    db = tmp / f"delight-{channels}.db"
    teams = max(1, channels // 5)
    fanout = min(args.fanout, teams) if channels else 0
    now = datetime.now(UTC)
    spec = {"now": now.isoformat(), "teams": teams, "fanout_at": None}
    seeded = seed(root, db, {**spec, "first": 0, "count": channels - fanout})
    fanout_at = None
    if fanout:
        fanout_at = next_minute(datetime.now(UTC) + timedelta(seconds=args.lead))
        spec.update(now=datetime.now(UTC).isoformat(), fanout_at=fanout_at.isoformat())
        seeded += seed(root, db, {**spec, "first": channels - fanout, "count": fanout})
    print(f"  seeded {channels} channels in {seeded:.1f} s", flush=True)
    fake.reset()
    limit = fake.limit("chat.postMessage", per_channel=1.0, rate=None)
    log = tmp / f"bot-{channels}.log"
    bot = Bot(root, db, fake, log)
    result: dict = {"channels": channels, "fanout": fanout}
    try:
        result["healthz"] = bot.wait_for("/healthz", args.timeout)
        result["readyz"] = bot.wait_for("/readyz", args.timeout)
        result["log_start"] = log_lines(log)
        if not channels:
            return result
        time.sleep(args.settle)
        window = args.idle
        if fanout_at is not None:
            window = min(window, (fanout_at - datetime.now(UTC)).total_seconds() - 1)
        if window >= 1:
            lines, cpu, begun = log_lines(log), cpu_seconds(bot.proc.pid), time.monotonic()
            time.sleep(window)
            elapsed = time.monotonic() - begun
            result["idle_cpu"] = (cpu_seconds(bot.proc.pid) - cpu) * 60 / elapsed
            result["idle_window"] = elapsed
            result["log_idle"] = log_lines(log) - lines
        result["rss"], result["hwm"] = memory(bot.proc.pid)
        if fanout_at is not None:
            result.update(fan_out(bot, fake, fanout_at, channels - fanout, fanout))
        result["refused"] = limit.refused
    finally:
        bot.stop()
        result["log_total"] = log_lines(log)
        db.unlink(missing_ok=True)
    return result


def fan_out(bot: Bot, fake, due: datetime, first: int, count: int) -> dict:
    ours = {f"C{n:07d}" for n in range(first, first + count)}
    late = datetime.now(UTC) > due
    wait = (due - datetime.now(UTC)).total_seconds()
    if wait > 0:
        time.sleep(wait)
    cpu, begun = cpu_seconds(bot.proc.pid), time.monotonic()
    deadline = begun + 60 + count / 20

    def posts() -> tuple[list, list]:
        mine = [c for c in fake.posted() if c.params.get("channel") in ours]
        return (
            [c for c in mine if "thread_ts" not in c.params],
            [c for c in mine if "thread_ts" in c.params],
        )

    polls, replies = posts()
    while (len(polls) < count or len(replies) < count) and time.monotonic() < deadline:
        time.sleep(0.05)
        polls, replies = posts()
    done = time.monotonic()
    cpu_used = cpu_seconds(bot.proc.pid) - cpu
    time.sleep(2.0)  # anything doubled arrives now or never
    polls, replies = posts()
    per_channel: dict[str, int] = {}
    for call in polls:
        per_channel[call.params["channel"]] = per_channel.get(call.params["channel"], 0) + 1

    def last(calls: list) -> float | None:
        return max(c.at for c in calls) - begun if calls else None

    return {
        "fanout_late": late,
        "fanout_polls": last(polls),
        "fanout_replies": last(replies),
        "fanout_lost": count - len(per_channel),
        "fanout_doubled": sum(1 for n in per_channel.values() if n > 1),
        "fanout_cpu_ms": cpu_used * 1000 / count,
        "fanout_span": done - begun,
    }


# Reporting


def fmt(value: float | None, spec: str, unit: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{unit}"


def table(name: str, results: list[dict], empty: dict) -> None:
    print(f"\n{name} (start of an empty database: /readyz after {empty['readyz']:.2f} s)")
    head = (
        "| channels | start → /healthz | start → /readyz | start-up per channel | RSS (peak) "
        "| idle CPU | log lines: start / idle | fan-out: polls / result lines posted after "
        "| lost / doubled / 429s | CPU per fan-out poll |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in results:
        per = max(0.0, (r["readyz"] - empty["readyz"]) / r["channels"] * 1e6)
        fan = (
            f"{r['fanout']:,}: {fmt(r.get('fanout_polls'), '.1f', ' s')} / "
            f"{fmt(r.get('fanout_replies'), '.1f', ' s')}"
            + (" (late start)" if r.get("fanout_late") else "")
            if r["fanout"]
            else "—"
        )
        faults = (
            f"{r.get('fanout_lost', 0)} / {r.get('fanout_doubled', 0)} / {r.get('refused', 0)}"
            if r["fanout"]
            else "—"
        )
        print(
            f"| {r['channels']:,} | {r['healthz']:.2f} s | {r['readyz']:.2f} s | {per:.1f} µs "
            f"| {r['rss'] / MIB:.0f} MiB ({r['hwm'] / MIB:.0f}) "
            f"| {fmt(r.get('idle_cpu'), '.3f', ' s/min')} "
            f"| {r['log_start']:,} / {r.get('log_idle', 0):,} | {fan} | {faults} "
            f"| {fmt(r.get('fanout_cpu_ms'), '.1f', ' ms') if r['fanout'] else '—'} |"
        )


def ratios(results: list[dict], baseline: list[dict]) -> None:
    old = {r["channels"]: r for r in baseline}
    both = [r for r in results if r["channels"] in old]
    if not both:
        return
    print("\nthis tree / baseline, same run")
    for r in both:
        b = old[r["channels"]]
        parts = [
            f"/healthz {r['healthz'] / b['healthz']:.2f}x",
            f"/readyz {r['readyz'] / b['readyz']:.2f}x",
            f"RSS {r['rss'] / b['rss']:.2f}x",
        ]
        if r.get("idle_cpu") and b.get("idle_cpu"):
            parts.append(f"idle CPU {r['idle_cpu'] / b['idle_cpu']:.2f}x")
        if r.get("fanout_polls") and b.get("fanout_polls"):
            parts.append(f"fan-out {r['fanout_polls'] / b['fanout_polls']:.2f}x")
        print(f"  {r['channels']:,} channels: " + ", ".join(parts))


def goals(results: list[dict], empty: dict) -> None:
    big = max(results, key=lambda r: r["channels"])
    small = min(results, key=lambda r: r["channels"])
    per = {r["channels"]: (r["readyz"] - empty["readyz"]) / r["channels"] for r in results}
    checks = [
        (f"start → /healthz < 1 s at {big['channels']:,}", big["healthz"] < 1.0),
        (f"start → /readyz < 3 s at {big['channels']:,}", big["readyz"] < 3.0),
        (f"RSS < 120 MiB at {big['channels']:,}", big["rss"] < 120 * MIB),
        (
            f"idle CPU < 0.05 s/min at {big['channels']:,}",
            big.get("idle_cpu") is not None and big["idle_cpu"] < 0.05,
        ),
        (
            "fan-out posted exactly once, no 429",
            all(
                r.get("fanout_lost") == 0 and r.get("fanout_doubled") == 0 and not r["refused"]
                for r in results
                if r["fanout"]
            ),
        ),
        (
            f"start-up per channel not growing ({small['channels']:,} → {big['channels']:,})",
            # No faster than linear from the smaller N, within the noise of a start (0.2 s).
            big["readyz"] - small["readyz"]
            <= (big["channels"] - small["channels"]) * max(per[small["channels"]], 0) + 0.2,
        ),
    ]
    for text, ok in checks:
        print(f"goal: {text}: {'met' if ok else 'MISSED'}")


def run(root: Path, ns: list[int], args: argparse.Namespace, fake, label: str) -> tuple[dict, list]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        print(f"{label}: empty database", flush=True)
        empty = one(root, 0, args, fake, tmp)
        results = []
        for n in ns:
            print(f"{label}: {n:,} channels", flush=True)
            results.append(one(root, n, args, fake, tmp))
            print(f"  {json.dumps(results[-1])}", flush=True)
    return empty, results


def profile(channels: int, args: argparse.Namespace, fake) -> None:
    import cProfile
    import pstats
    import threading

    from bot.app import build
    from bot.settings import Settings

    profiles: list[cProfile.Profile] = []
    # CPU time of each thread (where the work goes), or wall time (where it waits, too).
    timer = time.thread_time if args.profile_clock == "cpu" else time.perf_counter

    def per_thread(*_event: object) -> None:
        """Each new thread's first event: give the thread a profiler of its own."""
        profiler = cProfile.Profile(timer)
        profiles.append(profiler)
        profiler.enable()

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "delight.db"
        teams = max(1, channels // 5)
        fanout = min(args.fanout, teams)
        now = datetime.now(UTC)
        spec = {"now": now.isoformat(), "teams": teams, "fanout_at": None}
        seed(ROOT, db, {**spec, "first": 0, "count": channels - fanout})
        at = next_minute(datetime.now(UTC) + timedelta(seconds=20))
        spec.update(now=datetime.now(UTC).isoformat(), fanout_at=at.isoformat())
        seed(ROOT, db, {**spec, "first": channels - fanout, "count": fanout})
        ours = {f"C{n:07d}" for n in range(channels - fanout, channels)}
        settings = Settings(
            bot_token="xoxb-bench",
            signing_secret=SIGNING_SECRET,
            api_url=fake.api_url,
            db_path=db,
            default_tz="UTC",
        )
        main = cProfile.Profile(timer)
        profiles.append(main)
        threading.setprofile(per_thread)
        started = time.perf_counter()
        main.enable()
        runtime = build(settings)
        runtime.start()
        main.disable()
        print(f"build() and start(): {time.perf_counter() - started:.3f} s (profiled)")
        time.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()))
        begun = time.perf_counter()
        while time.perf_counter() - begun < 120:
            posted = {c.params.get("channel") for c in fake.posted()} & ours
            if len(posted) == fanout:
                break
            time.sleep(0.05)
        print(f"{len(posted)} of {fanout} polls posted {time.perf_counter() - begun:.1f} s after")
        print(f"their minute, {channels:,} channels (profiled)")
        runtime.close()
        threading.setprofile(None)
    for profiler in profiles:
        profiler.disable()
    stats = pstats.Stats(profiles[0])
    for profiler in profiles[1:]:
        stats.add(profiler)
    stats.sort_stats("tottime").print_stats(25)
    # Delight's own functions, by the time spent in them and what they call.
    stats.sort_stats("cumulative").print_stats(r"/(bot|schedules|handlers)/", 40)


def export(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def counts(text: str) -> list[int]:
    return [int(float(part.replace("k", "e3"))) for part in text.split(",") if part]


def main() -> None:
    if sys.argv[1:2] == ["_seed"]:
        _seed(json.loads(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=counts, default=[1000, 10000, 100000])
    parser.add_argument("--fanout", type=int, default=2000, help="channels due at one minute")
    parser.add_argument("--idle", type=float, default=30.0, help="idle window, seconds")
    parser.add_argument("--settle", type=float, default=3.0, help="quiet before the window")
    parser.add_argument("--lead", type=float, default=45.0, help="start to fan-out, at least")
    parser.add_argument("--timeout", type=float, default=600.0, help="for /healthz, /readyz")
    parser.add_argument("--baseline", help="a git revision to measure first, in the same run")
    parser.add_argument("--baseline-channels", type=counts, default=[1000, 10000])
    parser.add_argument("--profile", type=counts, help="profile this tree at N channels")
    parser.add_argument("--profile-clock", choices=("cpu", "wall"), default="cpu")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.fake_slack import FakeSlack

    fake = FakeSlack()
    if args.profile:
        try:
            profile(args.profile[0], args, fake)
        finally:
            fake.close()
        return
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {date.today()}", flush=True)
    try:
        baseline = None
        if args.baseline:
            with tempfile.TemporaryDirectory() as folder:
                old = export(args.baseline, Path(folder))
                baseline = run(old, args.baseline_channels, args, fake, args.baseline)
        current = run(ROOT, args.channels, args, fake, "this tree")
    finally:
        fake.close()
    if baseline is not None:
        table(f"baseline {args.baseline}", baseline[1], baseline[0])
    table("this tree", current[1], current[0])
    if baseline is not None:
        ratios(current[1], baseline[1])
    goals(current[1], current[0])


if __name__ == "__main__":
    main()
