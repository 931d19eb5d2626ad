"""The due index's SQL (issue 17): when each channel's next poll, digest, nudge and close is.

One row per channel and kind (``bot.domain.due``). An instant is UTC ISO text of one fixed
width, so text order is time order, and ``idx_due_at`` makes the earliest instant one index
probe and what is due now a read of the due rows only, however many channels there are.
It runs on the store's connections and transactions (``bot.storage.store``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.domain.due import (
    Due,
    DueKind,
    Instants,
    OpenPoll,
    catch_up_instants,
    poll_instants,
    schedule_instants,
)
from bot.storage.schedule_rows import SCHEDULE_COLUMNS, schedule_from_row


class Connections(Protocol):
    """What the index needs of the store: this thread's connection, and its transactions."""

    @property
    def db(self) -> Database: ...

    def transaction(self) -> AbstractContextManager[None]: ...


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
                [team_id, channel_id, kind.value, _text(at)],
            )


def _text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _open_polls(rows) -> list[OpenPoll]:
    return [OpenPoll(id, datetime.fromisoformat(at), bool(nudged)) for id, at, nudged in rows]


class DueIndex:
    def __init__(self, store: Connections) -> None:
        self._store = store

    def earliest(self) -> datetime | None:
        row = self._store.db.execute("SELECT MIN(at) FROM due").fetchone()
        return None if row[0] is None else datetime.fromisoformat(row[0])

    def due(self, now: datetime, limit: int) -> list[Due]:
        """Up to ``limit`` instants at or before ``now``, earliest first."""
        rows = self._store.db.execute(
            "SELECT kind, team_id, channel_id, at FROM due WHERE at <= ? ORDER BY at LIMIT ?",
            [_text(now), limit],
        ).fetchall()
        return [Due(DueKind(k), t, c, datetime.fromisoformat(at)) for k, t, c, at in rows]

    def get(self, team_id: str, channel_id: str) -> dict[DueKind, datetime]:
        """The channel's instants, by kind."""
        rows = self._store.db.execute(
            "SELECT kind, at FROM due WHERE team_id = ? AND channel_id = ?", [team_id, channel_id]
        ).fetchall()
        return {DueKind(kind): datetime.fromisoformat(at) for kind, at in rows}

    def set(self, team_id: str, channel_id: str, instants: Instants) -> None:
        with self._store.transaction():
            write(self._store.db, team_id, channel_id, instants)

    def open_polls(self, team_id: str, channel_id: str) -> list[OpenPoll]:
        """The channel's posted polls that still take answers, oldest first."""
        return _open_polls(
            self._store.db.execute(
                "SELECT id, claimed_at, nudged_at IS NOT NULL FROM polls"
                " WHERE team_id = ? AND channel_id = ? AND message_ts IS NOT NULL"
                " AND closed_at IS NULL ORDER BY claimed_at",
                [team_id, channel_id],
            )
        )

    def newer_poll_on_its_way(self, team_id: str, channel_id: str, poll_id: int) -> bool:
        """A later day's poll of the channel is claimed and its post waits in the outbox."""
        row = self._store.db.execute(
            "SELECT 1 FROM polls p JOIN outbox o ON o.kind = 'poll' AND o.ref = p.id"
            " WHERE p.team_id = ? AND p.channel_id = ? AND p.message_ts IS NULL"
            " AND p.local_date > (SELECT local_date FROM polls WHERE id = ?) LIMIT 1",
            [team_id, channel_id, poll_id],
        ).fetchone()
        return row is not None


def build(db: Database, now: datetime) -> None:
    """Fill the index from every schedule and open poll (the migration that creates it).

    A poll or digest whose time passed today (this week) and that was not claimed is due at
    once, so the first start catches it up, as the scheduler's start-up did before the index;
    skips are left to the firing, which checks them.
    """
    schedules = {
        (s.team_id, s.channel_id): s
        for s in (
            schedule_from_row(row, frozenset())
            for row in db.execute(
                f"SELECT {SCHEDULE_COLUMNS} FROM channels WHERE poll_time IS NOT NULL"
            )
        )
    }
    since = (now - timedelta(days=8)).date().isoformat()
    claimed = {
        row
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
        polls = _open_polls(open_polls.get(key, []))
        instants |= poll_instants(schedule, polls, nudges.get(key), now)
        write(db, *key, instants)


def _day(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).date().isoformat()


def _monday(instant: datetime, zone: ZoneInfo) -> str:
    day = instant.astimezone(zone).date()
    return (day - timedelta(days=day.weekday())).isoformat()
