"""``/delight schedule``, ``digest schedule``, ``skip``, ``pause`` and ``resume``: write the
setting, apply it to the running scheduler at once, and say what changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

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
from bot.domain.i18n import N_, _
from bot.domain.mrkdwn import code
from bot.service.profile import Reply
from bot.slack import schedule_texts
from bot.storage.store import Storage

_NOT_SCHEDULED = N_("This channel has no daily poll yet. Start with `/delight schedule 17:00`.")


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

    def apply(self, command: ScheduleCommand, team_id: str, channel_id: str) -> Reply:
        """Carry out the command; returns the reply. Changes are announced in the channel,
        like the goal and the customer: the schedule is the whole team's."""
        tz = self.storage.channel_tz(team_id, channel_id, self.default_tz)
        today = local_today(self.clock(), tz)
        not_scheduled = Reply(_(_NOT_SCHEDULED))
        match command:
            case SetSchedule(at=at, tz=new_tz, days=days):
                self.storage.save_schedule(team_id, channel_id, at, new_tz or tz, days)
            case ScheduleOff():
                if not self.storage.clear_schedule(team_id, channel_id):
                    return not_scheduled
                self.resync(team_id, channel_id)
                return Reply(schedule_texts.schedule_off_text(), public=True)
            case SetDigestSchedule(day=day, at=at, off=off):
                if not self.storage.set_digest(team_id, channel_id, day, at, off):
                    return not_scheduled
            case SetPaused(paused=paused):
                if not self.storage.set_paused(team_id, channel_id, paused):
                    return not_scheduled
            case AddSkip(day=day):
                example = _(
                    "Try {command}.",
                    command=code(f"/delight skip {_holiday_after(today).isoformat()}"),
                )
                if day < today:
                    return Reply(
                        _(
                            "{day} has already passed here; give a date from today on.",
                            day=day.isoformat(),
                        )
                        + " "
                        + example
                    )
                if day > today + timedelta(days=366):
                    return Reply(
                        _("That's more than a year ahead; add it closer to the time.")
                        + " "
                        + example
                    )
                if self.storage.schedule_for(team_id, channel_id, today) is None:
                    return not_scheduled
                self.storage.add_skip(team_id, channel_id, day)
            case RemoveSkip(day=day):
                if not self.storage.remove_skip(team_id, channel_id, day):
                    return Reply(
                        _(
                            "{day} wasn't on the skip list. `/delight skip list` shows it.",
                            day=day.isoformat(),
                        )
                    )
            case SetNudge(minutes=minutes):
                self.storage.set_nudge(team_id, channel_id, minutes, tz)
                return Reply(schedule_texts.nudge_setting_text(minutes), public=True)
            case ShowNudge():
                minutes = self.storage.nudge_minutes(team_id, channel_id)
                return Reply(schedule_texts.nudge_setting_text(minutes))
            case ListSkips():
                skips = self.storage.skips(team_id, channel_id, today)
                if not skips:
                    return Reply(_("No days are skipped. `/delight skip 2026-12-24` skips one."))
                return Reply(schedule_texts.skips_text(skips))
        self.resync(team_id, channel_id)
        schedule = self.storage.schedule_for(team_id, channel_id, today - timedelta(days=1))
        disabled = self.storage.disabled_reason(team_id, channel_id)
        text = schedule_texts.schedule_text(schedule, self.clock(), disabled)
        return Reply(text, public=not isinstance(command, ShowSchedule))
