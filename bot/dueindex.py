"""The due index: when each channel's next poll, digest, nudge and close is, in UTC (issue 17).

One row per channel and kind, kept by ``schedules.index`` and fired by ``schedules.jobs``. An
instant is UTC ISO text of one fixed width, so text order is time order, and ``idx_due_at``
makes the earliest instant one index probe and what is due now a read of the due rows only,
however many channels there are. The SQL lives here, beside ``bot.storage``, whose
connections and transactions it uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlite_utils import Database

if TYPE_CHECKING:
    from bot.storage import Storage


class DueKind(StrEnum):
    POLL = "poll"  # the channel's next scheduled poll
    DIGEST = "digest"  # its next weekly digest
    NUDGE = "nudge"  # the start of the nudge window of its open poll that needs one next
    CLOSE = "close"  # when its oldest open poll has been open for the longest allowed


@dataclass(frozen=True)
class Due:
    kind: DueKind
    team_id: str
    channel_id: str
    at: datetime


@dataclass(frozen=True)
class OpenPoll:
    """A posted poll that still takes answers, as the index needs it."""

    id: int
    claimed_at: datetime
    nudged: bool


def create(db: Database) -> None:
    """The table and its index (``bot.storage``'s migration m011)."""
    db.execute(
        "CREATE TABLE due (team_id TEXT NOT NULL, channel_id TEXT NOT NULL, kind TEXT NOT NULL,"
        " at TEXT NOT NULL, PRIMARY KEY (team_id, channel_id, kind)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX idx_due_at ON due (at)")


def write(db: Database, team_id: str, channel_id: str, instants: dict[DueKind, datetime | None]):
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


class DueIndex:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def earliest(self) -> datetime | None:
        row = self._storage.db.execute("SELECT MIN(at) FROM due").fetchone()
        return None if row[0] is None else datetime.fromisoformat(row[0])

    def due(self, now: datetime, limit: int) -> list[Due]:
        """Up to ``limit`` instants at or before ``now``, earliest first."""
        rows = self._storage.db.execute(
            "SELECT kind, team_id, channel_id, at FROM due WHERE at <= ? ORDER BY at LIMIT ?",
            [_text(now), limit],
        ).fetchall()
        return [Due(DueKind(k), t, c, datetime.fromisoformat(at)) for k, t, c, at in rows]

    def get(self, team_id: str, channel_id: str) -> dict[DueKind, datetime]:
        """The channel's instants, by kind."""
        rows = self._storage.db.execute(
            "SELECT kind, at FROM due WHERE team_id = ? AND channel_id = ?", [team_id, channel_id]
        ).fetchall()
        return {DueKind(kind): datetime.fromisoformat(at) for kind, at in rows}

    def set(self, team_id: str, channel_id: str, instants: dict[DueKind, datetime | None]) -> None:
        with self._storage.transaction():
            write(self._storage.db, team_id, channel_id, instants)

    def open_polls(self, team_id: str, channel_id: str) -> list[OpenPoll]:
        """The channel's posted polls that still take answers, oldest first."""
        rows = self._storage.db.execute(
            "SELECT id, claimed_at, nudged_at IS NOT NULL FROM polls"
            " WHERE team_id = ? AND channel_id = ? AND message_ts IS NOT NULL"
            " AND closed_at IS NULL ORDER BY claimed_at",
            [team_id, channel_id],
        ).fetchall()
        return [OpenPoll(id, datetime.fromisoformat(at), bool(n)) for id, at, n in rows]

    def newer_poll_on_its_way(self, team_id: str, channel_id: str, poll_id: int) -> bool:
        """A later day's poll of the channel is claimed and its post waits in the outbox."""
        row = self._storage.db.execute(
            "SELECT 1 FROM polls p JOIN outbox o ON o.kind = 'poll' AND o.ref = p.id"
            " WHERE p.team_id = ? AND p.channel_id = ? AND p.message_ts IS NULL"
            " AND p.local_date > (SELECT local_date FROM polls WHERE id = ?) LIMIT 1",
            [team_id, channel_id, poll_id],
        ).fetchone()
        return row is not None
