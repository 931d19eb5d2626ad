"""A channel's schedule as its row of ``channels`` holds it: read by the store, and by the
migration that first builds the due index (``bot.storage.due``)."""

from __future__ import annotations

from datetime import date, time

from bot.domain.schedule import ChannelSchedule

SCHEDULE_COLUMNS = (
    "team_id, channel_id, tz, poll_time, days, paused, digest_day, digest_time, digest_off"
)


def schedule_from_row(row: tuple, skips: frozenset[date]) -> ChannelSchedule:
    team_id, channel_id, tz, poll_time, days, paused, digest_day, digest_time, off = row
    return ChannelSchedule(
        team_id=team_id,
        channel_id=channel_id,
        poll_time=time.fromisoformat(poll_time),
        tz=tz,
        days=frozenset(int(d) for d in days.split(",")),
        paused=bool(paused),
        digest_day=digest_day,
        digest_time=time.fromisoformat(digest_time) if digest_time else None,
        digest_off=bool(off),
        skips=skips,
    )
