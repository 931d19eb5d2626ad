"""Events API deliveries already seen (``events``): Slack retries one it thinks failed, with
the same id."""

from __future__ import annotations

from datetime import datetime

from bot.storage.connection import Connection


class Events(Connection):
    def first_delivery(self, event_id: str, now: datetime) -> bool:
        """True the first time an Events API ``event_id`` is seen; False for a redelivery."""
        cursor = self._db.execute(
            "INSERT INTO events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [event_id, now.isoformat()],
        )
        return cursor.rowcount == 1

    def forget_events(self, before: datetime) -> int:
        """Drop event ids received before ``before``: Slack stops retrying within minutes."""
        cursor = self._db.execute("DELETE FROM events WHERE received_at < ?", [before.isoformat()])
        return cursor.rowcount
