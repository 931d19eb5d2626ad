"""The due index, read and written (issue 17): the earliest instant, what is due now, a
channel's instants, and the facts of its open polls they follow from. Its table and first
build are ``bot.storage.due_table``'s."""

from __future__ import annotations

from datetime import datetime

from bot.domain.due import Due, DueKind, Instants, OpenPoll
from bot.storage import due_table
from bot.storage.connection import Connection


class DueIndex(Connection):
    def earliest_due(self) -> datetime | None:
        row = self._db.execute("SELECT MIN(at) FROM due").fetchone()
        return None if row[0] is None else _instant(row[0])

    def due_until(self, now: datetime, limit: int) -> list[Due]:
        """Up to ``limit`` instants at or before ``now``, earliest first."""
        rows = self._db.execute(
            "SELECT kind, team_id, channel_id, at FROM due WHERE at <= ? ORDER BY at LIMIT ?",
            [due_table.text(now), limit],
        ).fetchall()
        return [
            Due(DueKind(row["kind"]), row["team_id"], row["channel_id"], _instant(row["at"]))
            for row in rows
        ]

    def due_instants(self, team_id: str, channel_id: str) -> dict[DueKind, datetime]:
        """The channel's instants, by kind."""
        rows = self._db.execute(
            "SELECT kind, at FROM due WHERE team_id = ? AND channel_id = ?", [team_id, channel_id]
        ).fetchall()
        return {DueKind(row["kind"]): _instant(row["at"]) for row in rows}

    def set_due(self, team_id: str, channel_id: str, instants: Instants) -> None:
        """Set the channel's instants of these kinds; None removes one."""
        with self._write():
            due_table.write(self._db, team_id, channel_id, instants)

    def move_due(
        self, team_id: str, channel_id: str, kind: DueKind, fired: datetime, to: datetime | None
    ) -> None:
        """Move the instant a firing fired to the next one (None: remove it), unless it was
        changed meanwhile (a schedule changed as it fired): then the change stands."""
        key = [team_id, channel_id, kind.value, due_table.text(fired)]
        with self._write():  # the firing's transaction, when it has one open
            if to is None:
                self._db.execute(
                    "DELETE FROM due WHERE team_id = ? AND channel_id = ? AND kind = ? AND at = ?",
                    key,
                )
            else:
                self._db.execute(
                    "UPDATE due SET at = ? WHERE team_id = ? AND channel_id = ? AND kind = ?"
                    " AND at = ?",
                    [due_table.text(to), *key],
                )

    def open_poll_claims(self, team_id: str, channel_id: str) -> list[OpenPoll]:
        """The channel's posted polls that still take answers, oldest first."""
        return due_table.open_polls_of(
            tuple(row)
            for row in self._db.execute(
                "SELECT id, claimed_at, nudged_at IS NOT NULL FROM polls"
                " WHERE team_id = ? AND channel_id = ? AND message_ts IS NOT NULL"
                " AND closed_at IS NULL ORDER BY claimed_at",
                [team_id, channel_id],
            )
        )

    def newer_poll_on_its_way(self, team_id: str, channel_id: str, poll_id: int) -> bool:
        """A later day's poll of the channel is claimed and its post waits in the outbox."""
        row = self._db.execute(
            "SELECT 1 FROM polls p JOIN outbox o ON o.kind = 'poll' AND o.ref = p.id"
            " WHERE p.team_id = ? AND p.channel_id = ? AND p.message_ts IS NULL"
            " AND p.local_date > (SELECT local_date FROM polls WHERE id = ?) LIMIT 1",
            [team_id, channel_id, poll_id],
        ).fetchone()
        return row is not None


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)
