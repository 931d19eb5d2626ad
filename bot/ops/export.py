"""``python -m bot export``: the team's numbers as CSV, aggregates only, read-only.

One row per channel per day that had a poll or a win: never a row per person, and a day's
team total is left blank when fewer people answered than the privacy threshold, exactly as
in Slack.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.domain.models import DayTotal, WinKind
from bot.domain.tally import is_visible
from bot.storage.store import Storage

COLUMNS = [
    "date",
    "team",
    "channel",
    "responders",
    "team_total",
    "wins_new",
    "wins_kept",
    "wins_internal",
    "wins_other",
]
_FIRST, _LAST = date(1, 1, 1), date(9999, 12, 31)


@dataclass(frozen=True)
class Request:
    db_path: Path
    channels: list[str]
    since: date | None
    output: Path | None


def rows(
    storage: Storage, channels: Iterable[tuple[str, str]], since: date | None = None
) -> Iterator[dict[str, str | int]]:
    """Export rows for ``(team, channel)`` pairs, oldest day first within each channel."""
    for team_id, channel_id in channels:
        threshold = storage.channel_profile(team_id, channel_id).threshold
        start = since or _FIRST
        days: dict[date, DayTotal] = {
            day.local_date: day for day in storage.daily_totals(team_id, channel_id, start, _LAST)
        }
        wins = storage.win_counts(team_id, channel_id, start, _LAST)
        for local_date in sorted(days.keys() | wins.keys()):
            day = days.get(local_date)
            kinds = wins.get(local_date, {})
            yield {
                "date": local_date.isoformat(),
                "team": team_id,
                "channel": channel_id,
                "responders": day.responders if day else 0,
                "team_total": day.total if day and is_visible(day, threshold) else "",
                **{f"wins_{kind.value}": kinds.get(kind, 0) for kind in WinKind},
            }


def write_csv(found: Iterable[dict[str, str | int]], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in found:
        writer.writerow(row)
        count += 1
    return count


def parse_args(argv: list[str], default_db: Path) -> Request:
    parser = argparse.ArgumentParser(
        prog="python -m bot export",
        description="Write the team numbers (aggregates only, never a row per person) as CSV.",
    )
    parser.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="C...",
        help="a channel id; repeat for several (default: every channel)",
    )
    parser.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="first day to include")
    parser.add_argument(
        "--format", choices=["csv"], default="csv", help="output format (default: csv)"
    )
    parser.add_argument("--output", type=Path, metavar="FILE", help="default: standard output")
    parser.add_argument(
        "--db", type=Path, default=default_db, help=f"SQLite file (default: {default_db})"
    )
    args = parser.parse_args(argv)
    return Request(args.db, args.channel, args.since, args.output)


def run(argv: list[str], default_db: Path) -> int:
    request = parse_args(argv, default_db)
    if not request.db_path.is_file():
        print(f"delight export: no database at {request.db_path}", file=sys.stderr)
        return 2
    # Read-only: an export never changes the database, not even the schema of a running bot.
    storage = Storage(request.db_path, read_only=True)
    try:
        pending = storage.pending_migrations()
        if pending:
            print(
                f"delight export: the database needs {len(pending)} schema upgrade(s) first: "
                "start the bot once (`python -m bot`, which applies them), then export again",
                file=sys.stderr,
            )
            return 2
        known = storage.all_channels()
        wanted = set(request.channels)
        missing = wanted - {channel for _, channel in known}
        if missing:
            print(
                f"delight export: no data for channel {', '.join(sorted(missing))}",
                file=sys.stderr,
            )
            return 2
        selected = [pair for pair in known if not wanted or pair[1] in wanted]
        found = rows(storage, selected, request.since)
        if request.output is None:
            count = write_csv(found, sys.stdout)
        else:
            with request.output.open("w", encoding="utf-8", newline="") as out:
                count = write_csv(found, out)
    finally:
        storage.close()
    print(f"delight export: {count} {'row' if count == 1 else 'rows'}", file=sys.stderr)
    return 0


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None
