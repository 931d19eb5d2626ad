"""``/delight customer``, ``goal``, ``privacy`` and ``language``: a team's settings for its
channel.

Changes are announced in the channel (``public``), so the whole team sees who our customer
is, what we aim for together, when the privacy threshold changes, and which language Delight
speaks there (announced in the new one).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import i18n
from bot.domain.command_text import (
    ProfileCommand,
    SetCustomer,
    SetGoal,
    SetLanguage,
    SetThreshold,
    ShowCustomer,
    ShowGoal,
    ShowLanguage,
    ShowPrivacy,
)
from bot.domain.digest import goal_progress
from bot.service.delight import Delight
from bot.slack import profile_texts


@dataclass(frozen=True)
class Reply:
    text: str
    public: bool = False


def apply(delight: Delight, command: ProfileCommand, team_id: str, channel_id: str) -> Reply:
    storage, tz = delight.storage, delight.tz(team_id, channel_id)
    match command:
        case ShowCustomer():
            return Reply(profile_texts.customer_text(delight.profile(team_id, channel_id).customer))
        case SetCustomer(customer=customer):
            storage.set_customer(team_id, channel_id, customer, tz)
            return Reply(profile_texts.customer_set_text(customer), public=True)
        case ShowGoal():
            profile = delight.profile(team_id, channel_id)
            progress = goal_progress(delight.week_total(team_id, channel_id), profile)
            return Reply(profile_texts.goal_text(profile.goal, progress))
        case SetGoal(goal=goal):
            storage.set_goal(team_id, channel_id, goal, tz)
            profile = delight.profile(team_id, channel_id)
            progress = goal_progress(delight.week_total(team_id, channel_id), profile)
            return Reply(profile_texts.goal_set_text(goal, progress), public=True)
        case ShowPrivacy():
            return Reply(profile_texts.privacy_text(delight.profile(team_id, channel_id)))
        case SetThreshold(threshold=threshold):
            storage.set_threshold(team_id, channel_id, threshold, tz)
            return Reply(profile_texts.threshold_set_text(threshold), public=True)
        case ShowLanguage():
            own = storage.channel_language(team_id, channel_id)
            code = own or delight.default_language
            return Reply(
                profile_texts.language_text(code, delight.default_language, own is not None)
            )
        case SetLanguage(code=code):
            storage.set_language(team_id, channel_id, code, tz)
            now = code or delight.default_language
            with i18n.speaking(now):
                text = profile_texts.language_set_text(now, code is None)
            return Reply(text, public=True)
