"""A channel's settings as the rest of the service reads them: its calendar (time zone, local
day), its language and its profile (customer, goal, privacy threshold)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import i18n
from bot.domain.calendar import Clock, local_today
from bot.domain.models import ChannelProfile
from bot.storage.store import Storage


class Channels:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        default_tz: str = "UTC",
        default_language: str = i18n.DEFAULT,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._default_tz = default_tz
        # The workspace's language: read at each use, never copied.
        self.default_language = default_language

    def tz(self, team_id: str, channel_id: str) -> str:
        return self._storage.channel_tz(team_id, channel_id, self._default_tz)

    def today(self, team_id: str, channel_id: str) -> date:
        return local_today(self._clock(), self.tz(team_id, channel_id))

    def day_end(self, team_id: str, channel_id: str, day: date) -> datetime:
        """When the channel's local ``day`` is over: a message about it no longer makes sense."""
        tz = ZoneInfo(self.tz(team_id, channel_id))
        return datetime.combine(day + timedelta(days=1), time(0), tz)

    def profile(self, team_id: str, channel_id: str) -> ChannelProfile:
        return self._storage.channel_profile(team_id, channel_id)

    def own_language(self, team_id: str, channel_id: str) -> str | None:
        """The language the channel chose (``/delight language``), if it did."""
        return self._storage.channel_language(team_id, channel_id)

    def language(self, team_id: str, channel_id: str | None) -> str:
        """The language Delight speaks in the channel: its own choice, else the default."""
        chosen = self.own_language(team_id, channel_id) if channel_id else None
        return chosen or self.default_language

    def speaking_in(self, team_id: str, channel_id: str | None) -> AbstractContextManager:
        """Write what follows in the channel's language (``bot.domain.i18n``)."""
        return i18n.speaking(self.language(team_id, channel_id))

    def known(self, team_id: str) -> list[str]:
        """The workspace's channels Delight has anything stored for."""
        return self._storage.known_channels(team_id)
