"""Keeping the due index in step with a channel's schedule (``bot.service.due``)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.domain.due import DueKind
from bot.domain.schedule import EVERY_DAY
from bot.service.due import DueInstants
from bot.storage.store import Storage


@pytest.fixture
def storage(tmp_path: Path):
    store = Storage(tmp_path / "d.db")
    yield store
    store.close()


def test_a_schedule_change_leaves_an_instant_that_is_due_to_its_firing(storage: Storage) -> None:
    """The firing is about to happen and reads the schedule as it is by then; moving the
    instant to tomorrow would lose today's poll (a skip added at 17:00:00.5, say)."""
    storage.save_schedule("T", "C", time(17), "UTC", EVERY_DAY)
    due = DueInstants(storage)
    due.schedule_changed("T", "C", datetime(2026, 11, 18, 16, 0, tzinfo=UTC))
    at = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    due.schedule_changed("T", "C", at + timedelta(milliseconds=500))
    assert storage.due_instants("T", "C")[DueKind.POLL] == at
    storage.clear_schedule("T", "C")  # but a schedule turned off takes it away
    due.schedule_changed("T", "C", at + timedelta(seconds=1))
    assert storage.due_instants("T", "C") == {}
