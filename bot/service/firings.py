"""Firing what the due index says is due (issue 17): a channel's poll, digest, nudges and
closes, for the timer in ``schedules.jobs``.

Each firing writes what it sends (the outbox row) and the channel's next instant in one
transaction, and the guards against doubles are in the database (one poll per channel per
local date, one scheduled digest per channel per week, one nudge per poll), so restarts,
double firings and the fall-back hour post once. Each says whether it did something (for
the timer's log line); the delivery worker sends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.domain.calendar import Clock
from bot.domain.due import CLOSE_WAIT, Due, DueKind, skips_from
from bot.domain.schedule import MAX_POLL_OPEN, needs_nudge, nudge_window
from bot.service.delight import Delight
from bot.service.due import DueInstants
from bot.service.polls import PollQueued
from bot.storage.store import Storage

# Slack retries a failed event delivery three times within minutes; a day is ample.
KEEP_EVENT_IDS = timedelta(days=1)


class Firings:
    def __init__(
        self, delight: Delight, storage: Storage, clock: Clock, wake: Callable[[], None]
    ) -> None:
        """``wake()``: tell the outbox's worker that rows were written."""
        self.delight = delight
        self.storage = storage
        self.clock = clock
        self._wake = wake
        self.instants = DueInstants(storage)

    # The index

    def earliest(self) -> datetime | None:
        return self.storage.earliest_due()

    def due(self, now: datetime, limit: int) -> list[Due]:
        return self.storage.due_until(now, limit)

    def instants_of(self, team_id: str, channel_id: str) -> dict[DueKind, datetime]:
        return self.storage.due_instants(team_id, channel_id)

    def postpone(self, due: Due, until: datetime) -> None:
        """Move an instant whose firing failed, so it is tried again then."""
        self.storage.set_due(due.team_id, due.channel_id, {due.kind: until})

    def schedule_changed(self, team_id: str, channel_id: str) -> None:
        self.instants.schedule_changed(team_id, channel_id, self.clock())

    def poll_posted(self, team_id: str, channel_id: str) -> datetime | None:
        """Write the channel's close and nudge instants; returns the earlier of them."""
        instants = self.instants.polls_changed(team_id, channel_id, self.clock())
        return min((at for at in instants.values() if at is not None), default=None)

    def forget_events(self, now: datetime) -> None:
        self.storage.forget_events(now - KEEP_EVENT_IDS)

    # Firings

    def poll(self, team_id: str, channel_id: str, fired: datetime | None = None) -> bool:
        """Queue the channel's poll if one is due now and not yet queued for its local day,
        and move its instant (``fired``, when the index fired it) to the next poll. True if
        it queued one.

        What it reads comes before the transaction, which holds the store's write lock:
        in a fan-out the firings come back to back, and the delivery worker's writes go in
        between them.
        """
        now = self.clock()
        schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
        due = schedule is not None and schedule.poll_due(now) is not None
        next_at = None if schedule is None else schedule.next_poll_at(now)
        with self.storage.transaction():
            outcome = self.delight.polls.request(team_id, channel_id) if due else None
            self._move(team_id, channel_id, DueKind.POLL, fired, next_at)
        return self._sent(isinstance(outcome, PollQueued))

    def _move(
        self,
        team_id: str,
        channel_id: str,
        kind: DueKind,
        fired: datetime | None,
        to: datetime | None,
    ) -> None:
        if fired is None:
            self.storage.set_due(team_id, channel_id, {kind: to})
        else:
            self.storage.move_due(team_id, channel_id, kind, fired, to)

    def due_digest(self, due: Due, started_at: datetime) -> bool:
        """The digest's instant came. Its week over (the process was down), only the next
        week's is left; missed while down (before ``started_at``), it is posted only if the
        week has numbers, as before the index."""
        now = self.clock()
        schedule = self.storage.schedule_for(due.team_id, due.channel_id, skips_from(now))
        if schedule is None or schedule.digest_due(now) is None:
            next_at = None if schedule is None else schedule.next_digest_at(now)
            self._move(due.team_id, due.channel_id, DueKind.DIGEST, due.at, next_at)
            return False
        return self.digest(due.team_id, due.channel_id, due.at < started_at, due.at)

    def digest(
        self, team_id: str, channel_id: str, missed: bool = False, fired: datetime | None = None
    ) -> bool:
        """Queue this week's digest unless it already was (a restart, a double firing).

        ``missed``: its time passed while the process was down. A missed digest is posted
        only if the week has numbers: a channel scheduled after its digest time, with no
        poll yet, gets no digest of an empty week.
        """
        now = self.clock()
        schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
        if schedule is None:
            return False  # turned off since
        post = not missed or self._week_has_numbers(team_id, channel_id)
        with self.storage.transaction():
            queued = post and self.delight.digests.claim(team_id, channel_id)
            self._move(team_id, channel_id, DueKind.DIGEST, fired, schedule.next_digest_at(now))
        return self._sent(queued)

    def _week_has_numbers(self, team_id: str, channel_id: str) -> bool:
        monday = self.delight.channels.today(team_id, channel_id)
        monday -= timedelta(days=monday.weekday())
        sunday = monday + timedelta(days=6)
        return bool(self.storage.daily_totals(team_id, channel_id, monday, sunday))

    def close(self, team_id: str, channel_id: str) -> bool:
        """Close the channel's polls that have been open for the longest time allowed.

        A daily poll reaches that limit just as the next one fires: while the next poll is
        due or on its way, its post closes this one (so yesterday's result line follows
        today's poll), and the limit applies again a minute later.
        """
        now = self.clock()
        closed = waiting = False
        with self.storage.transaction():
            for open_poll in self.storage.open_poll_claims(team_id, channel_id):
                if open_poll.claimed_at + MAX_POLL_OPEN > now:
                    continue
                if self._next_poll_coming(team_id, channel_id, open_poll.id, now):
                    waiting = True
                    continue
                closed |= self.storage.close_poll(open_poll.id, now)
            self.instants.polls_changed(team_id, channel_id, now, windows_open=False)
            if waiting:
                self.storage.set_due(team_id, channel_id, {DueKind.CLOSE: now + CLOSE_WAIT})
        return self._sent(closed)

    def _next_poll_coming(self, team_id: str, channel_id: str, poll_id: int, now: datetime) -> bool:
        """The channel's next poll fires now, or waits in the outbox."""
        next_poll = self.storage.due_instants(team_id, channel_id).get(DueKind.POLL)
        return (next_poll is not None and next_poll <= now) or self.storage.newer_poll_on_its_way(
            team_id, channel_id, poll_id
        )

    def nudges(self, team_id: str, channel_id: str) -> bool:
        """Queue a nudge for each of the channel's open polls whose nudge window this is, if
        fewer than half of our usual responders have answered."""
        now = self.clock()
        queued = False
        with self.storage.transaction():
            minutes = self.storage.nudge_minutes(team_id, channel_id)
            schedule = self.storage.schedule_for(team_id, channel_id, skips_from(now))
            for open_poll in self.storage.open_poll_claims(team_id, channel_id) if minutes else []:
                start, closes_at = nudge_window(open_poll.claimed_at, schedule, minutes)
                poll = self.storage.get_poll(open_poll.id)
                if open_poll.nudged or not start <= now < closes_at or poll is None:
                    continue
                responders = self.storage.poll_total(poll.id).responders
                if needs_nudge(responders, self.storage.recent_responders(team_id, channel_id)):
                    minutes_left = max(1, round((closes_at - now).total_seconds() / 60))
                    queued |= self.delight.polls.nudge(poll, minutes_left, closes_at)
            self.instants.polls_changed(team_id, channel_id, now, windows_open=False)
        return self._sent(queued)

    def _sent(self, wrote: bool) -> bool:
        """After the commit: the delivery worker reads what a firing wrote."""
        if wrote:
            self._wake()
        return wrote
