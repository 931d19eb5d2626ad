"""A channel's schedule as its row of ``channels`` holds it: read by the schedules' SQL
(``bot.storage.schedules``), and by the migration that first builds the due index
(``bot.storage.due_table``), which can't import the store's modules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from bot.domain.schedule import ChannelSchedule

SCHEDULE_COLUMNS = (
    "team_id, channel_id, tz, poll_time, days, paused, digest_day, digest_time, digest_off"
)


def schedule_of(row: Mapping[str, Any], skips: frozenset[date]) -> ChannelSchedule:
    """``row``: the ``SCHEDULE_COLUMNS`` by name (an ``sqlite3.Row``, or a dict)."""
    digest_time = row["digest_time"]
    return ChannelSchedule(
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        poll_time=time.fromisoformat(row["poll_time"]),
        tz=row["tz"],
        days=frozenset(int(d) for d in row["days"].split(",")),
        paused=bool(row["paused"]),
        digest_day=row["digest_day"],
        digest_time=time.fromisoformat(digest_time) if digest_time else None,
        digest_off=bool(row["digest_off"]),
        skips=skips,
    )
