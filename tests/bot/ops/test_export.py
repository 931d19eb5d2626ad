"""``python -m bot export``: aggregates only, with the privacy threshold, as a real subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.domain.models import WinKind
from bot.ops.export import rows
from bot.storage.store import Storage
from tests.bot.conftest import previous_release_database
from tests.bot.storage.conftest import NOW

ROOT = Path(__file__).resolve().parents[3]
MONDAY = date(2026, 11, 16)


def poll(storage: Storage, channel: str, on: date, *counts: int, team: str = "T1") -> None:
    made, _ = storage.claim_poll(team, channel, on, NOW)
    storage.set_poll_message(made.id, f"1.{made.id}")
    for n, count in enumerate(counts):
        storage.record_answer(made.id, f"person-{n}", count)
    storage.close_poll(made.id, NOW)  # history: folded into team numbers


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "delight.db"
    storage = Storage(path)
    poll(storage, "C1", MONDAY, 3, 4, 5)
    poll(storage, "C1", MONDAY + timedelta(days=1), 9, 9)  # below the threshold
    poll(storage, "C1", MONDAY + timedelta(days=3))  # nobody answered
    poll(storage, "C2", MONDAY, 1, 1, 1, 1)
    poll(storage, "C9", MONDAY, 1, 1, 1, team="T2")
    storage.add_win("T1", "C1", MONDAY + timedelta(days=2), WinKind.NEW, "Signed Initech", "a")
    storage.add_win("T1", "C1", MONDAY + timedelta(days=2), WinKind.NEW, "Signed Globex", "b")
    storage.add_win("T1", "C1", MONDAY, WinKind.INTERNAL, "Helped support", "c")
    storage.close()
    return path


def export(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DELIGHT_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "export", "--db", str(db), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_export_one_channel_as_csv(db: Path) -> None:
    done = export(db, "--channel", "C1", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "date,team,channel,responders,team_total,wins_new,wins_kept,wins_internal,wins_other",
        "2026-11-16,T1,C1,3,12,0,0,1,0",
        "2026-11-17,T1,C1,2,,0,0,0,0",
        "2026-11-18,T1,C1,0,,2,0,0,0",
        "2026-11-19,T1,C1,0,,0,0,0,0",
    ]
    assert "4 rows" in done.stderr
    # Aggregates only: no pseudonym, no story, no per-person number.
    assert "person" not in done.stdout and "Initech" not in done.stdout


def test_export_since_and_every_channel_to_a_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "numbers.csv"
    done = export(db, "--since", "2026-11-18", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert out.read_text().splitlines()[1:] == [
        "2026-11-18,T1,C1,0,,2,0,0,0",
        "2026-11-19,T1,C1,0,,0,0,0,0",
    ]


def test_export_uses_the_channels_threshold(db: Path) -> None:
    storage = Storage(db)
    storage.set_threshold("T1", "C2", 5, "UTC")
    found = list(rows(storage, [("T1", "C2")]))
    storage.close()
    assert [(r["responders"], r["team_total"]) for r in found] == [(4, "")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--channel", "C404"], "no data for channel C404"),
        (["--since", "yesterday"], "not a date (YYYY-MM-DD)"),
        (["--format", "xlsx"], "invalid choice: 'xlsx'"),
    ],
)
def test_export_bad_arguments_are_explained(db: Path, args: list[str], message: str) -> None:
    done = export(db, *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_export_without_a_database_says_so(tmp_path: Path) -> None:
    done = export(tmp_path / "missing.db")
    assert done.returncode == 2
    assert "no database at" in done.stderr
    assert not (tmp_path / "missing.db").exists()


def test_export_reads_only(db: Path) -> None:
    before = db.read_bytes()
    done = export(db)
    assert done.returncode == 0, done.stderr
    assert db.read_bytes() == before


def test_export_refuses_a_database_with_upgrades_pending(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    previous_release_database(path)
    before = path.read_bytes()
    done = export(path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "delight export: the database needs 4 schema upgrade(s) first: start the bot once "
        "(`python -m bot`, which applies them), then export again"
    ]
    assert path.read_bytes() == before  # the schema was not changed under a running bot


def test_read_only_storage_cannot_write(db: Path) -> None:
    storage = Storage(db, read_only=True)
    try:
        assert storage.pending_migrations() == []
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            storage.set_goal("T1", "C1", 50, "UTC")
    finally:
        storage.close()


def test_export_counts_one_row_in_the_singular(db: Path) -> None:
    done = export(db, "--channel", "C2")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("delight export: 1 row")
