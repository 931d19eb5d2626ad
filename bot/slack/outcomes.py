"""What a person is told about what the service did: the reply to each outcome it returns
(an answer recorded, a setting changed or shown), worded in the current language. A change
to what is the team's (``announce``) is said in the channel, the rest to the person alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import assert_never

from bot.domain import i18n
from bot.domain.i18n import N_, _
from bot.domain.mrkdwn import code
from bot.service import profile_commands as profile
from bot.service import schedule_commands as schedule
from bot.service.outcome import Outcome
from bot.service.polls import Answered, AnswerOutcome, PollClosed, PollGone
from bot.service.reports import Tally
from bot.slack import blocks

STALE = N_("I can't find that poll any more. `/delight poll` posts today's.")
_NOT_SCHEDULED = N_("This channel has no daily poll yet. Start with `/delight schedule 17:00`.")


@dataclass(frozen=True)
class Reply:
    text: str
    public: bool = False  # said in the channel (``in_channel``), else to the person alone


def answer_text(outcome: AnswerOutcome) -> str:
    """What the person who answered a poll sees, only them."""
    match outcome:
        case Answered(count=count):
            return blocks.answer_thanks(count)
        case PollGone():
            return _(STALE)
        case PollClosed():
            return _(
                "This poll has closed, so it can't take answers any more. Thank you all the same!"
            )
        case _:
            assert_never(outcome)


def tally_text(tally: Tally) -> str:
    return blocks.tally_text(tally.today, tally.week, tally.threshold, tally.goal, tally.pending)


def reply_to(outcome: Outcome) -> Reply:
    """The reply to a settings command (``ProfileCommands`` and ``ScheduleCommands``)."""
    return Reply(_text(outcome), public=outcome.announce)


def _text(outcome: Outcome) -> str:
    match outcome:
        case profile.CustomerShown(customer=customer):
            return blocks.customer_text(customer)
        case profile.CustomerSet(customer=customer):
            return blocks.customer_set_text(customer)
        case profile.GoalShown(goal=goal, progress=progress):
            return blocks.goal_text(goal, progress)
        case profile.GoalSet(goal=goal, progress=progress):
            return blocks.goal_set_text(goal, progress)
        case profile.PrivacyShown(profile=channel_profile):
            return blocks.privacy_text(channel_profile)
        case profile.ThresholdSet(threshold=threshold):
            return blocks.threshold_set_text(threshold)
        case profile.LanguageShown(code=language, default=default, own=own):
            return blocks.language_text(language, default, own)
        case profile.LanguageSet(code=language, default=default):
            with i18n.speaking(language):
                return blocks.language_set_text(language, default)
        case schedule.ScheduleShown(schedule=shown, now=now, disabled=disabled):
            return blocks.schedule_text(shown, now, disabled)
        case schedule.ScheduleOffDone():
            return blocks.schedule_off_text()
        case schedule.NotScheduled():
            return _(_NOT_SCHEDULED)
        case schedule.SkipPassed(day=day, example=example):
            return (
                _("{day} has already passed here; give a date from today on.", day=day.isoformat())
                + " "
                + _skip_example(example)
            )
        case schedule.SkipTooFar(example=example):
            return (
                _("That's more than a year ahead; add it closer to the time.")
                + " "
                + _skip_example(example)
            )
        case schedule.SkipNotListed(day=day):
            return _(
                "{day} wasn't on the skip list. `/delight skip list` shows it.",
                day=day.isoformat(),
            )
        case schedule.SkipsListed(days=days):
            if not days:
                return _("No days are skipped. `/delight skip 2026-12-24` skips one.")
            return blocks.skips_text(days)
        case schedule.NudgeShown(minutes=minutes) | schedule.NudgeSet(minutes=minutes):
            return blocks.nudge_setting_text(minutes)
    raise TypeError(f"no reply for {type(outcome).__name__}")


def _skip_example(day: date) -> str:
    return _("Try {command}.", command=code(f"/delight skip {day.isoformat()}"))
