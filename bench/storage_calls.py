"""The storage calls of a click and of the redraw it queues: this tree against another
revision's storage, in the same run.

    .venv/bin/python bench/storage_calls.py [--against main] [--clicks 2000] [--rounds 5]

A click reads its poll and the channel's profile and writes the answer with its edit queued
(``Delight.answer``); the redraw is what the delivery worker then reads and retires (the new
row, the poll, its live tally, the profile, the week's totals, ``outbox_delivered``). Each
round runs both trees, one after the other in child processes of their own, on a fresh
database file: ``--clicks`` people answer one poll, each click followed by its redraw. The
other tree is ``git archive``'d from ``--against`` into a temporary folder. Times are the
child's CPU time (``time.process_time``), which the machine's other load hardly changes,
unlike the wall clock. The table shows each tree's median µs per click and per redraw over
the rounds, and the summary the ratio (this tree / the other), which is what to compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def child(db: Path, clicks: int) -> dict:
    """Runs in the child: the tree under test is first on ``sys.path``."""
    from bot.storage.store import Storage

    storage = Storage(db)
    poll, _ = storage.claim_poll("T1", "C1", DAY, NOW)
    storage.set_poll_message(poll.id, "1.1")
    last_id = 0
    spent = {"click": 0.0, "redraw": 0.0}
    for n in range(clicks):
        started = time.process_time()
        found = storage.get_poll(poll.id)
        threshold = storage.channel_profile(found.team_id, found.channel_id).threshold
        storage.record_answer(poll.id, f"person-{n}", n % 10, threshold, edit_at=NOW)
        clicked = time.process_time()
        for row in storage.outbox_after(last_id):
            last_id = row.id
            row = storage.outbox_row(row.id)
            shown = storage.get_poll(row.ref)
            storage.live_tally(shown.id)
            storage.channel_profile(shown.team_id, shown.channel_id)
            storage.daily_totals(shown.team_id, shown.channel_id, DAY - timedelta(days=2), DAY)
            storage.outbox_delivered(row)
        spent["click"] += clicked - started
        spent["redraw"] += time.process_time() - clicked
    storage.close()
    return {name: seconds / clicks * 1e6 for name, seconds in spent.items()} | {
        "module": sys.modules[Storage.__module__].__file__
    }


def run_child(tree: Path, db: Path, clicks: int) -> dict:
    code = (
        f"import sys, json; sys.path.insert(0, {str(tree)!r}); sys.path.insert(1, {str(ROOT)!r});"
        " from bench.storage_calls import child;"
        f" print(json.dumps(child(__import__('pathlib').Path({str(db)!r}), {clicks})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tree
    )
    timings = json.loads(done.stdout)
    if not Path(timings.pop("module")).is_relative_to(tree):
        raise SystemExit(f"the child did not import the storage of {tree}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", default="main", help="the other revision (default: main)")
    parser.add_argument("--clicks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        other.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.against, "bot"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive.stdout, check=True)
        trees = {"this tree": ROOT, args.against: other}
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for n in range(args.rounds):
            for index, (name, tree) in enumerate(trees.items()):
                db = Path(tmp) / f"round-{n}-{index}.db"
                samples[name].append(run_child(tree, db, args.clicks))
    medians = {
        name: {op: statistics.median(s[op] for s in runs) for op in ("click", "redraw")}
        for name, runs in samples.items()
    }
    print(f"{args.clicks} clicks on one poll, {args.rounds} rounds, median CPU µs each")
    print(f"{'tree':<12} {'click':>8} {'redraw':>8}")
    for name, median in medians.items():
        print(f"{name:<12} {median['click']:>8.1f} {median['redraw']:>8.1f}")
    this, base = medians["this tree"], medians[args.against]
    print(
        f"summary: this tree / {args.against}: click {this['click'] / base['click']:.2f}x, "
        f"redraw {this['redraw'] / base['redraw']:.2f}x"
    )


if __name__ == "__main__":
    main()
