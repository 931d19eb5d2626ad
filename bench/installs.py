"""The installs file: reading a workspace's token (Bolt's authorize does it on every request)
and storing a refreshed one, Delight's store (``bot.slack.installs`` over
``bot.storage.tokens``) against slack_sdk's ``SQLite3InstallationStore`` (what releases before
it read through), in the same run, on the same disk.

    python bench/installs.py [--workspaces 200] [--reads 20000] [--threads 8] [--writes 200]

Prints the median and p99 of one read, the reads per second with ``--threads`` threads
reading at once (Bolt's request threads), and the median of one token write, each with the
ratio Delight / slack_sdk. slack_sdk's store opens a connection per call and appends a row
per save (in WAL mode, as earlier releases set the file); Delight's holds one connection and
replaces the row, then checkpoints the log and syncs (``synchronous=FULL``).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore

from bot.slack.installs import DelightInstallationStore
from bot.storage.tokens import TokenFile

CLIENT_ID = "111.222"


def bot(team_id: str, n: int) -> Bot:
    return Bot(
        app_id="A0APP",
        team_id=team_id,
        bot_token=f"xoxe.xoxb-1-{team_id}-{n}",
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write,channels:read,groups:read",
        bot_refresh_token=f"xoxe-1-{team_id}-{n}",
        bot_token_expires_in=43200,
        installed_at=time.time(),
    )


def teams(count: int) -> list[str]:
    return [f"T{n:08d}" for n in range(count)]


def read_times(store: InstallationStore, team_ids: list[str], reads: int) -> list[float]:
    times = []
    for n in range(reads):
        team = team_ids[n % len(team_ids)]
        started = time.perf_counter()
        found = store.find_bot(enterprise_id=None, team_id=team)
        times.append(time.perf_counter() - started)
        assert found is not None
    return times


def reads_per_second(
    store: InstallationStore, team_ids: list[str], reads: int, threads: int
) -> float:
    start = threading.Barrier(threads + 1)

    def work() -> None:
        start.wait()
        read_times(store, team_ids, reads // threads)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return (reads // threads * threads) / (time.perf_counter() - started)


def write_times(save: Callable[[Bot], None], team_ids: list[str], writes: int) -> list[float]:
    times = []
    for n in range(writes):
        refreshed = bot(team_ids[n % len(team_ids)], 1000 + n)
        started = time.perf_counter()
        save(refreshed)
        times.append(time.perf_counter() - started)
    return times


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--reads", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    team_ids = teams(args.workspaces)
    with tempfile.TemporaryDirectory() as folder:
        legacy = Path(folder) / "slack_sdk.db"
        with closing(sqlite3.connect(legacy)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")  # as the earlier releases set it
        theirs = SQLite3InstallationStore(database=str(legacy), client_id=CLIENT_ID)
        tokens = TokenFile(Path(folder) / "delight.db.installs.db", CLIENT_ID)
        ours = DelightInstallationStore(tokens)
        stores = {"slack_sdk": theirs, "Delight": ours}
        for store in stores.values():
            for team in team_ids:
                store.save_bot(bot(team, 0))
        figures: dict[str, dict[str, float]] = {}
        # Alternate the two, so that a noisy moment of the shared machine hits both.
        for _ in range(3):
            for name, store in stores.items():
                one = read_times(store, team_ids, args.reads // 3)
                figure = figures.setdefault(name, {"median": [], "p99": [], "rate": []})
                figure["median"].append(statistics.median(one) * 1e6)
                figure["p99"].append(p99(one) * 1e6)
                figure["rate"].append(
                    reads_per_second(store, team_ids, args.reads // 3, args.threads)
                )
        for name, store in stores.items():
            figures[name]["write"] = [
                statistics.median(write_times(store.save_bot, team_ids, args.writes)) * 1e3
            ]
        tokens.close()

    def med(name: str, key: str) -> float:
        return statistics.median(figures[name][key])

    print(f"{args.workspaces} workspaces; medians of 3 rounds; ratio = Delight / slack_sdk")
    rows = [
        ("read a token, median (us)", "median", "{:.1f}"),
        ("read a token, p99 (us)", "p99", "{:.1f}"),
        (f"reads/s, {args.threads} threads at once", "rate", "{:.0f}"),
        ("store a refreshed token, median (ms)", "write", "{:.2f}"),
    ]
    for label, key, fmt in rows:
        theirs_figure, ours_figure = med("slack_sdk", key), med("Delight", key)
        print(
            f"{label:<40} slack_sdk {fmt.format(theirs_figure):>9}   "
            f"Delight {fmt.format(ours_figure):>9}   ratio {ours_figure / theirs_figure:.2f}"
        )


if __name__ == "__main__":
    main()
