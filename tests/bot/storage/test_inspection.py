"""What ``python -m bot check`` reads, from a database it neither migrates nor changes."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from bot.storage.inspection import Contents
from bot.storage.migrations import migrations
from bot.storage.store import Storage
from tests.bot.storage.conftest import CHANNEL, DAY, LATER, NOW, TEAM, posted_poll


def inspect(path: Path) -> tuple[bool, Contents, bool]:
    storage = Storage(path, read_only=True)
    try:
        return storage.intact(), storage.contents(), storage.has_answers()
    finally:
        storage.close()


def test_counts_what_waits_and_what_is_scheduled(storage: Storage) -> None:
    storage.save_schedule(TEAM, CHANNEL, NOW.time(), "UTC", frozenset({0, 1, 2, 3, 4}))
    storage.request_poll(TEAM, "C2", DAY, NOW, 3, LATER)
    storage.record_answer(posted_poll(storage, channel="C3"), "p1", 2, edit_at=NOW)
    assert inspect(storage.path) == (True, Contents(1, {"edit": 1, "poll": 1}), True)


def test_a_database_from_before_the_outbox_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m009_outbox")
    old.close()
    before = path.read_bytes()
    assert inspect(path) == (True, Contents(0, {}), False)
    assert path.read_bytes() == before
