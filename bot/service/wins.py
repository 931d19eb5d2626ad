"""Customer wins: logged for the team (from ``/delight win``, the win form, a message, a
webhook, another team's thanks), once per source, never with an author."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.calendar import Clock
from bot.domain.models import WinKind
from bot.service.channels import Channels
from bot.service.directory import Directory
from bot.storage.store import Storage


def message_source(team_id: str, channel_id: str, message_ts: str) -> str:
    """A win's source id when it was logged from a message: one win per message."""
    return f"msg:{team_id}:{channel_id}:{message_ts}"


class Wins:
    def __init__(
        self,
        storage: Storage,
        channels: Channels,
        clock: Clock,
        wake: Callable[[], None],
        directory: Directory,
    ) -> None:
        """``wake()``: tell the outbox's worker that rows were written."""
        self._storage = storage
        self._channels = channels
        self._clock = clock
        self._wake = wake
        self._directory = directory

    def log(
        self,
        team_id: str,
        channel_id: str,
        kind: WinKind,
        story: str,
        source_id: str,
        from_channel: str | None = None,
    ) -> bool:
        """Log a win for the team; False if ``source_id`` was logged before. No author."""
        day = self._channels.today(team_id, channel_id)
        return self._storage.add_win(
            team_id, channel_id, day, kind, story, source_id, from_channel=from_channel
        )

    def logged(self, source_id: str) -> bool:
        """Whether a win from ``source_id`` (e.g. ``message_source(...)``) is logged."""
        return self._storage.has_win(source_id)

    def link_to_message(
        self, team_id: str, channel_id: str, message_ts: str, source_id: str
    ) -> None:
        """Keep the link to the message a win was logged from, if Slack gives us one."""
        link = self._directory.permalink(team_id, channel_id, message_ts)
        if link:
            self._storage.set_win_permalink(source_id, link)

    def thanked(
        self,
        team_id: str,
        from_channel: str,
        to_channel: str,
        story: str,
        source_id: str,
        confirmation: dict,
        if_lost: str,
        response_url: str | None = None,
    ) -> None:
        """Another team was thanked in its channel (the thank-you landed): it counts there as
        an internal customer served, and ``confirmation``, the message that says so in ours,
        is queued; ``if_lost`` is what the thanker hears should it be given up."""
        self.log(team_id, to_channel, WinKind.INTERNAL, story, source_id, from_channel)
        self._storage.queue_message(
            team_id, from_channel, confirmation, self._clock(), response_url, if_lost=if_lost
        )
        self._wake()
