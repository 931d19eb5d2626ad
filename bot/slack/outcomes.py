"""What a person is told about what the service did: the reply to each outcome it returns
(an answer recorded, a setting changed or shown), worded in the current language. A change
to what is the team's (``announce``) is said in the channel, the rest to the person alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from bot.domain import i18n
from bot.service import profile_commands as profile
from bot.service import schedule_commands as schedule
from bot.service.outcome import Outcome
from bot.service.polls import Answered, AnswerOutcome, PollClosed, PollGone
from bot.service.reports import Tally
from bot.slack import profile_texts, reply_texts, schedule_texts


@dataclass(frozen=True)
class Reply:
    text: str
    public: bool = False  # said in the channel (``in_channel``), else to the person alone


def answer_text(outcome: AnswerOutcome) -> str:
    """What the person who answered a poll sees, only them."""
    match outcome:
        case Answered(count=count):
            return reply_texts.answer_thanks(count)
        case PollGone():
            return reply_texts.stale_poll_text()
        case PollClosed():
            return reply_texts.poll_closed_text()
        case _:
            assert_never(outcome)


def tally_text(tally: Tally) -> str:
    return reply_texts.tally_text(
        tally.today, tally.week, tally.threshold, tally.goal, tally.pending
    )


def reply_to(outcome: Outcome) -> Reply:
    """The reply to a settings command (``ProfileCommands`` and ``ScheduleCommands``)."""
    return Reply(_text(outcome), public=outcome.announce)


def _text(outcome: Outcome) -> str:
    match outcome:
        case profile.CustomerShown(customer=customer):
            return profile_texts.customer_text(customer)
        case profile.CustomerSet(customer=customer):
            return profile_texts.customer_set_text(customer)
        case profile.GoalShown(goal=goal, progress=progress):
            return profile_texts.goal_text(goal, progress)
        case profile.GoalSet(goal=goal, progress=progress):
            return profile_texts.goal_set_text(goal, progress)
        case profile.PrivacyShown(profile=channel_profile):
            return profile_texts.privacy_text(channel_profile)
        case profile.ThresholdSet(threshold=threshold):
            return profile_texts.threshold_set_text(threshold)
        case profile.LanguageShown(code=language, default=default, own=own):
            return profile_texts.language_text(language, default, own)
        case profile.LanguageSet(code=language, default=default):
            with i18n.speaking(language):
                return profile_texts.language_set_text(language, default)
        case schedule.ScheduleShown(schedule=shown, now=now, disabled=disabled):
            return schedule_texts.schedule_text(shown, now, disabled)
        case schedule.ScheduleOffDone():
            return schedule_texts.schedule_off_text()
        case schedule.NotScheduled():
            return schedule_texts.not_scheduled_text()
        case schedule.SkipPassed(day=day, example=example):
            return schedule_texts.skip_passed_text(day, example)
        case schedule.SkipTooFar(example=example):
            return schedule_texts.skip_too_far_text(example)
        case schedule.SkipNotListed(day=day):
            return schedule_texts.skip_not_listed_text(day)
        case schedule.SkipsListed(days=days):
            return schedule_texts.skip_list_text(days)
        case schedule.NudgeShown(minutes=minutes) | schedule.NudgeSet(minutes=minutes):
            return schedule_texts.nudge_setting_text(minutes)
    raise TypeError(f"no reply for {type(outcome).__name__}")
