"""Forgetting: one person's answers (``/delight forget me``), or a whole workspace when
Delight is uninstalled."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.pseudonym import Pseudonymizer
from bot.service.live import LiveTallies
from bot.storage.store import Storage


class Privacy:
    def __init__(
        self,
        storage: Storage,
        live: LiveTallies,
        pseudonym: Pseudonymizer,
        wake: Callable[[], None],
        resync: Callable[[str, str], None],
    ) -> None:
        """``wake()``: tell the outbox's worker that rows were written. ``resync(team_id,
        channel_id)``: make the scheduler follow the channel's stored schedule at once."""
        self._storage = storage
        self._live = live
        self._pseudonym = pseudonym
        self._wake = wake
        self._resync = resync

    def forget_person(self, team_id: str, user_id: str) -> int:
        """Delete every answer the person gave in the workspace; returns how many.

        Open polls leave them out from their next live-tally step, not at once: an
        immediate redraw would show exactly what they had answered.
        """
        person = self._pseudonym(team_id, user_id)
        removed, open_polls = self._storage.forget_person(team_id, person)
        for poll_id in open_polls:
            self._live.answers_removed(poll_id)
        self._wake()
        return removed

    def forget_workspace(self, team_id: str) -> list[str]:
        """Delete everything stored for the workspace, and its channels' scheduled work;
        returns the channels it had."""
        channels = self._storage.forget_team(team_id)
        for channel_id in channels:
            self._resync(team_id, channel_id)
        return channels
