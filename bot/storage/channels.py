"""A channel's settings (``channels``: timezone, profile, language), and which channels
Delight knows. The schedule's columns of the same table are ``bot.storage.schedules``'."""

from __future__ import annotations

from bot.domain.models import ChannelProfile
from bot.domain.tally import DEFAULT_THRESHOLD
from bot.storage.connection import Connection

_CHANNEL_VALUES = {"customer", "goal", "threshold", "language"}


class Channels(Connection):
    def channel_tz(self, team_id: str, channel_id: str, default: str) -> str:
        row = self._db.execute(
            "SELECT tz FROM channels WHERE team_id = ? AND channel_id = ?", [team_id, channel_id]
        ).fetchone()
        return row["tz"] if row else default

    def set_channel_tz(self, team_id: str, channel_id: str, tz: str) -> None:
        self._db["channels"].upsert(
            {"team_id": team_id, "channel_id": channel_id, "tz": tz}, pk=("team_id", "channel_id")
        )

    def channel_profile(self, team_id: str, channel_id: str) -> ChannelProfile:
        row = self._db.execute(
            "SELECT customer, goal, threshold FROM channels WHERE team_id = ? AND channel_id = ?",
            [team_id, channel_id],
        ).fetchone()
        if row is None:
            return ChannelProfile()
        threshold = row["threshold"]
        return ChannelProfile(
            row["customer"], row["goal"], DEFAULT_THRESHOLD if threshold is None else threshold
        )

    def set_customer(self, team_id: str, channel_id: str, customer: str | None, tz: str) -> None:
        self._set_channel_value("customer", team_id, channel_id, customer, tz)

    def set_goal(self, team_id: str, channel_id: str, goal: int | None, tz: str) -> None:
        self._set_channel_value("goal", team_id, channel_id, goal, tz)

    def set_threshold(self, team_id: str, channel_id: str, threshold: int, tz: str) -> None:
        self._set_channel_value("threshold", team_id, channel_id, threshold, tz)

    def channel_language(self, team_id: str, channel_id: str) -> str | None:
        """The language the channel chose, or None for the workspace's default."""
        row = self._db.execute(
            "SELECT language FROM channels WHERE team_id = ? AND channel_id = ?",
            [team_id, channel_id],
        ).fetchone()
        return row["language"] if row else None

    def set_language(self, team_id: str, channel_id: str, code: str | None, tz: str) -> None:
        self._set_channel_value("language", team_id, channel_id, code, tz)

    def _set_channel_value(
        self, column: str, team_id: str, channel_id: str, value: object, tz: str
    ) -> None:
        if column not in _CHANNEL_VALUES:  # the name goes into SQL: only known columns
            raise ValueError(f"not a channel setting: {column}")
        self._db.execute(
            f"INSERT INTO channels (team_id, channel_id, tz, {column}) VALUES (?, ?, ?, ?)"
            f" ON CONFLICT (team_id, channel_id) DO UPDATE SET {column} = excluded.{column}",
            [team_id, channel_id, tz, value],
        )

    def known_channels(self, team_id: str) -> list[str]:
        """Every channel of the workspace where Delight has a setting, a poll or a win."""
        rows = self._db.execute(
            "SELECT channel_id FROM channels WHERE team_id = :team"
            " UNION SELECT channel_id FROM polls WHERE team_id = :team"
            " UNION SELECT channel_id FROM wins WHERE team_id = :team",
            {"team": team_id},
        ).fetchall()
        return sorted(row["channel_id"] for row in rows)

    def all_channels(self) -> list[tuple[str, str]]:
        """Every (team, channel) pair Delight has a setting, a poll or a win for."""
        rows = self._db.execute(
            "SELECT team_id, channel_id FROM channels UNION SELECT team_id, channel_id FROM polls"
            " UNION SELECT team_id, channel_id FROM wins ORDER BY 1, 2"
        ).fetchall()
        return [(row["team_id"], row["channel_id"]) for row in rows]
