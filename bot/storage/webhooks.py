"""A channel's inbound webhook (``webhooks``): the hash of its secret and the nonce it is
derived from (``bot.service.webhooks``), never the secret itself."""

from __future__ import annotations

from datetime import datetime

from bot.storage.connection import Connection


class Webhooks(Connection):
    def webhook_nonce(self, team_id: str, channel_id: str) -> str | None:
        row = self._db.execute(
            "SELECT nonce FROM webhooks WHERE team_id = ? AND channel_id = ?",
            [team_id, channel_id],
        ).fetchone()
        return row["nonce"] if row else None

    def save_webhook(
        self, team_id: str, channel_id: str, secret_hash: str, nonce: str, now: datetime
    ) -> None:
        """Set (or replace: the old secret stops working at once) the channel's webhook."""
        self._db.execute(
            "INSERT INTO webhooks (team_id, channel_id, secret_hash, nonce, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id, channel_id) DO UPDATE SET"
            " secret_hash = excluded.secret_hash, nonce = excluded.nonce,"
            " created_at = excluded.created_at",
            [team_id, channel_id, secret_hash, nonce, now.isoformat()],
        )

    def delete_webhook(self, team_id: str, channel_id: str) -> bool:
        cursor = self._db.execute(
            "DELETE FROM webhooks WHERE team_id = ? AND channel_id = ?", [team_id, channel_id]
        )
        return cursor.rowcount == 1

    def webhook_channel(self, secret_hash: str) -> tuple[str, str] | None:
        """The (team, channel) whose webhook secret hashes to ``secret_hash``, if any."""
        row = self._db.execute(
            "SELECT team_id, channel_id FROM webhooks WHERE secret_hash = ?", [secret_hash]
        ).fetchone()
        return (row["team_id"], row["channel_id"]) if row else None
