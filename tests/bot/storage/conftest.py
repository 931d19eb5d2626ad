"""Storage against a real SQLite file in a temporary directory: the fixture and helpers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.store import Storage

TEAM = "T1"
CHANNEL = "C1"
DAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=8)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    store = Storage(tmp_path / "d.db")
    yield store
    store.close()


def posted_poll(storage: Storage, on: date = DAY, channel: str = CHANNEL) -> int:
    poll, owned = storage.claim_poll(TEAM, channel, on, NOW)
    assert owned
    storage.set_poll_message(poll.id, f"17000.{poll.id}", None)
    return poll.id


def answer_rows(storage: Storage, poll_id: int) -> int:
    conn = sqlite3.connect(storage.path)
    try:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM answers WHERE poll_id = ?", [poll_id]
        ).fetchone()
        return count
    finally:
        conn.close()


def shown(storage: Storage, poll_id: int) -> tuple[int, int, int]:
    """(responders, total, answers changed since) as the poll's live tally shows them."""
    live = storage.live_tally(poll_id)
    return live.day.responders, live.day.total, live.pending
