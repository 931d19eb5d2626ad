"""What ``python -m bot check`` reads. The database may be older than this code (it is opened
read-only and not migrated), so a table that doesn't exist yet counts as empty."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.storage.outbox import Outbox


@dataclass(frozen=True)
class Contents:
    scheduled_channels: int
    outbox_pending: dict[str, int]  # rows waiting, by kind


class Inspection(Outbox):
    def intact(self) -> bool:
        """SQLite's ``PRAGMA quick_check`` finds nothing wrong."""
        return self._db.execute("PRAGMA quick_check").fetchone()["quick_check"] == "ok"

    def contents(self) -> Contents:
        """How much the database holds, for the operator: never a name or an answer."""
        try:
            pending = self.outbox_pending()
        except sqlite3.OperationalError:  # a database from before the outbox
            pending = {}
        return Contents(
            scheduled_channels=self._count("channels WHERE poll_time IS NOT NULL"),
            outbox_pending=pending,
        )

    def has_answers(self) -> bool:
        """Some open poll holds answers (the pseudonym key is needed to change them)."""
        return self._count("answers") > 0

    def _count(self, rows: str) -> int:
        try:
            return self._db.execute(f"SELECT COUNT(*) AS n FROM {rows}").fetchone()["n"]
        except sqlite3.OperationalError:  # a database from before the table existed
            return 0
