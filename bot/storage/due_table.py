"""The due index's table (issue 17): its schema, its rows, and its first build from an older
database. The migration that creates it (``bot.storage.migrations``) uses these, so they
import nothing of the store; the store reads and writes the rows through ``bot.storage.due``.

One row per channel and kind (``bot.domain.due``). An instant is UTC ISO text of one fixed
width, so text order is time order, and ``idx_due_at`` makes the earliest instant one index
probe and what is due now a read of the due rows only, however many channels there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.domain.due import (
    DueKind,
    Instants,
    OpenPoll,
    catch_up_instants,
    poll_instants,
    schedule_instants,
)
from bot.storage.schedule_rows import SCHEDULE_COLUMNS, schedule_of


def create(db: Database) -> None:
    db.execute(
        "CREATE TABLE due (team_id TEXT NOT NULL, channel_id TEXT NOT NULL, kind TEXT NOT NULL,"
        " at TEXT NOT NULL, PRIMARY KEY (team_id, channel_id, kind)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX idx_due_at ON due (at)")


def write(db: Database, team_id: str, channel_id: str, instants: Instants) -> None:
    """Set the channel's instants of these kinds; None removes one."""
    for kind, at in instants.items():
        if at is None:
            db.execute(
                "DELETE FROM due WHERE team_id = ? AND channel_id = ? AND kind = ?",
                [team_id, channel_id, kind.value],
            )
        else:
            db.execute(
                "INSERT INTO due (team_id, channel_id, kind, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (team_id, channel_id, kind) DO UPDATE SET at = excluded.at",
                [team_id, channel_id, kind.value, text(at)],
            )


def text(at: datetime) -> str:
    """An instant as the table keeps it."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def open_polls_of(rows: Iterable) -> list[OpenPoll]:
    """From rows of (id, claimed_at, nudged)."""
    return [OpenPoll(id, datetime.fromisoformat(at), bool(nudged)) for id, at, nudged in rows]


def build(db: Database, now: datetime) -> None:
    """Fill the index from every schedule and open poll (the migration that creates it).

    A poll or digest whose time passed today (this week) and that was not claimed is due at
    once, so the first start catches it up, as the scheduler's start-up did before the index;
    skips are left to the firing, which checks them.
    """
    schedules = {
        (s.team_id, s.channel_id): s
        for s in (
            schedule_of(dict(zip(_COLUMNS, row, strict=True)), frozenset())
            for row in db.execute(
                f"SELECT {SCHEDULE_COLUMNS} FROM channels WHERE poll_time IS NOT NULL"
            )
        )
    }
    since = (now - timedelta(days=8)).date().isoformat()
    claimed = {
        tuple(row)
        for sql in (
            "SELECT team_id, channel_id, local_date FROM polls WHERE local_date >= ?",
            "SELECT team_id, channel_id, week_start FROM digests WHERE week_start >= ?",
        )
        for row in db.execute(sql, [since])
    }
    nudges = {
        (team, channel): minutes
        for team, channel, minutes in db.execute(
            "SELECT team_id, channel_id, nudge_minutes FROM channels"
            " WHERE nudge_minutes IS NOT NULL"
        )
    }
    open_polls: dict[tuple[str, str], list] = {}
    for team, channel, *poll in db.execute(
        "SELECT team_id, channel_id, id, claimed_at, nudged_at IS NOT NULL FROM polls"
        " WHERE message_ts IS NOT NULL AND closed_at IS NULL ORDER BY claimed_at"
    ):
        open_polls.setdefault((team, channel), []).append(poll)
    for key in schedules.keys() | open_polls.keys():
        schedule = schedules.get(key)
        instants: Instants = {}
        if schedule is not None:
            instants = schedule_instants(schedule, now)
            zone = ZoneInfo(schedule.tz)
            missed = catch_up_instants(schedule, now)
            poll, digest = missed[DueKind.POLL], missed[DueKind.DIGEST]
            if poll is not None and (*key, _day(poll, zone)) not in claimed:
                instants[DueKind.POLL] = poll
            if digest is not None and (*key, _monday(digest, zone)) not in claimed:
                instants[DueKind.DIGEST] = digest
        polls = open_polls_of(open_polls.get(key, []))
        instants |= poll_instants(schedule, polls, nudges.get(key), now)
        write(db, *key, instants)


def _day(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).date().isoformat()


def _monday(instant: datetime, zone: ZoneInfo) -> str:
    day = instant.astimezone(zone).date()
    return (day - timedelta(days=day.weekday())).isoformat()


_COLUMNS = [column.strip() for column in SCHEDULE_COLUMNS.split(",")]
