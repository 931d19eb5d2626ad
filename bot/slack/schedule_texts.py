"""What the schedule subcommands answer: the rule and the next polls, skips, the nudge setting.
Pure functions returning mrkdwn.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.i18n import N_, _, day_text, moment_text, ngettext
from bot.domain.mrkdwn import code
from bot.domain.schedule import ChannelSchedule
from bot.slack.lines import describe_days, digest_time, weekday_name


def _when(moment: datetime) -> str:
    # Translators: a CLDR pattern for a poll's local date and time, "Tue 1 Dec 17:00".
    return moment_text(moment, N_("EEE d MMM HH:mm"))


def skip_day(day: date) -> str:
    """A skipped day: its weekday and the date as typed, "Thu 2026-12-24"."""
    # Translators: a CLDR pattern for a short weekday name, "Thu".
    weekday = day_text(day, N_("EEE"))
    return f"{weekday} {day.isoformat()}"


def skips_text(days: list[date]) -> str:
    return _("Skipping: {days}.", days=_(", ").join(skip_day(day) for day in days))


def _poll_rule(schedule: ChannelSchedule) -> str:
    """ "Daily poll at 17:00 (UTC), Mon to Fri.", or a weekly one for a single day."""
    at = f"{schedule.poll_time:%H:%M}"
    if len(schedule.days) == 1:
        (day,) = schedule.days
        return _(
            "Weekly poll at *{time}* ({tz}), every {day}.",
            time=at,
            tz=schedule.tz,
            day=weekday_name(day, "wide"),
        )
    return _(
        "Daily poll at *{time}* ({tz}), {days}.",
        time=at,
        tz=schedule.tz,
        days=describe_days(schedule.days),
    )


def schedule_text(schedule: ChannelSchedule | None, now: datetime, disabled: str | None) -> str:
    """What ``/delight schedule`` shows: the rule, the next three polls, the digest, skips."""
    if schedule is None:
        lines = [_("No daily poll is scheduled here. Try `/delight schedule 17:00`.")]
        if disabled:
            lines.append("_" + _("The last schedule was turned off: {why}", why=disabled) + "_")
        return "\n".join(lines)
    lines = [_poll_rule(schedule)]
    if schedule.paused:
        lines.append(_("*Paused.* `/delight resume` starts the polls again."))
    else:
        upcoming = _(", ").join(_when(moment) for moment in schedule.next_polls(now, 3))
        lines.append(_("Next: {polls}.", polls=upcoming) if upcoming else _("Next: none."))
    digest = schedule.digest_at()
    lines.append(
        _("Weekly digest: off.")
        if digest is None
        else _("Weekly digest: {when}.", when=digest_time(digest))
    )
    if schedule.skips:
        lines.append(skips_text(sorted(schedule.skips)))
    return "\n".join(lines)


def schedule_off_text() -> str:
    return _(
        "Daily polls are off in this channel. Answers so far are kept in our numbers; "
        "`/delight schedule 17:00` starts the polls again."
    )


def nudge_setting_text(minutes: int | None) -> str:
    if minutes is None:
        return _("Nudges are off. `/delight nudge 30m` turns them on.")
    return ngettext(
        "Nudge: {n} minute before the poll closes, if fewer than half of our usual "
        "responders have answered, I post one gentle reminder in the poll's thread. It never "
        "names anyone. `/delight nudge off` turns it off.",
        "Nudge: {n} minutes before the poll closes, if fewer than half of our usual "
        "responders have answered, I post one gentle reminder in the poll's thread. It never "
        "names anyone. `/delight nudge off` turns it off.",
        minutes,
    )


def not_scheduled_text() -> str:
    return _("This channel has no daily poll yet. Start with `/delight schedule 17:00`.")


def _skip_example(day: date) -> str:
    return _("Try {command}.", command=code(f"/delight skip {day.isoformat()}"))


def skip_passed_text(day: date, example: date) -> str:
    """``day`` is before today here; ``example``: a date that could be skipped."""
    passed = _("{day} has already passed here; give a date from today on.", day=day.isoformat())
    return passed + " " + _skip_example(example)


def skip_too_far_text(example: date) -> str:
    too_far = _("That's more than a year ahead; add it closer to the time.")
    return too_far + " " + _skip_example(example)


def skip_not_listed_text(day: date) -> str:
    return _("{day} wasn't on the skip list. `/delight skip list` shows it.", day=day.isoformat())


def skip_list_text(days: list[date]) -> str:
    """``/delight skip list``: the days skipped from today on, maybe none."""
    if not days:
        return _("No days are skipped. `/delight skip 2026-12-24` skips one.")
    return skips_text(days)
