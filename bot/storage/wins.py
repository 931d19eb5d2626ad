"""Wins (``wins``): logged once per Slack trigger or message, read back per channel and day."""

from __future__ import annotations

from datetime import date

from bot.domain.models import Win, WinKind
from bot.storage.connection import Connection


class Wins(Connection):
    def add_win(
        self,
        team_id: str,
        channel_id: str,
        local_date: date,
        kind: WinKind,
        story: str,
        source_id: str,
        permalink: str | None = None,
        from_channel: str | None = None,
    ) -> bool:
        """Log a win; returns False if this ``source_id`` was already logged (a retry, or
        the same message logged again). ``from_channel``: the channel that thanked."""
        cursor = self._db.execute(
            "INSERT INTO wins (team_id, channel_id, local_date, kind, story, source_id,"
            " permalink, from_channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (source_id) DO NOTHING",
            [
                team_id,
                channel_id,
                local_date.isoformat(),
                kind.value,
                story,
                source_id,
                permalink,
                from_channel,
            ],
        )
        return cursor.rowcount == 1

    def has_win(self, source_id: str) -> bool:
        return (
            self._db.execute("SELECT 1 FROM wins WHERE source_id = ?", [source_id]).fetchone()
            is not None
        )

    def set_win_permalink(self, source_id: str, permalink: str) -> None:
        self._db.execute(
            "UPDATE wins SET permalink = ? WHERE source_id = ?", [permalink, source_id]
        )

    def wins_between(self, team_id: str, channel_id: str, start: date, end: date) -> list[Win]:
        """Wins logged in ``[start, end]``, newest first."""
        rows = self._db.execute(
            "SELECT local_date, kind, story, permalink, from_channel FROM wins"
            " WHERE team_id = ? AND channel_id = ? AND local_date BETWEEN ? AND ?"
            " ORDER BY local_date DESC, id DESC",
            [team_id, channel_id, start.isoformat(), end.isoformat()],
        ).fetchall()
        return [
            Win(
                date.fromisoformat(row["local_date"]),
                WinKind(row["kind"]),
                row["story"],
                row["permalink"],
                row["from_channel"],
            )
            for row in rows
        ]

    def teams_thanked(self, team_id: str, from_channel: str, start: date, end: date) -> int:
        """How many channels ``from_channel`` thanked with wins dated in ``[start, end]``."""
        return self._db.execute(
            "SELECT COUNT(DISTINCT channel_id) AS thanked FROM wins"
            " WHERE team_id = ? AND from_channel = ? AND local_date BETWEEN ? AND ?",
            [team_id, from_channel, start.isoformat(), end.isoformat()],
        ).fetchone()["thanked"]

    def win_count(self, team_id: str, channel_id: str, start: date, end: date) -> int:
        return self._db.execute(
            "SELECT COUNT(*) AS wins FROM wins"
            " WHERE team_id = ? AND channel_id = ? AND local_date BETWEEN ? AND ?",
            [team_id, channel_id, start.isoformat(), end.isoformat()],
        ).fetchone()["wins"]

    def win_counts(
        self, team_id: str, channel_id: str, start: date, end: date
    ) -> dict[date, dict[WinKind, int]]:
        """How many wins of each kind were logged on each day in ``[start, end]``."""
        rows = self._db.execute(
            "SELECT local_date, kind, COUNT(*) AS wins FROM wins"
            " WHERE team_id = ? AND channel_id = ? AND local_date BETWEEN ? AND ?"
            " GROUP BY local_date, kind",
            [team_id, channel_id, start.isoformat(), end.isoformat()],
        ).fetchall()
        counts: dict[date, dict[WinKind, int]] = {}
        for row in rows:
            day = date.fromisoformat(row["local_date"])
            counts.setdefault(day, {})[WinKind(row["kind"])] = row["wins"]
        return counts
