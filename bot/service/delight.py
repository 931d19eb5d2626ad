"""Delight's service, one object per job. Listeners find it in Bolt's context
(``handlers.context``), scheduled jobs are handed it; both call these objects and never the
store. The wiring (``bot.app``) builds them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.service.channels import Channels
from bot.service.digests import Digests
from bot.service.events import EventLog
from bot.service.live import LiveTallies
from bot.service.outbox import Outbox
from bot.service.polls import Polls
from bot.service.privacy import Privacy
from bot.service.profile_commands import ProfileCommands
from bot.service.reports import Reports
from bot.service.schedule_commands import ScheduleCommands
from bot.service.webhooks import Webhooks
from bot.service.wins import Wins


@dataclass(frozen=True)
class Delight:
    channels: Channels  # a channel's calendar, language and profile
    polls: Polls  # a poll's life: asked for, answered, nudged, closed
    live: LiveTallies  # each open poll's live tally, and what its message shows
    digests: Digests  # the weekly digest's life: asked for, claimed, queued
    reports: Reports  # the read side: tally, digest content, Home cards
    wins: Wins  # customer wins, thanks between teams included
    webhooks: Webhooks  # each channel's inbound webhook for wins
    profile: ProfileCommands  # /delight customer, goal, privacy, language
    schedules: ScheduleCommands  # /delight schedule, skip, pause, nudge...; schedules off
    privacy: Privacy  # forgetting a person, or a workspace
    events: EventLog  # Events API deliveries seen, so a redelivery does nothing
    outbox: Outbox  # what becomes of a row the delivery worker is done with
