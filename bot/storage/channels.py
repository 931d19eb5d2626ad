"""A channel's settings (``channels``: timezone, profile, language), and which channels
Delight knows. The schedule's columns of the same table are ``bot.storage.schedules``'."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from bot.domain.models import ChannelProfile
from bot.domain.tally import DEFAULT_THRESHOLD
from bot.storage.connection import Connection

_CHANNEL_VALUES = {"customer", "goal", "threshold", "language"}
# Channels whose profile and language are kept in memory: every click reads both, and a
# burst of clicks is about one channel. Only this process writes the database (its lock).
CACHED_CHANNELS = 4096


class Channels(Connection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._settings: OrderedDict[tuple[str, str], tuple[ChannelProfile, str | None]]
        self._settings = OrderedDict()
        # Held while a missing entry is read and stored, and while one is dropped after a
        # write has committed: so an entry read before a write never outlives it.
        self._settings_lock = threading.Lock()

    def _channel_settings(self, team_id: str, channel_id: str) -> tuple[ChannelProfile, str | None]:
        key = (team_id, channel_id)
        with self._settings_lock:
            if key in self._settings:
                self._settings.move_to_end(key)
                return self._settings[key]
            row = self._db.execute(
                "SELECT customer, goal, threshold, language FROM channels"
                " WHERE team_id = ? AND channel_id = ?",
                [team_id, channel_id],
            ).fetchone()
            settings = (ChannelProfile(), None)
            if row is not None:
                threshold = DEFAULT_THRESHOLD if row["threshold"] is None else row["threshold"]
                profile = ChannelProfile(row["customer"], row["goal"], threshold)
                settings = (profile, row["language"])
            self._settings[key] = settings
            if len(self._settings) > CACHED_CHANNELS:
                self._settings.popitem(last=False)
            return settings

    def _forget_settings(self, team_id: str, channel_id: str | None = None) -> None:
        """Drop what is kept of the channel's settings (of every channel of the team when
        ``channel_id`` is None); call it after the write has committed."""
        with self._settings_lock:
            for key in list(self._settings):
                if key[0] == team_id and channel_id in (None, key[1]):
                    del self._settings[key]

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
        return self._channel_settings(team_id, channel_id)[0]

    def set_customer(self, team_id: str, channel_id: str, customer: str | None, tz: str) -> None:
        self._set_channel_value("customer", team_id, channel_id, customer, tz)

    def set_goal(self, team_id: str, channel_id: str, goal: int | None, tz: str) -> None:
        self._set_channel_value("goal", team_id, channel_id, goal, tz)

    def set_threshold(self, team_id: str, channel_id: str, threshold: int, tz: str) -> None:
        self._set_channel_value("threshold", team_id, channel_id, threshold, tz)

    def channel_language(self, team_id: str, channel_id: str) -> str | None:
        """The language the channel chose, or None for the workspace's default."""
        return self._channel_settings(team_id, channel_id)[1]

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
        self._forget_settings(team_id, channel_id)

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
