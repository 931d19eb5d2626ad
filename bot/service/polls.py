"""A poll's life: asked for (by a person or the schedule), answered, nudged once, closed by
the next poll's post (or, open too long, by the scheduler: ``bot.service.firings``). Every
change is written with the outbox row that shows it (``bot.domain.outbox``); the outbox's
worker is woken to send it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.calendar import Clock
from bot.domain.models import Poll
from bot.domain.pseudonym import Pseudonymizer
from bot.service.channels import Channels
from bot.service.directory import Directory
from bot.service.live import LiveTallies
from bot.storage.store import Storage


@dataclass(frozen=True)
class PollQueued:
    """Today's poll is in the outbox; the delivery worker posts it."""

    poll: Poll


@dataclass(frozen=True)
class PollExists:
    """Today's poll is posted, or its post is already on its way."""

    poll: Poll


PollOutcome = PollQueued | PollExists


@dataclass(frozen=True)
class Answered:
    """The person's answer is recorded (or changed to ``count``)."""

    count: int


@dataclass(frozen=True)
class PollGone:
    """No such poll in this channel (any more)."""


@dataclass(frozen=True)
class PollClosed:
    """The poll takes no more answers."""


AnswerOutcome = Answered | PollGone | PollClosed


class Polls:
    def __init__(
        self,
        storage: Storage,
        channels: Channels,
        live: LiveTallies,
        pseudonym: Pseudonymizer,
        clock: Clock,
        wake: Callable[[], None],
        directory: Directory,
        posted: Callable[[str, str], None],
    ) -> None:
        """``wake()``: tell the outbox's worker that rows were written. ``posted(team_id,
        channel_id)``: a poll of the channel was posted (the scheduler keeps when its polls
        close and nudge)."""
        self._storage = storage
        self._channels = channels
        self._live = live
        self._pseudonym = pseudonym
        self._clock = clock
        self._wake = wake
        self._directory = directory
        self._posted = posted

    def request(
        self, team_id: str, channel_id: str, response_url: str | None = None
    ) -> PollOutcome:
        """Queue today's poll unless the channel already has one, posted or on its way.

        ``response_url``: where to tell the person who asked if it can't go out at once,
        or at all.
        """
        day = self._channels.today(team_id, channel_id)
        poll, queued = self._storage.request_poll(
            team_id,
            channel_id,
            day,
            self._clock(),
            self._channels.profile(team_id, channel_id).threshold,
            expires_at=self._channels.day_end(team_id, channel_id, day),
            response_url=response_url,
        )
        if not queued:
            return PollExists(poll)
        self._wake()
        return PollQueued(poll)

    def find(self, team_id: str, poll_id: int) -> Poll | None:
        poll = self._storage.get_poll(poll_id)
        return poll if poll is not None and poll.team_id == team_id else None

    def answer(
        self, team_id: str, channel_id: str, user_id: str, poll_id: int, count: int
    ) -> AnswerOutcome:
        """Record (or change) one person's answer, under their pseudonym."""
        poll = self._storage.get_poll(poll_id)
        if poll is None or poll.team_id != team_id or poll.channel_id != channel_id:
            return PollGone()
        person = self._pseudonym(team_id, user_id)
        if not self._storage.record_answer(
            poll_id, person, count, self._live.step(poll), edit_at=self._clock()
        ):
            return PollClosed()
        self._wake()
        return Answered(count)

    def posted(self, row_id: int, poll_id: int, message_ts: str) -> None:
        """Slack took the poll's post (outbox row ``row_id``): its message is recorded with
        the row's retirement; then the channel's earlier polls close and the answers given
        meanwhile show."""
        self._storage.poll_posted(row_id, poll_id, message_ts)
        poll = self._storage.get_poll(poll_id)
        if poll is None:  # the workspace was forgotten meanwhile
            return
        self._live.catch_up(poll)
        for earlier in self._storage.open_polls(poll.team_id, poll.channel_id):
            if earlier.local_date < poll.local_date:
                self._storage.close_poll(earlier.id, self._clock())
        self._posted(poll.team_id, poll.channel_id)
        self._wake()
        permalink = self._directory.permalink(poll.team_id, poll.channel_id, message_ts)
        if permalink:
            self._storage.set_poll_message(poll.id, message_ts, permalink)

    def nudge(self, poll: Poll, minutes_left: int, closes_at: datetime) -> bool:
        """Queue the poll's one nudge; it expires when the poll closes (its window is over).
        False if the poll was already nudged."""
        queued = self._storage.queue_nudge(poll.id, self._clock(), minutes_left, closes_at)
        if queued:
            self._wake()
        return queued
