"""``/delight schedule``, ``digest schedule``, ``skip``, ``pause``, ``resume`` and ``nudge``:
write the setting, apply it to the running scheduler at once, and say what changed. And the
one change nobody asks for: Slack's answer says the channel is gone, so its schedule stops."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import assert_never

from bot.domain.calendar import Clock, local_today
from bot.domain.command_text import (
    AddSkip,
    ListSkips,
    RemoveSkip,
    ScheduleCommand,
    ScheduleOff,
    SetDigestSchedule,
    SetNudge,
    SetPaused,
    SetSchedule,
    ShowNudge,
    ShowSchedule,
)
from bot.domain.schedule import ChannelSchedule
from bot.service.outcome import Change, Outcome
from bot.storage.store import Storage


@dataclass(frozen=True)
class ScheduleShown(Outcome):
    """The channel's schedule (None: it has none) as of ``now``; ``disabled``: why Slack's
    answer turned it off, if it did."""

    schedule: ChannelSchedule | None
    now: datetime
    disabled: str | None


@dataclass(frozen=True)
class ScheduleChanged(ScheduleShown, Change):
    """The schedule as it is after the change."""


@dataclass(frozen=True)
class NotScheduled(Outcome):
    """The command needs a daily poll, and the channel has none."""


@dataclass(frozen=True)
class ScheduleOffDone(Change):
    """The daily polls are off."""


@dataclass(frozen=True)
class SkipPassed(Outcome):
    """``day`` is before today; ``example`` is a date that could be skipped."""

    day: date
    example: date


@dataclass(frozen=True)
class SkipTooFar(Outcome):
    """More than a year ahead; ``example`` is a date that could be skipped."""

    example: date


@dataclass(frozen=True)
class SkipNotListed(Outcome):
    day: date


@dataclass(frozen=True)
class SkipsListed(Outcome):
    """The days skipped from today on (maybe none)."""

    days: list[date]


@dataclass(frozen=True)
class NudgeShown(Outcome):
    minutes: int | None


@dataclass(frozen=True)
class NudgeSet(Change):
    minutes: int | None


def _holiday_after(today: date) -> date:
    """An example date to skip: the next 24 December."""
    this_year = date(today.year, 12, 24)
    return this_year if this_year >= today else date(today.year + 1, 12, 24)


class ScheduleCommands:
    def __init__(
        self,
        storage: Storage,
        resync: Callable[[str, str], None],
        clock: Clock,
        default_tz: str,
    ) -> None:
        """``resync(team_id, channel_id)``: make the scheduler follow the channel's stored
        schedule at once."""
        self.storage = storage
        self.resync = resync
        self.clock = clock
        self.default_tz = default_tz

    def apply(self, command: ScheduleCommand, team_id: str, channel_id: str) -> Outcome:
        """Carry out the command; returns what it did. Changes are announced in the channel,
        like the goal and the customer: the schedule is the whole team's."""
        tz = self.storage.channel_tz(team_id, channel_id, self.default_tz)
        today = local_today(self.clock(), tz)
        match command:
            case SetSchedule(at=at, tz=new_tz, days=days):
                self.storage.save_schedule(team_id, channel_id, at, new_tz or tz, days)
            case ScheduleOff():
                if not self.storage.clear_schedule(team_id, channel_id):
                    return NotScheduled()
                self.resync(team_id, channel_id)
                return ScheduleOffDone()
            case SetDigestSchedule(day=day, at=at, off=off):
                if not self.storage.set_digest(team_id, channel_id, day, at, off):
                    return NotScheduled()
            case SetPaused(paused=paused):
                if not self.storage.set_paused(team_id, channel_id, paused):
                    return NotScheduled()
            case AddSkip(day=day):
                if day < today:
                    return SkipPassed(day, _holiday_after(today))
                if day > today + timedelta(days=366):
                    return SkipTooFar(_holiday_after(today))
                if self.storage.schedule_for(team_id, channel_id, today) is None:
                    return NotScheduled()
                self.storage.add_skip(team_id, channel_id, day)
            case RemoveSkip(day=day):
                if not self.storage.remove_skip(team_id, channel_id, day):
                    return SkipNotListed(day)
            case SetNudge(minutes=minutes):
                self.storage.set_nudge(team_id, channel_id, minutes, tz)
                self.resync(team_id, channel_id)  # the open polls' nudges follow
                return NudgeSet(minutes)
            case ShowNudge():
                return NudgeShown(self.storage.nudge_minutes(team_id, channel_id))
            case ListSkips():
                return SkipsListed(self.storage.skips(team_id, channel_id, today))
            case ShowSchedule():
                pass
            case _:
                assert_never(command)
        self.resync(team_id, channel_id)
        schedule = self.storage.schedule_for(team_id, channel_id, today - timedelta(days=1))
        disabled = self.storage.disabled_reason(team_id, channel_id)
        shown = ScheduleShown if isinstance(command, ShowSchedule) else ScheduleChanged
        return shown(schedule, self.clock(), disabled)

    def turn_off(self, team_id: str, channel_id: str, reason: str) -> None:
        """Slack's answer says the channel (or the workspace's token) is gone: stop its
        schedule, with ``reason`` for ``/delight schedule`` to show."""
        self.storage.disable_schedule(team_id, channel_id, reason)
        self.resync(team_id, channel_id)
