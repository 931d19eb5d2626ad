"""The weekly digest's life: asked for (``/delight digest``, any number of times) or claimed
by the schedule (once a week), queued, and dropped unsent once its week is over. What it
says is the read side's (``bot.service.reports``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.domain.calendar import Clock, Week
from bot.service.channels import Channels
from bot.storage.store import Storage


class Digests:
    def __init__(
        self, storage: Storage, channels: Channels, clock: Clock, wake: Callable[[], None]
    ) -> None:
        """``wake()``: tell the outbox's worker that rows were written."""
        self._storage = storage
        self._channels = channels
        self._clock = clock
        self._wake = wake

    def week_start(self, team_id: str, channel_id: str) -> date:
        """The Monday of the channel's current week: a digest of another week is stale."""
        return Week.containing(self._channels.today(team_id, channel_id)).start

    def request(self, team_id: str, channel_id: str, response_url: str | None = None) -> None:
        """Queue this week's digest, as asked for (``/delight digest``)."""
        week = Week.containing(self._channels.today(team_id, channel_id))
        self._storage.queue_digest(
            team_id,
            channel_id,
            week.start,
            self._clock(),
            self._channels.day_end(team_id, channel_id, week.end),
            response_url,
        )
        self._wake()

    def claim(self, team_id: str, channel_id: str) -> bool:
        """Claim and queue this week's scheduled digest; False if it already went out."""
        week = Week.containing(self._channels.today(team_id, channel_id))
        end = self._channels.day_end(team_id, channel_id, week.end)
        if not self._storage.claim_digest(team_id, channel_id, week.start, self._clock(), end):
            return False
        self._wake()
        return True
