"""The read side: the team's numbers as a person asks for them (``/delight tally``, the goal),
the weekly digest's content, and the Home tab's cards. Only team numbers, never a person's."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.calendar import Week
from bot.domain.digest import (
    ChannelCard,
    Digest,
    build_digest,
    goal_progress,
    trend_start,
    weekly_trend,
)
from bot.domain.models import DayTotal
from bot.domain.tally import GoalProgress, TeamTotal, team_total
from bot.service.channels import Channels
from bot.service.directory import Directory
from bot.storage.store import Storage


@dataclass(frozen=True)
class Tally:
    """``/delight tally``: today's poll as it shows now (None before there is one), this
    week, and the goal. ``pending``: answers since the open poll's tally last moved."""

    today: DayTotal | None
    week: TeamTotal
    threshold: int
    goal: GoalProgress | None
    pending: int | None


class Reports:
    def __init__(self, storage: Storage, channels: Channels, directory: Directory) -> None:
        self._storage = storage
        self._channels = channels
        self._directory = directory

    def tally(self, team_id: str, channel_id: str) -> Tally:
        day = self._channels.today(team_id, channel_id)
        week = Week.containing(day)
        profile = self._channels.profile(team_id, channel_id)
        poll = self._storage.poll_on(team_id, channel_id, day)
        live = self._storage.live_tally(poll.id) if poll and poll.message_ts else None
        totals = self._storage.daily_totals(team_id, channel_id, week.start, week.end)
        week_total = team_total(totals, profile.threshold)
        return Tally(
            live.day if live else None,
            week_total,
            profile.threshold,
            goal_progress(week_total, profile),
            pending=None if live is None or poll.closed else live.pending,
        )

    def week_total(self, team_id: str, channel_id: str) -> TeamTotal:
        """This week's team number in the channel, by its local calendar."""
        week = Week.containing(self._channels.today(team_id, channel_id))
        totals = self._storage.daily_totals(team_id, channel_id, week.start, week.end)
        return team_total(totals, self._channels.profile(team_id, channel_id).threshold)

    def digest(self, team_id: str, channel_id: str, members: int | None = None) -> Digest:
        """This week's digest; ``members``: how many people are in the channel, if known."""
        day = self._channels.today(team_id, channel_id)
        week = Week.containing(day)
        profile = self._channels.profile(team_id, channel_id)
        totals = self._storage.daily_totals(team_id, channel_id, trend_start(day), week.end)
        wins = self._storage.wins_between(team_id, channel_id, week.start, week.end)
        thanked = self._storage.teams_thanked(team_id, channel_id, week.start, week.end)
        return build_digest(day, totals, wins, profile.threshold, profile, members, thanked)

    def channel_card(self, team_id: str, channel_id: str) -> ChannelCard:
        """One channel's Home tab numbers: this week, goal, trend, settings."""
        day = self._channels.today(team_id, channel_id)
        week = Week.containing(day)
        profile = self._channels.profile(team_id, channel_id)
        totals = self._storage.daily_totals(team_id, channel_id, trend_start(day), week.end)
        this_week = team_total([d for d in totals if d.local_date >= week.start], profile.threshold)
        return ChannelCard(
            channel_id=channel_id,
            this_week=this_week,
            trend=weekly_trend(day, totals, profile.threshold),
            goal=goal_progress(this_week, profile),
            profile=profile,
            wins_this_week=self._storage.win_count(team_id, channel_id, week.start, week.end),
            schedule=self._storage.schedule_for(team_id, channel_id, day),
        )

    def home_cards(self, team_id: str, user_id: str) -> list[ChannelCard] | None:
        """The viewer's Home tab: a card for each channel they share with Delight; None when
        Slack couldn't say which channels those are."""
        known = self._channels.known(team_id)
        shared = self._directory.shared_channels(team_id, user_id, set(known)) if known else set()
        if shared is None:
            return None
        return [self.channel_card(team_id, channel) for channel in known if channel in shared]
