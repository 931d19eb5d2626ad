"""The weekly claim of a scheduled digest (``digests``): one per channel per week, whatever
restarts happen.

The claim lives and dies with the digest's outbox row: ``claim_digest`` takes it and queues
the digest in one transaction, ``outbox_drop`` releases it with a row given up (both in
``bot.storage.outbox``). This holds the claim's own statements.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.storage.connection import Connection


class Digests(Connection):
    def _claim_week(self, team_id: str, channel_id: str, week_start: date, now: datetime) -> bool:
        """Take the week's claim; False if it was taken."""
        cursor = self._db.execute(
            "INSERT INTO digests (team_id, channel_id, week_start, claimed_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [team_id, channel_id, week_start.isoformat(), now.isoformat()],
        )
        return cursor.rowcount == 1

    def _release_week(self, team_id: str, channel_id: str, week_start: str) -> None:
        """Let the week's digest be claimed again (``week_start``: the ISO date)."""
        self._db.execute(
            "DELETE FROM digests WHERE team_id = ? AND channel_id = ? AND week_start = ?",
            [team_id, channel_id, week_start],
        )
