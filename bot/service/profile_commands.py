"""``/delight customer``, ``goal``, ``privacy`` and ``language``: a team's settings for its
channel.

Changes are announced in the channel (``Change``), so the whole team sees who our customer
is, what we aim for together, when the privacy threshold changes, and which language Delight
speaks there. The channel's open polls are drawn again with the new setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

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
from bot.domain.models import ChannelProfile
from bot.domain.tally import GoalProgress
from bot.service.channels import Channels
from bot.service.live import LiveTallies
from bot.service.outcome import Change, Outcome
from bot.service.reports import Reports
from bot.storage.store import Storage


@dataclass(frozen=True)
class CustomerShown(Outcome):
    customer: str | None


@dataclass(frozen=True)
class CustomerSet(Change):
    customer: str | None


@dataclass(frozen=True)
class GoalShown(Outcome):
    goal: int | None
    progress: GoalProgress | None


@dataclass(frozen=True)
class GoalSet(Change):
    goal: int | None
    progress: GoalProgress | None


@dataclass(frozen=True)
class PrivacyShown(Outcome):
    profile: ChannelProfile


@dataclass(frozen=True)
class ThresholdSet(Change):
    threshold: int


@dataclass(frozen=True)
class LanguageShown(Outcome):
    """``code`` is spoken in the channel; ``own``: the channel chose it, else it is the
    workspace's ``default``."""

    code: str
    default: str
    own: bool


@dataclass(frozen=True)
class LanguageSet(Change):
    """``code`` is spoken from now on; ``default``: it is the workspace's, the channel's own
    choice was removed. Said in ``code``."""

    code: str
    default: bool


class ProfileCommands:
    def __init__(
        self, storage: Storage, channels: Channels, reports: Reports, live: LiveTallies
    ) -> None:
        self._storage = storage
        self._channels = channels
        self._reports = reports
        self._live = live

    def apply(self, command: ProfileCommand, team_id: str, channel_id: str) -> Outcome:
        """Carry out the command; returns what it did."""
        outcome = self._apply(command, team_id, channel_id)
        if isinstance(outcome, Change):
            self._live.redraw(team_id, channel_id)
        return outcome

    def _apply(self, command: ProfileCommand, team_id: str, channel_id: str) -> Outcome:
        storage, tz = self._storage, self._channels.tz(team_id, channel_id)
        match command:
            case ShowCustomer():
                return CustomerShown(self._channels.profile(team_id, channel_id).customer)
            case SetCustomer(customer=customer):
                storage.set_customer(team_id, channel_id, customer, tz)
                return CustomerSet(customer)
            case ShowGoal():
                return GoalShown(*self._goal(team_id, channel_id))
            case SetGoal(goal=goal):
                storage.set_goal(team_id, channel_id, goal, tz)
                return GoalSet(goal, self._goal(team_id, channel_id)[1])
            case ShowPrivacy():
                return PrivacyShown(self._channels.profile(team_id, channel_id))
            case SetThreshold(threshold=threshold):
                storage.set_threshold(team_id, channel_id, threshold, tz)
                return ThresholdSet(threshold)
            case ShowLanguage():
                own = self._channels.own_language(team_id, channel_id)
                default = self._channels.default_language
                return LanguageShown(own or default, default, own is not None)
            case SetLanguage(code=code):
                storage.set_language(team_id, channel_id, code, tz)
                return LanguageSet(code or self._channels.default_language, code is None)
            case _:
                assert_never(command)

    def _goal(self, team_id: str, channel_id: str) -> tuple[int | None, GoalProgress | None]:
        profile = self._channels.profile(team_id, channel_id)
        return profile.goal, goal_progress(self._reports.week_total(team_id, channel_id), profile)
