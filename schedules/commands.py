"""``/delight schedule``, ``digest schedule``, ``skip``, ``pause`` and ``resume``: write the
setting, apply it to the running scheduler at once, and say what changed."""

from __future__ import annotations

from datetime import timedelta

from bot import blocks
from bot.calendar import Clock, local_today
from bot.commands import (
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
)
from bot.storage import Storage
from schedules.jobs import Jobs

_NOT_SCHEDULED = "This channel has no daily poll yet. Start with `/delight schedule 17:00`."


class ScheduleCommands:
    def __init__(self, storage: Storage, jobs: Jobs, clock: Clock, default_tz: str) -> None:
        self.storage = storage
        self.jobs = jobs
        self.clock = clock
        self.default_tz = default_tz

    def apply(self, command: ScheduleCommand, team_id: str, channel_id: str) -> str:
        """Carry out the command; returns the ephemeral reply."""
        tz = self.storage.channel_tz(team_id, channel_id, self.default_tz)
        today = local_today(self.clock(), tz)
        match command:
            case SetSchedule(at=at, tz=new_tz, days=days):
                self.storage.save_schedule(team_id, channel_id, at, new_tz or tz, days)
            case ScheduleOff():
                if not self.storage.clear_schedule(team_id, channel_id):
                    return _NOT_SCHEDULED
            case SetDigestSchedule(day=day, at=at, off=off):
                if not self.storage.set_digest(team_id, channel_id, day, at, off):
                    return _NOT_SCHEDULED
            case SetPaused(paused=paused):
                if not self.storage.set_paused(team_id, channel_id, paused):
                    return _NOT_SCHEDULED
            case AddSkip(day=day):
                if day < today:
                    return f"{day.isoformat()} has already passed here; give a date from today on."
                if day > today + timedelta(days=366):
                    return "That's more than a year ahead; add it closer to the time."
                if self.storage.schedule_for(team_id, channel_id, today) is None:
                    return _NOT_SCHEDULED
                self.storage.add_skip(team_id, channel_id, day)
            case RemoveSkip(day=day):
                if not self.storage.remove_skip(team_id, channel_id, day):
                    return (
                        f"{day.isoformat()} wasn't on the skip list. `/delight skip list` shows it."
                    )
            case SetNudge(minutes=minutes):
                self.storage.set_nudge(team_id, channel_id, minutes, tz)
                return blocks.nudge_setting_text(minutes)
            case ShowNudge():
                return blocks.nudge_setting_text(self.storage.nudge_minutes(team_id, channel_id))
            case ListSkips():
                skips = self.storage.skips(team_id, channel_id, today)
                if not skips:
                    return "No days are skipped. `/delight skip 2026-12-24` skips one."
                return "Skipping: " + ", ".join(f"{d:%a} {d.isoformat()}" for d in skips) + "."
        self.jobs.sync(team_id, channel_id)
        schedule = self.storage.schedule_for(team_id, channel_id, today - timedelta(days=1))
        disabled = self.storage.disabled_reason(team_id, channel_id)
        return blocks.schedule_text(schedule, self.clock(), disabled)
