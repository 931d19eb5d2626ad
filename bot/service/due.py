"""Keeping the due index (``bot.storage.due``) in step with what it follows from: a channel's
schedule and its open polls. Written when a schedule changes, when a poll is posted, and by
each firing (``bot.service.firings``); nothing here reads more than one channel."""

from __future__ import annotations

from datetime import datetime

from bot.domain.due import SCHEDULE_KINDS, Instants, poll_instants, schedule_instants, skips_from
from bot.domain.schedule import ChannelSchedule
from bot.storage.store import Storage


class DueInstants:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def schedule_changed(self, team_id: str, channel_id: str, now: datetime) -> Instants:
        """Write all of the channel's instants from its stored schedule and open polls.

        A poll or digest instant that is due already and still scheduled is left alone: its
        firing is about to happen, and reads the schedule as it is by then (moving it to
        tomorrow would lose today's poll to, say, a skip added that very second).
        """
        with self.storage.transaction():
            schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
            current = self.storage.due_instants(team_id, channel_id)
            instants = schedule_instants(schedule, now)
            for kind in SCHEDULE_KINDS:
                if instants[kind] is not None and kind in current and current[kind] <= now:
                    del instants[kind]
            instants |= self._poll_instants(team_id, channel_id, schedule, now, True)
            self.storage.set_due(team_id, channel_id, instants)
        return instants

    def polls_changed(
        self, team_id: str, channel_id: str, now: datetime, windows_open: bool = True
    ) -> Instants:
        """Write the channel's close and nudge instants from its open polls
        (``bot.domain.due.poll_instants``)."""
        with self.storage.transaction():
            schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
            instants = self._poll_instants(team_id, channel_id, schedule, now, windows_open)
            self.storage.set_due(team_id, channel_id, instants)
        return instants

    def _poll_instants(
        self,
        team_id: str,
        channel_id: str,
        schedule: ChannelSchedule | None,
        now: datetime,
        windows_open: bool,
    ) -> Instants:
        return poll_instants(
            schedule,
            self.storage.open_poll_claims(team_id, channel_id),
            self.storage.nudge_minutes(team_id, channel_id),
            now,
            windows_open,
        )
