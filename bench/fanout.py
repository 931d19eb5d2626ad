"""Fan-out: 1,000 channels polling at the same minute against a rate-limiting fake Slack.

    .venv/bin/python bench/fanout.py [--channels 1000] [--rate 100] [--burst 50] [--rounds 3]

The real app (``python -m bot``, HTTP mode, its own process) starts on a database where every
channel's poll became due a minute ago and yesterday's poll is still open with answers, so
the start-up catch-up fans out: per channel, today's poll and yesterday's result in that
poll's thread, two posts in the same second if nothing paced them. The fake Slack Web API
(tests/fake_slack.py, in this process) enforces one ``chat.postMessage`` per second per
channel and a workspace bucket of ``--burst`` posts then ``--rate`` a second, answering
429 with ``Retry-After`` beyond that. Delight is told the same pace (``DELIGHT_POST_RATE``,
``DELIGHT_POST_BURST``).

The ideal is the least time those limits allow for all the posts: ``(posts - burst) / rate``
and at least the one second between a channel's two posts. Time is from the first post
Slack accepted to the last; the figure is the median over ``--rounds`` fresh starts.
Lost: channels whose poll never arrived; doubled: channels with more than one.

``--baseline`` adds, in the same run, rounds where Delight is told a pace far above Slack's
(1,000 a second): only Slack's 429s and the client's ``Retry-After`` retries slow it down.
Those rounds end when no post has arrived for 10 s; a poll still missing then waits for
the sweep's retry 5 minutes later, so it counts as lost here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ack_latency import free_port, wait_healthy  # noqa: E402
from bot.domain.schedule import EVERY_DAY  # noqa: E402
from bot.service.due import DueInstants  # noqa: E402
from bot.storage.store import Storage  # noqa: E402
from tests.fake_slack import TEAM_ID, FakeSlack  # noqa: E402

TARGET = 1.1
SIGNING_SECRET = "bench-signing-secret"


def noon_zone(now: datetime) -> str:
    """A fixed-offset zone where it is around noon, so no round crosses a local midnight."""
    offset = (now.hour - 12) % 24
    offset = offset - 24 if offset > 12 else offset
    return "Etc/GMT" + (f"+{offset}" if offset >= 0 else f"{offset}")


def seed(db: Path, channels: int, zone: str, now: datetime) -> None:
    local = now.astimezone(ZoneInfo(zone))
    poll_time = (local - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    yesterday = local.date() - timedelta(days=1)
    storage = Storage(db)
    due = DueInstants(storage)
    for n in range(channels):
        channel = f"C{n:05d}"
        storage.save_schedule(TEAM_ID, channel, poll_time, zone, EVERY_DAY)
        # Only polls fan out here: no digest catch-up joins in, whatever day it is.
        storage.set_digest(TEAM_ID, channel, None, None, off=True)
        # As /delight schedule does: the due index knows the poll, due a minute ago.
        due.schedule_changed(TEAM_ID, channel, now - timedelta(minutes=2))
        poll, _ = storage.claim_poll(TEAM_ID, channel, yesterday, now - timedelta(days=1))
        storage.set_poll_message(poll.id, f"1699999999.{n:06d}")
        for person in ("p1", "p2", "p3"):
            storage.record_answer(poll.id, person, 1)
    storage.close()


def one_round(args: argparse.Namespace, fake: FakeSlack, paced: bool = True) -> dict:
    fake.reset()
    limit = fake.limit("chat.postMessage", per_channel=1.0, rate=args.rate, burst=args.burst)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "delight.db"
        now = datetime.now(UTC)
        zone = noon_zone(now)
        seed(db, args.channels, zone, now)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DELIGHT_"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.api_url,
            DELIGHT_DB=str(db),
            DELIGHT_POST_RATE=str(args.rate if paced else 1000),
            DELIGHT_POST_BURST=str(args.burst if paced else 1000),
            PORT=str(port),
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_healthy(port)
            expected = 2 * args.channels
            deadline = time.monotonic() + 60 + 3 * expected / args.rate
            last, quiet_since = 0, time.monotonic()
            while len(fake.posted()) < expected and time.monotonic() < deadline:
                time.sleep(0.05)
                if len(fake.posted()) != last:
                    last, quiet_since = len(fake.posted()), time.monotonic()
                elif time.monotonic() - quiet_since > 10:
                    break  # nothing more is coming before the sweep's retry
            time.sleep(1.0)  # anything doubled arrives now or never
        finally:
            proc.terminate()
            proc.wait(30)
        storage = Storage(db)
        today = now.astimezone(ZoneInfo(zone)).date()
        recorded = 0
        for _, channel in storage.all_channels():
            poll = storage.poll_on(TEAM_ID, channel, today)
            recorded += poll is not None and poll.message_ts is not None
        storage.close()
    posted = fake.posted()
    polls = Counter(c.params["channel"] for c in posted if "thread_ts" not in c.params)
    replies = Counter(c.params["channel"] for c in posted if "thread_ts" in c.params)
    span = max(c.at for c in posted) - min(c.at for c in posted)
    ideal = max((len(posted) - args.burst) / args.rate, 1.0)
    return {
        "posts": len(posted),
        "seconds": span,
        "ideal": ideal,
        "ratio": span / ideal,
        "lost": args.channels - len(polls),
        "doubled": sum(1 for n in polls.values() if n > 1),
        "replies_lost": args.channels - len(replies),
        "recorded": recorded,
        "refused": limit.refused,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="workspace posts per second")
    parser.add_argument("--burst", type=int, default=50, help="workspace burst")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--baseline", action="store_true", help="also run rounds without Delight's pacing"
    )
    args = parser.parse_args()
    fake = FakeSlack()
    rounds, baseline = [], []
    try:
        for n in range(args.rounds):
            rounds.append(one_round(args, fake))
            report(f"round {n + 1}", rounds[-1], args)
            if args.baseline:
                baseline.append(one_round(args, fake, paced=False))
                report(f"unpaced {n + 1}", baseline[-1], args)
    finally:
        fake.close()
    table(args, rounds, baseline)


def report(name: str, r: dict, args: argparse.Namespace) -> None:
    print(
        f"{name}: {r['posts']} posts in {r['seconds']:.2f} s, ideal "
        f"{r['ideal']:.2f} s ({r['ratio']:.2f}x); lost {r['lost']}, doubled "
        f"{r['doubled']}, thread replies lost {r['replies_lost']}, polls recorded "
        f"{r['recorded']}/{args.channels}, 429s {r['refused']}",
        flush=True,
    )


def table(args: argparse.Namespace, rounds: list[dict], baseline: list[dict]) -> None:
    def median(key: str, of: list[dict] = rounds) -> float:
        return statistics.median(r[key] for r in of)

    print(
        f"{args.channels} channels x 2 posts, Slack limits 1/s per channel and {args.burst} "
        f"then {args.rate:g}/s per workspace; {args.rounds} rounds; {os.cpu_count()} cores"
    )
    extra = f" {'unpaced':>9}" if baseline else ""
    print(f"{'figure':24} {'median':>9} {'worst':>9}{extra}")
    for key, label in [
        ("seconds", "time to post all (s)"),
        ("ideal", "ideal (s)"),
        ("ratio", "ratio to ideal"),
        ("lost", "polls lost"),
        ("doubled", "polls doubled"),
        ("refused", "429s from Slack"),
    ]:
        worst = max(r[key] for r in rounds)
        extra = f" {median(key, baseline):>9.2f}" if baseline else ""
        print(f"{label:24} {median(key):>9.2f} {worst:>9.2f}{extra}")
    lost = sum(r["lost"] for r in rounds)
    doubled = sum(r["doubled"] for r in rounds)
    met = "met" if median("ratio") <= TARGET and lost == 0 and doubled == 0 else "MISSED"
    print(
        f"summary fanout: {median('ratio'):.2f}x the ideal time (median of {args.rounds}), "
        f"{lost} lost, {doubled} doubled (target <= {TARGET}x, 0 lost, 0 doubled: {met})"
        + (
            f"; unpaced: {median('ratio', baseline):.2f}x, {median('lost', baseline):.0f} "
            f"polls left for the sweep, {median('refused', baseline):.0f} 429s"
            if baseline
            else ""
        )
    )


if __name__ == "__main__":
    main()
