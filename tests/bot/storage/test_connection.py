"""Storage opening its file: migrations, its directory, WAL, many threads."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from bot.domain.models import DayTotal, Win, WinKind
from bot.storage.store import Storage
from tests.bot.storage.conftest import CHANNEL, DAY, TEAM, posted_poll


def migration_state(path: Path) -> tuple[set[str], list[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
    finally:
        conn.close()
    return tables, applied


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    first = Storage(path)
    poll_id = posted_poll(first)
    first.record_answer(poll_id, "p1", 4)
    first.add_win(TEAM, CHANNEL, DAY, WinKind.NEW, "Signed Globex", "s1")
    first.close()
    tables, applied = migration_state(path)
    assert {"channels", "polls", "answers", "wins"} <= tables
    assert applied[0] == "m001_core"
    assert len(applied) == len(set(applied))
    for _ in range(2):
        again = Storage(path)
        try:
            assert again.poll_total(poll_id) == DayTotal(DAY, 1, 4, 3)
            assert again.wins_between(TEAM, CHANNEL, DAY, DAY) == [
                Win(DAY, WinKind.NEW, "Signed Globex")
            ]
        finally:
            again.close()
        assert migration_state(path) == (tables, applied)


def test_creates_missing_parent_directory(tmp_path: Path) -> None:
    store = Storage(tmp_path / "nested" / "dir" / "d.db")
    try:
        assert store.is_writable()
    finally:
        store.close()


def test_journal_mode_is_wal(storage: Storage) -> None:
    conn = sqlite3.connect(storage.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


def test_concurrent_answers_from_many_threads(storage: Storage) -> None:
    poll_id = posted_poll(storage)
    threads_n, answers_n = 8, 50
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def answer(thread: int) -> None:
        try:
            start.wait()
            for n in range(answers_n):
                storage.record_answer(poll_id, f"person-{thread}-{n}", 1)
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)

    workers = [threading.Thread(target=answer, args=(t,)) for t in range(threads_n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert not any(worker.is_alive() for worker in workers)
    assert errors == []
    assert storage.poll_total(poll_id) == DayTotal(DAY, 400, 400, 3)


def test_is_writable(storage: Storage) -> None:
    assert storage.is_writable() is True
