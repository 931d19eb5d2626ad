"""Each poll's live tally: how far it moves at a time, when its message is drawn again, and
what the message shows (drawn by the outbox's worker from ``PollView``, at send time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.calendar import Clock, Week
from bot.domain.digest import goal_progress
from bot.domain.models import DayTotal, Poll
from bot.domain.tally import GoalProgress, is_visible, poll_threshold, team_total
from bot.service.channels import Channels
from bot.storage.store import Storage


@dataclass(frozen=True)
class PollView:
    """What a poll's message shows now: live, with its buttons, or closed with the final
    tally (then only ``day`` and ``threshold`` count)."""

    poll_id: int
    day: DayTotal
    threshold: int
    closed: bool
    customer: str | None = None
    goal: GoalProgress | None = None
    pending: int = 0


class LiveTallies:
    def __init__(
        self, storage: Storage, channels: Channels, clock: Clock, wake: Callable[[], None]
    ) -> None:
        """``wake()``: tell the outbox's worker that rows were written."""
        self._storage = storage
        self._channels = channels
        self._clock = clock
        self._wake = wake

    def step(self, poll: Poll) -> int:
        """How many answers move the poll's live tally: its privacy threshold."""
        threshold = self._channels.profile(poll.team_id, poll.channel_id).threshold
        return poll_threshold(poll.threshold, threshold)

    def view(self, poll: Poll) -> PollView:
        live = self._storage.live_tally(poll.id)
        profile = self._channels.profile(poll.team_id, poll.channel_id)
        if poll.closed:
            return PollView(poll.id, live.day, profile.threshold, closed=True)
        week = Week.containing(poll.local_date)
        totals = self._storage.daily_totals(poll.team_id, poll.channel_id, week.start, week.end)
        return PollView(
            poll.id,
            live.day,
            profile.threshold,
            closed=False,
            customer=profile.customer,
            goal=goal_progress(team_total(totals, profile.threshold), profile),
            pending=live.pending,
        )

    def result(self, poll: Poll) -> DayTotal | None:
        """The closed poll's final numbers for its result line; None below the threshold."""
        day = self._storage.poll_total(poll.id)
        threshold = self._channels.profile(poll.team_id, poll.channel_id).threshold
        return day if is_visible(day, threshold) else None

    def redraw(self, team_id: str, channel_id: str) -> None:
        """Draw the channel's open polls again, e.g. after its customer, goal, threshold or
        language changed."""
        for poll in self._storage.open_polls(team_id, channel_id):
            self._storage.queue_edit(poll.id, self._clock())
        self._wake()

    def catch_up(self, poll: Poll) -> None:
        """The poll's message was just posted: people who clicked before Slack's answer came
        back (their edit found no message to edit yet) see their answers now. The caller
        wakes the worker."""
        if self._storage.poll_total(poll.id).responders:
            self._storage.queue_edit(poll.id, self._clock())

    def answers_removed(self, poll_id: int) -> None:
        """Answers were deleted from the poll: they count toward its next step, not at once,
        since an immediate redraw would show exactly what was removed. The caller wakes."""
        poll = self._storage.get_poll(poll_id)
        if poll is not None:
            self._storage.step_live_tally(poll_id, self.step(poll), self._clock())
