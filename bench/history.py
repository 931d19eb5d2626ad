"""History: Home card, weekly digest and tally on a year of history, vs. a one-channel database.

    .venv/bin/python bench/history.py [--channels 1000] [--people 50] [--days 260] [--scale 1]
        [--sample 20] [--repeat 20] [--cold] [--db PATH] [--keep] [--reuse]

A synthetic year goes into a database created by the app's own ``Storage`` (so the schema,
migrations and indexes are the app's): ``--channels`` channels of ``--people`` people each,
``--days`` working days (Mon-Fri) ending on Friday 2026-11-20, all in one workspace. Every
day each channel has a poll, posted and closed; each person answers with probability 0.8, a
count of 0-5. A closed poll keeps only its team numbers (issue 13: its answers are folded
into ``polls.responders`` and ``polls.total`` and deleted at close), so that is what is
loaded: no answer rows, as the app leaves them. Channels log a few wins a week with short
stories of every kind, and some have a customer, a goal, a privacy threshold, a nudge or a
digest time set. Rows are written day by day across all channels, as the app would write
them, with raw ``executemany`` in one transaction per week (loading is the bench's
business; only the measured code paths must be the app's). ``--scale`` multiplies
``--channels`` for a quicker run.

Measured with the clock fixed at Friday 2026-11-20 20:00 UTC, on ``--sample`` random channels
(fixed seed), ``--repeat`` rounds each after one warm-up round: ``Reports.channel_card`` plus
rendering it with ``home_blocks.home_view`` (the Home tab's card), ``Reports.digest`` plus
``digest_blocks.digest_message`` (the weekly digest) and ``Reports.tally`` plus its text
(``/delight tally``); none of them calls Slack. The
Block Kit (or text) render inside each is timed on its own as well. The baseline, in the same
run, is the same operations on a one-channel database per sampled channel, holding exactly
that channel's history, so the ratio is what sharing the database with the other channels
costs. Each operation goes through every sampled channel before the next (as the digest job
and a busy Home tab would), and rounds rotate which database goes first. Caches are warm by
default (the load leaves the whole file in the OS page cache; SQLite keeps its default 2 MiB
per connection); ``--cold`` drops the database from both before every run, which is what the
weekly digest job meets on a host whose RAM does not hold the file.

Before the fold the same year held one row per answer (10.2 M, under pseudonyms): 597 MiB on
disk, digest p50 0.74 / p95 0.83 ms, Home card 0.71 / 0.78 ms (2026-11-22, same machine).

Also printed: rows loaded and load time, the database's size on disk after a checkpoint
(main file and -wal, and the largest tables and indexes), and ``EXPLAIN QUERY PLAN`` of the
SQL that ``daily_totals``, ``wins_between``, ``win_count`` and ``channel_profile`` actually
run (captured with a trace callback, parameters inlined). Its first run
(before migration m006) showed ``daily_totals`` reading the answers table beside its index;
m006 made both answers and polls covered.

``--db PATH`` puts the database there (the baselines in ``<stem>-bench/`` beside it);
everything is deleted afterwards unless ``--keep``. ``--reuse`` measures a kept ``--db``
again without loading it (pass the same --channels/--people/--days/--scale).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain.models import WinKind  # noqa: E402
from bot.service.channels import Channels  # noqa: E402
from bot.service.reports import Reports  # noqa: E402
from bot.slack import digest_blocks, home_blocks, outcomes, reply_texts  # noqa: E402
from bot.storage.store import Storage  # noqa: E402

TEAM_ID = "T0BENCH01"
LAST_DAY = date(2026, 11, 20)  # a Friday
NOW = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)  # Friday evening in every zone below
SEED = 2026
TARGET_MS = 20.0  # the target: digest and Home tab < 20 ms each
ANSWER_RATE = 0.8
ZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York"]
POLL_TIMES = ["09:30", "10:00", "11:00", "11:30", "12:00"]  # closed two hours later
CUSTOMERS = [
    "Patients on ward 7",
    "Small shops in the north & east",
    "Acme <EU> accounts",
    "Everyone who calls the help line",
    "New parents",
    "Our colleagues in Finance",
]
STORY_OPENINGS = [
    "Called back a customer who was about to cancel",
    "Fixed the invoice bug before anyone noticed",
    "Walked a first-time user through setup",
    "Shipped the export they asked for last week",
    "Sat with the night shift to see what slows them down",
    "Turned a complaint into a 5-star review",
    "Sent a handwritten thank-you & a sample",
    "Answered <every> ticket in the queue before lunch",
]
STORY_ENDINGS = [
    "",
    " :tada:",
    ", and they told their friends.",
    " - they renewed for two years!",
    ". Thanks to everyone who covered for us.",
    " They said it was the best support they've had all year, which made our day.",
]
WIN_KINDS = list(WinKind)
WIN_WEIGHTS = [3, 4, 2, 3]  # new, kept, internal, other
WINS_PER_DAY = ([0, 1, 2], [55, 35, 10])  # about 2.75 a week
SKIPS_PER_YEAR = 4


# The synthetic year


def working_days(count: int) -> list[date]:
    """The last ``count`` Monday-to-Friday dates up to LAST_DAY, oldest first."""
    days, day = [], LAST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


@dataclass
class Channel:
    """One channel's settings and people, and the random stream its history is drawn from.

    Built from its index alone, so the one-channel baseline replays exactly the same history.
    """

    index: int
    people: int
    days: list[date]
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        rng = self.rng = random.Random(f"{SEED}:{self.index}")
        self.channel_id = f"C{self.index:010X}"
        self.tz = rng.choice(ZONES)
        self.poll_time = rng.choice(POLL_TIMES)
        self.customer = rng.choice(CUSTOMERS) if rng.random() < 0.5 else None
        self.goal = rng.randrange(300, 700, 25) if rng.random() < 0.4 else None
        self.threshold = rng.randint(2, 6) if rng.random() < 0.25 else None
        self.nudge = 30 if rng.random() < 0.3 else None
        self.digest = (4, "13:00") if rng.random() < 0.2 else (None, None)
        self.skips = set(rng.sample(self.days, min(SKIPS_PER_YEAR, len(self.days) // 20)))
        if rng.random() < 0.1:
            self.skips.add(LAST_DAY + timedelta(days=3))  # next Monday

    def row(self) -> tuple:
        return (
            TEAM_ID,
            self.channel_id,
            self.tz,
            self.poll_time,
            "0,1,2,3,4",
            0,
            *self.digest,
            0,
            None,
            self.nudge,
            self.customer,
            self.goal,
            self.threshold,
        )


CHANNEL_SQL = (
    "INSERT INTO channels (team_id, channel_id, tz, poll_time, days, paused, digest_day,"
    " digest_time, digest_off, disabled_reason, nudge_minutes, customer, goal, threshold)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
POLL_SQL = (
    "INSERT INTO polls (id, team_id, channel_id, local_date, claimed_at, message_ts,"
    " permalink, closed_at, nudged_at, threshold, responders, total)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
WIN_SQL = (
    "INSERT INTO wins (team_id, channel_id, local_date, kind, story, source_id)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
SKIP_SQL = "INSERT INTO skips (team_id, channel_id, local_date) VALUES (?, ?, ?)"
DIGEST_SQL = "INSERT INTO digests (team_id, channel_id, week_start, claimed_at) VALUES (?, ?, ?, ?)"


def make_channels(indexes: list[int], people: int, days: list[date]) -> list[Channel]:
    return [Channel(i, people, days) for i in indexes]


@dataclass
class Batch:
    polls: list[tuple] = field(default_factory=list)
    answers_given: int = 0  # folded into the polls' team numbers, not stored
    wins: list[tuple] = field(default_factory=list)
    digests: list[tuple] = field(default_factory=list)


def history(channels: list[Channel], days: list[date]) -> Iterator[Batch]:
    """The year, a week at a time, day by day across all channels; poll ids from 1."""
    poll_id = 0
    batch = Batch()
    for n, day in enumerate(days):
        iso = day.isoformat()
        for ch in channels:
            rng = ch.rng
            if day not in ch.skips:
                poll_id += 1
                local = datetime.combine(day, clock_time.fromisoformat(ch.poll_time))
                claimed = local.replace(tzinfo=ZoneInfo(ch.tz)).astimezone(UTC)
                ts = f"{int(claimed.timestamp())}.{ch.index % 1_000_000:06d}"
                draw = rng.random
                counts = [int(draw() * 6) for _ in range(ch.people) if draw() < ANSWER_RATE]
                batch.answers_given += len(counts)
                batch.polls.append(
                    (
                        poll_id,
                        TEAM_ID,
                        ch.channel_id,
                        iso,
                        claimed.isoformat(),
                        ts,
                        f"https://bench.slack.com/archives/{ch.channel_id}/p{ts.replace('.', '')}",
                        (claimed + timedelta(hours=2)).isoformat(),
                        (claimed + timedelta(minutes=90)).isoformat() if ch.nudge else None,
                        ch.threshold or 3,
                        len(counts),
                        sum(counts),
                    )
                )
            for k in range(rng.choices(*WINS_PER_DAY)[0]):
                story = rng.choice(STORY_OPENINGS) + rng.choice(STORY_ENDINGS)
                kind = rng.choices(WIN_KINDS, WIN_WEIGHTS)[0]
                source = f"{iso}.{ch.index}.{k}.bench"
                batch.wins.append((TEAM_ID, ch.channel_id, iso, kind.value, story, source))
            if day.weekday() == 4:
                week_start = (day - timedelta(days=4)).isoformat()
                batch.digests.append((TEAM_ID, ch.channel_id, week_start, f"{iso}T15:00:00+00:00"))
        if day.weekday() == 4 or n == len(days) - 1:
            yield batch
            batch = Batch()


def load(path: Path, channels: list[Channel], days: list[date]) -> dict[str, int]:
    """Create the database with the app's Storage, then bulk-load the year; rows per table."""
    Storage(path).close()  # the app's schema, migrations and indexes, WAL mode
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")  # 256 MiB while loading
    rows = dict.fromkeys(["channels", "polls", "answers", "wins", "skips", "digests"], 0)
    rows["answers folded"] = 0

    def insert(table: str, sql: str, values: list[tuple]) -> None:
        conn.executemany(sql, values)
        rows[table] += len(values)

    conn.execute("BEGIN")
    insert("channels", CHANNEL_SQL, [ch.row() for ch in channels])
    insert(
        "skips",
        SKIP_SQL,
        [(TEAM_ID, ch.channel_id, d.isoformat()) for ch in channels for d in sorted(ch.skips)],
    )
    conn.execute("COMMIT")
    for batch in history(channels, days):
        conn.execute("BEGIN")
        insert("polls", POLL_SQL, batch.polls)
        rows["answers folded"] += batch.answers_given
        insert("wins", WIN_SQL, batch.wins)
        insert("digests", DIGEST_SQL, batch.digests)
        conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return rows


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    tables = ["channels", "polls", "answers", "wins", "skips", "digests"]
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    counts["answers folded"] = conn.execute("SELECT SUM(responders) FROM polls").fetchone()[0]
    conn.close()
    return counts


def disk_size(path: Path) -> tuple[int, int, list[tuple[str, int]]]:
    """(main file, -wal) bytes after a checkpoint, and bytes per table or index (dbstat)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    try:
        parts = conn.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    except sqlite3.OperationalError:  # SQLite built without dbstat
        parts = []
    conn.close()
    wal = Path(f"{path}-wal")
    return path.stat().st_size, wal.stat().st_size if wal.exists() else 0, parts


# Measuring


class RenderTimer:
    """Times the Block Kit (or text) builders while the app's own code calls them."""

    NAMES = (
        (digest_blocks, "digest_message"),
        (reply_texts, "tally_text"),
        (home_blocks, "home_view"),
    )

    def __init__(self) -> None:
        self.spent = 0.0
        self._originals = {(module, name): getattr(module, name) for module, name in self.NAMES}

    def __enter__(self) -> RenderTimer:
        for (module, name), original in self._originals.items():
            setattr(module, name, self._timed(original))
        return self

    def __exit__(self, *exc: object) -> None:
        for (module, name), original in self._originals.items():
            setattr(module, name, original)

    def _timed(self, original: Callable) -> Callable:
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - t0

        return timed


@dataclass(frozen=True)
class Reader:
    """One database and the app's read side on it."""

    storage: Storage
    reports: Reports


def home(reader: Reader, channel_id: str) -> object:
    return home_blocks.home_view([reader.reports.channel_card(TEAM_ID, channel_id)])


def digest(reader: Reader, channel_id: str) -> object:
    return digest_blocks.digest_message(reader.reports.digest(TEAM_ID, channel_id))


def tally(reader: Reader, channel_id: str) -> object:
    return outcomes.tally_text(reader.reports.tally(TEAM_ID, channel_id))


OPERATIONS: dict[str, Callable[[Reader, str], object]] = {
    "home": home,
    "digest": digest,
    "tally": tally,
}
LABELS = {
    "home": "Home card (channel_card + home_view)",
    "digest": "weekly digest (digest, its message)",
    "tally": "tally (tally, its text)",
}


def reader_on(storage: Storage) -> Reader:
    """The Home tab's channel list is not measured: no directory is needed."""
    channels = Channels(storage, clock=lambda: NOW, default_tz="UTC")
    return Reader(storage, Reports(storage, channels, directory=None))  # type: ignore[arg-type]


# variant -> channel id -> the reader to measure that channel on
Variants = dict[str, dict[str, Reader]]
Samples = dict[tuple[str, str], list[tuple[float, float]]]  # (variant, op) -> [(total, render)]


def make_cold(storage: Storage) -> None:
    """Empty the connection's page cache and drop the database's files from the OS page cache
    (Linux; only these files), so the next read comes from the disk."""
    storage._db.execute("PRAGMA shrink_memory")
    for path in (storage.path, Path(f"{storage.path}-wal")):
        if path.exists():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def measure(variants: Variants, channel_ids: list[str], repeat: int, cold: bool) -> Samples:
    """``repeat`` rounds (after one warm-up): each operation over every sampled channel, on
    every variant in turn, the variant going first rotating from round to round."""
    samples: Samples = {}
    names = list(variants)
    with RenderTimer() as timer:
        for round_no in range(repeat + 1):
            order = names[round_no % len(names) :] + names[: round_no % len(names)]
            for op, run in OPERATIONS.items():
                for channel_id in channel_ids:
                    for name in order:
                        reader = variants[name][channel_id]
                        if cold:
                            make_cold(reader.storage)
                        timer.spent = 0.0
                        t0 = time.perf_counter()
                        run(reader, channel_id)
                        total = time.perf_counter() - t0
                        if round_no:
                            samples.setdefault((name, op), []).append((total, timer.spent))
    return samples


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def stats(samples: Samples, variant: str, op: str) -> tuple[float, float, float, float]:
    """(median, p95, render median, render p95) in ms."""
    totals = [t * 1000 for t, _ in samples[(variant, op)]]
    renders = [r * 1000 for _, r in samples[(variant, op)]]
    return (
        statistics.median(totals),
        pct(totals, 95),
        statistics.median(renders),
        pct(renders, 95),
    )


def ratio(samples: Samples, top: str, bottom: str, op: str) -> tuple[float, float]:
    """(p50, p95) of ``top`` over ``bottom``."""
    t50, t95, _, _ = stats(samples, top, op)
    b50, b95, _, _ = stats(samples, bottom, op)
    return t50 / b50, t95 / b95


def print_table(samples: Samples, labels: dict[str, str]) -> None:
    """One row per operation and database: the shared one against the one-channel baseline."""
    print(
        f"{'operation':37} {'database':>28} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'render p50':>10} {'render p95':>10}  ratio p50 / p95"
    )
    for op in OPERATIONS:
        for variant, label in labels.items():
            p50, p95, r50, r95 = stats(samples, variant, op)
            if variant == "single":
                note = "baseline"
            else:
                note = "{:.2f}x / {:.2f}x the baseline".format(
                    *ratio(samples, variant, "single", op)
                )
            print(
                f"{LABELS[op]:37} {label:>28} {p50:7.2f} {p95:7.2f} {r50:10.3f} {r95:10.3f}  {note}"
            )


def summary(samples: Samples, channels: int, cold: bool) -> str:
    parts = []
    for op in ("digest", "home"):
        p50, p95, _, _ = stats(samples, "shared", op)
        verdict = "met" if p95 < TARGET_MS else "MISSED"
        parts.append(f"{op} p50 {p50:.2f} / p95 {p95:.2f} ms ({verdict})")
    ratios = ", ".join(
        "{} {:.2f}x / {:.2f}x".format(op, *ratio(samples, "shared", "single", op))
        for op in OPERATIONS
    )
    return (
        f"summary ({'cold' if cold else 'warm'} caches): at {channels:,} channels "
        f"{'; '.join(parts)}, target < {TARGET_MS:.0f} ms each (judged on p95); "
        f"sharing the database costs (p50 / p95 ratio) {ratios}"
    )


# Query plans


def query_plans(storage: Storage, channel_id: str) -> dict[str, list[tuple[str, list[str]]]]:
    """The SQL each storage method runs (parameters inlined) and its query plan."""
    conn = storage._db.conn
    day = NOW.date()
    calls = {
        "daily_totals": lambda: storage.daily_totals(
            TEAM_ID, channel_id, day - timedelta(weeks=8), day
        ),
        "wins_between": lambda: storage.wins_between(
            TEAM_ID, channel_id, day - timedelta(days=4), day
        ),
        "win_count": lambda: storage.win_count(TEAM_ID, channel_id, day - timedelta(days=4), day),
        "channel_profile": lambda: storage.channel_profile(TEAM_ID, channel_id),
    }
    plans = {}
    for name, call in calls.items():
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        try:
            call()
        finally:
            conn.set_trace_callback(None)
        plans[name] = [
            (sql, [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")])
            for sql in statements
        ]
    return plans


def print_plans(plans: dict[str, list[tuple[str, list[str]]]], sql: bool = True) -> list[str]:
    """Print each plan; returns the methods whose plan scans a table or a whole index."""
    scanning = []
    for name, statements in plans.items():
        for text, steps in statements:
            print(f"  {name}: {text}" if sql else f"  {name}:")
            for step in steps:
                print(f"    {step}")
            if any(step.startswith("SCAN ") for step in steps):
                scanning.append(name)
    return scanning


# The run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--days", type=int, default=260, help="working days, ending 2026-11-20")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies --channels")
    parser.add_argument("--sample", type=int, default=20, help="random channels measured")
    parser.add_argument("--repeat", type=int, default=20, help="measured rounds per channel")
    parser.add_argument("--db", type=Path, help="database path (default: a temp directory)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="read from the disk: drop the database from SQLite's and the OS's caches before"
        " every run (Linux)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure an existing --db (same flags), no load"
    )
    args = parser.parse_args()
    if args.reuse and args.db is None:
        parser.error("--reuse needs --db")

    n_channels = max(1, round(args.channels * args.scale))
    days = working_days(args.days)
    picker = random.Random(SEED)
    sampled = sorted(picker.sample(range(n_channels), min(args.sample, n_channels)))
    channel_ids = [f"C{index:010X}" for index in sampled]

    workdir = Path(tempfile.mkdtemp(prefix="delight-history-")) if args.db is None else None
    path = workdir / "history.db" if workdir else args.db.resolve()
    side = (workdir or path.parent) / f"{path.stem}-bench"  # the one-channel baselines
    if path.exists() and not args.reuse:
        raise SystemExit(f"{path} exists: pass --reuse to measure it, or remove it")
    if args.reuse and not path.exists():
        raise SystemExit(f"{path} does not exist")

    print(
        f"{n_channels:,} channels (--channels {args.channels} x --scale {args.scale:g}) x "
        f"{args.people} people x {len(days)} working days {days[0]} .. {days[-1]}; "
        f"{os.cpu_count()} cores, SQLite {sqlite3.sqlite_version}"
    )
    storages: list[Storage] = []

    def open_reader(db_path: Path) -> Reader:
        storages.append(Storage(db_path))
        return reader_on(storages[-1])

    try:
        if args.reuse:
            rows = table_counts(path)
            print(f"reused {path}: {rows}, not loaded again")
        else:
            channels = make_channels(list(range(n_channels)), args.people, days)
            t0 = time.perf_counter()
            rows = load(path, channels, days)
            elapsed = time.perf_counter() - t0
            total = sum(n for table, n in rows.items() if table != "answers folded")
            print(
                f"loaded {total:,} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s): "
                + ", ".join(f"{t} {n:,}" for t, n in rows.items())
            )
        main_bytes, wal_bytes, parts = disk_size(path)
        print(
            f"database on disk after a checkpoint: {main_bytes / 2**20:,.1f} MiB main file"
            f" + {wal_bytes / 2**20:,.1f} MiB -wal"
            f" ({main_bytes / max(rows['answers folded'], 1):.0f}"
            " bytes per answer given, all tables and indexes included)"
        )
        if parts:
            print(
                "  largest: "
                + ", ".join(f"{name} {size / 2**20:,.1f} MiB" for name, size in parts[:6])
            )

        shutil.rmtree(side, ignore_errors=True)
        side.mkdir(parents=True)
        t0 = time.perf_counter()
        single_paths = []
        for index in sampled:
            one = make_channels([index], args.people, days)
            single_paths.append(side / f"{one[0].channel_id}.db")
            load(single_paths[-1], one, days)
        print(
            f"baseline: {len(sampled)} one-channel databases, one per sampled channel with "
            f"exactly its history, loaded in {time.perf_counter() - t0:.1f} s"
        )

        shared = open_reader(path)
        variants: Variants = {
            "single": {
                cid: open_reader(p) for cid, p in zip(channel_ids, single_paths, strict=True)
            },
            "shared": dict.fromkeys(channel_ids, shared),
        }

        print(f"\nquery plans at {n_channels:,} channels (channel {channel_ids[0]}):")
        scanning = print_plans(query_plans(shared.storage, channel_ids[0]))
        print(
            "  no scan: every statement searches an index"
            if not scanning
            else f"  SCANS: {', '.join(sorted(set(scanning)))}"
        )
        print(
            f"\n{len(sampled)} random channels x {args.repeat} rounds (after 1 warm-up), "
            f"{len(sampled) * args.repeat} runs per operation and database, interleaved; "
            + ("cold: caches dropped before every run" if args.cold else "warm caches")
        )
        samples = measure(variants, channel_ids, args.repeat, args.cold)
        labels = {"single": "1 channel", "shared": f"{n_channels:,} channels"}
        print_table(samples, labels)
        print(summary(samples, n_channels, args.cold))
    finally:
        for storage in storages:
            storage.close()
        if args.keep:
            print(f"kept {path} and {side}")
        else:
            shutil.rmtree(side, ignore_errors=True)
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)
            elif not args.reuse:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
