"""What Delight does, as plain functions of (team, channel, ...): post polls, count answers,
log wins, tell the team its numbers. Slack listeners and scheduled jobs both call these.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.domain import i18n
from bot.domain.calendar import Clock, Week, local_today
from bot.domain.digest import ChannelCard, build_digest, goal_progress, trend_start, weekly_trend
from bot.domain.i18n import N_, _
from bot.domain.models import ChannelProfile, Poll, WinKind
from bot.domain.outbox import RESPONSE_URL_SECONDS, Kind, Message, Row
from bot.domain.pacing import DEFAULT_BURST, DEFAULT_RATE, Pacer
from bot.domain.pseudonym import Pseudonymizer
from bot.domain.schedule import MAX_POLL_OPEN
from bot.domain.tally import TeamTotal, is_visible, poll_threshold, team_total
from bot.slack import digest_blocks, home_blocks, poll_blocks, reply_texts, thanks_blocks
from bot.slack.delivery import Delivery
from bot.slack.errors import SLACK_ERRORS, GiveUp, TurnOff, error_code, explain_slack_error
from bot.storage.store import Storage

logger = logging.getLogger(__name__)

# How many pages of a person's channels to read for the Home tab (up to 1,000 each).
MAX_CHANNEL_PAGES = 20
POST, UPDATE = "chat.postMessage", "chat.update"
_WAITING = N_(
    "Posting in a moment: Slack asked me to wait, so today's poll goes up as soon as it lets me."
)


def message_source(team_id: str, channel_id: str, message_ts: str) -> str:
    """A win's source id when it was logged from a message: one win per message."""
    return f"msg:{team_id}:{channel_id}:{message_ts}"


@dataclass(frozen=True)
class PollQueued:
    """Today's poll is in the outbox; the delivery worker posts it."""

    poll: Poll


@dataclass(frozen=True)
class PollExists:
    """Today's poll is posted, or its post is already on its way."""

    poll: Poll


PollOutcome = PollQueued | PollExists


class Delight:
    def __init__(
        self,
        storage: Storage,
        client_for: Callable[[str], WebClient],
        pseudonym: Pseudonymizer,
        clock: Clock,
        default_tz: str = "UTC",
        default_language: str = i18n.DEFAULT,
        refresh_interval: float = 1.5,
        pacer: Pacer | None = None,
        edit_pacer: Pacer | None = None,
    ) -> None:
        """``refresh_interval``: the least time between two edits of one poll's message."""
        self.storage = storage
        self._client_for = client_for
        self._pseudonym = pseudonym
        self._clock = clock
        self._default_tz = default_tz
        self.default_language = default_language
        self.pacer = pacer or Pacer(DEFAULT_RATE, DEFAULT_BURST)
        self.delivery = Delivery(
            storage, client_for, self, clock, self.pacer, edit_pacer, refresh_interval
        )
        self._channel_off: Callable[[str, str], None] = lambda _team, _channel: None

    def on_channel_off(self, callback: Callable[[str, str], None]) -> None:
        """Call ``callback(team_id, channel_id)`` when Slack's answer turned a schedule off."""
        self._channel_off = callback

    def close(self) -> None:
        self.delivery.close()

    def today(self, team_id: str, channel_id: str) -> date:
        return local_today(self._clock(), self.tz(team_id, channel_id))

    def tz(self, team_id: str, channel_id: str) -> str:
        return self.storage.channel_tz(team_id, channel_id, self._default_tz)

    def profile(self, team_id: str, channel_id: str) -> ChannelProfile:
        return self.storage.channel_profile(team_id, channel_id)

    def language(self, team_id: str, channel_id: str | None) -> str:
        """The language Delight speaks in the channel: its own choice, else the default."""
        chosen = self.storage.channel_language(team_id, channel_id) if channel_id else None
        return chosen or self.default_language

    def speaking_in(self, team_id: str, channel_id: str | None) -> AbstractContextManager:
        """Write what follows in the channel's language (``bot.domain.i18n``)."""
        return i18n.speaking(self.language(team_id, channel_id))

    # Polls

    def request_poll(
        self, team_id: str, channel_id: str, response_url: str | None = None
    ) -> PollOutcome:
        """Queue today's poll unless the channel already has one, posted or on its way.

        ``response_url``: where to tell the person who asked if it can't go out at once,
        or at all.
        """
        day = self.today(team_id, channel_id)
        threshold = self.profile(team_id, channel_id).threshold
        poll, queued = self.storage.request_poll(
            team_id,
            channel_id,
            day,
            self._clock(),
            threshold,
            expires_at=self._day_end(day, self.tz(team_id, channel_id)),
            response_url=response_url,
        )
        if not queued:
            return PollExists(poll)
        self.delivery.wake()
        return PollQueued(poll)

    def _permalink(self, client: WebClient, channel_id: str, ts: str) -> str | None:
        try:
            link = client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
        except SLACK_ERRORS as error:
            logger.warning("permalink lookup failed channel=%s: %s", channel_id, error_code(error))
            return None
        return link if isinstance(link, str) and link else None

    @staticmethod
    def _day_end(day: date, tz: str) -> datetime:
        """When the channel's local ``day`` is over: a poll for it no longer makes sense."""
        return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(tz))

    def answer(self, team_id: str, channel_id: str, user_id: str, poll_id: int, count: int) -> str:
        """Record (or change) one person's answer; returns the ephemeral reply for them."""
        poll = self.storage.get_poll(poll_id)
        if poll is None or poll.team_id != team_id or poll.channel_id != channel_id:
            return _("I can't find that poll any more. `/delight poll` posts today's.")
        person = self._pseudonym(team_id, user_id)
        if not self.storage.record_answer(
            poll_id, person, count, self._step(poll), edit_at=self._clock()
        ):
            return _(
                "This poll has closed, so it can't take answers any more. Thank you all the same!"
            )
        self.delivery.wake()
        return reply_texts.answer_thanks(count)

    def _step(self, poll: Poll) -> int:
        """How many answers move the poll's live tally: its privacy threshold."""
        return poll_threshold(poll.threshold, self.profile(poll.team_id, poll.channel_id).threshold)

    def close_poll(self, poll: Poll) -> None:
        """Stop taking answers; the closing edit (final tally, no buttons) and the result line
        in the thread are queued in the same transaction."""
        if self.storage.close_poll(poll.id, self._clock()):
            self.delivery.wake()

    def nudge(self, poll: Poll, minutes_left: int, closes_at: datetime) -> bool:
        """Queue the poll's one nudge; it expires when the poll closes (its window is over).
        False if the poll was already nudged."""
        with self.speaking_in(poll.team_id, poll.channel_id):
            text = poll_blocks.nudge_text(minutes_left)
        queued = self.storage.queue_nudge(poll.id, self._clock(), text, expires_at=closes_at)
        if queued:
            self.delivery.wake()
        return queued

    def close_expired_polls(self) -> int:
        """Close polls that have been open for the longest time allowed; returns how many."""
        expired = self.storage.polls_open_since(self._clock() - MAX_POLL_OPEN)
        for poll in expired:
            self.close_poll(poll)
        return len(expired)

    def find_poll(self, team_id: str, poll_id: int) -> Poll | None:
        poll = self.storage.get_poll(poll_id)
        return poll if poll is not None and poll.team_id == team_id else None

    def refresh_open_polls(self, team_id: str, channel_id: str) -> None:
        """Redraw the channel's open polls, e.g. after its customer, goal or threshold changed."""
        for poll in self.storage.open_polls(team_id, channel_id):
            self.storage.queue_edit(poll.id, self._clock())
        self.delivery.wake()

    def _poll_message(self, poll: Poll) -> dict:
        """The poll as it should look now: live with buttons, or closed with the final tally."""
        live = self.storage.live_tally(poll.id)
        profile = self.profile(poll.team_id, poll.channel_id)
        if poll.closed:
            return poll_blocks.closed_poll_message(live.day, profile.threshold)
        week = Week.containing(poll.local_date)
        totals = self.storage.daily_totals(poll.team_id, poll.channel_id, week.start, week.end)
        return poll_blocks.poll_message(
            poll.id,
            live.day,
            profile.threshold,
            customer=profile.customer,
            goal=goal_progress(team_total(totals, profile.threshold), profile),
            pending=live.pending,
        )

    # Wins

    def log_win(
        self,
        team_id: str,
        channel_id: str,
        kind: WinKind,
        story: str,
        source_id: str,
        from_channel: str | None = None,
    ) -> bool:
        """Log a win for the team; False if ``source_id`` was logged before. No author."""
        day = self.today(team_id, channel_id)
        return self.storage.add_win(
            team_id, channel_id, day, kind, story, source_id, from_channel=from_channel
        )

    def link_win_to_message(
        self, team_id: str, channel_id: str, message_ts: str, source_id: str
    ) -> None:
        """Keep the link to the message a win was logged from, if Slack gives us one."""
        link = self._permalink(self._client_for(team_id), channel_id, message_ts)
        if link:
            self.storage.set_win_permalink(source_id, link)

    def bot_channels(self, team_id: str, bot_user_id: str | None) -> list[tuple[str, str]]:
        """The channels Delight is in (id, name), by name; raises what Slack raises."""
        found: dict[str, str] = {}
        pages = self._client_for(team_id).users_conversations(
            **({"user": bot_user_id} if bot_user_id else {}),
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=1000,
        )
        for number, page in enumerate(pages, start=1):
            for channel in page.get("channels", []):
                if isinstance(channel, dict) and isinstance(channel.get("id"), str):
                    found[channel["id"]] = str(channel.get("name") or channel["id"])
            if number >= MAX_CHANNEL_PAGES:
                break
        return sorted(found.items(), key=lambda item: (item[1].lower(), item[0]))

    def send_thanks(
        self,
        team_id: str,
        from_channel: str,
        to_channel: str,
        story: str,
        source_id: str,
        response_url: str | None = None,
    ) -> str | None:
        """Thank another team in its channel, count it as an internal customer served there,
        and confirm in ours. Returns what to tell the thanker alone, or None when the
        confirmation is on its way to the channel.

        The thank-you itself is posted at once rather than through the outbox: the person
        waits to hear whether it landed (Delight may not be in that channel), and it counts as
        a win there only once it did. The confirmation goes through the outbox.
        """
        customer = self.profile(team_id, from_channel).customer
        with self.speaking_in(team_id, to_channel):
            message = thanks_blocks.thanks_message(from_channel, customer, story)
        self.pacer.wait(team_id, to_channel)
        try:
            self._client_for(team_id).chat_postMessage(channel=to_channel, **message)
        except SLACK_ERRORS as error:
            code = error_code(error)
            logger.warning("thanks post failed channel=%s: %s", to_channel, code)
            return reply_texts.thanks_failed_text(to_channel, code) or (
                _("I couldn't thank them.") + " " + explain_slack_error(error)
            )
        finally:
            self.pacer.sent(team_id, to_channel)
        self.log_win(
            team_id, to_channel, WinKind.INTERNAL, story, source_id, from_channel=from_channel
        )
        with self.speaking_in(team_id, from_channel):
            confirmation = thanks_blocks.thanks_sent_message(to_channel, story)
            if_lost = _(
                "Thanked {channel}: it counts for them as an internal customer served.",
                channel=f"<#{to_channel}>",
            )
        self.storage.queue_message(
            team_id, from_channel, confirmation, self._clock(), response_url, if_lost=if_lost
        )
        self.delivery.wake()
        return None

    # Team numbers

    def tally_text(self, team_id: str, channel_id: str) -> str:
        day = self.today(team_id, channel_id)
        week = Week.containing(day)
        profile = self.profile(team_id, channel_id)
        poll = self.storage.poll_on(team_id, channel_id, day)
        live = self.storage.live_tally(poll.id) if poll and poll.message_ts else None
        totals = self.storage.daily_totals(team_id, channel_id, week.start, week.end)
        week_total = team_total(totals, profile.threshold)
        return reply_texts.tally_text(
            live.day if live else None,
            week_total,
            profile.threshold,
            goal_progress(week_total, profile),
            pending=None if live is None or poll.closed else live.pending,
        )

    def week_total(self, team_id: str, channel_id: str) -> TeamTotal:
        """This week's team number in the channel, by its local calendar."""
        week = Week.containing(self.today(team_id, channel_id))
        totals = self.storage.daily_totals(team_id, channel_id, week.start, week.end)
        return team_total(totals, self.profile(team_id, channel_id).threshold)

    def digest_message(self, team_id: str, channel_id: str, members: int | None = None) -> dict:
        day = self.today(team_id, channel_id)
        week = Week.containing(day)
        profile = self.profile(team_id, channel_id)
        totals = self.storage.daily_totals(team_id, channel_id, trend_start(day), week.end)
        wins = self.storage.wins_between(team_id, channel_id, week.start, week.end)
        thanked = self.storage.teams_thanked(team_id, channel_id, week.start, week.end)
        return digest_blocks.digest_message(
            build_digest(day, totals, wins, profile.threshold, profile, members, thanked)
        )

    def channel_card(self, team_id: str, channel_id: str) -> ChannelCard:
        """One channel's Home tab numbers: this week, goal, trend, settings."""
        day = self.today(team_id, channel_id)
        week = Week.containing(day)
        profile = self.profile(team_id, channel_id)
        totals = self.storage.daily_totals(team_id, channel_id, trend_start(day), week.end)
        this_week = team_total([d for d in totals if d.local_date >= week.start], profile.threshold)
        return ChannelCard(
            channel_id=channel_id,
            this_week=this_week,
            trend=weekly_trend(day, totals, profile.threshold),
            goal=goal_progress(this_week, profile),
            profile=profile,
            wins_this_week=self.storage.win_count(team_id, channel_id, week.start, week.end),
            schedule=self.storage.schedule_for(team_id, channel_id, day),
        )

    def home_view(self, team_id: str, user_id: str) -> dict:
        """The viewer's Home tab, in the workspace's default language: team numbers for the
        channels they share with Delight."""
        with i18n.speaking(self.default_language):
            return self._home_view(team_id, user_id)

    def _home_view(self, team_id: str, user_id: str) -> dict:
        known = self.storage.known_channels(team_id)
        try:
            shared = self._shared_channels(team_id, user_id, set(known)) if known else set()
        except SLACK_ERRORS as error:
            logger.warning("home: channel list failed: %s", error_code(error))
            return home_blocks.home_unavailable_view()
        return home_blocks.home_view(
            [self.channel_card(team_id, channel) for channel in known if channel in shared]
        )

    def _shared_channels(self, team_id: str, user_id: str, known: set[str]) -> set[str]:
        """Which of ``known`` the person is a member of (public and private channels)."""
        shared: set[str] = set()
        pages = self._client_for(team_id).users_conversations(
            user=user_id,
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=1000,
        )
        for number, page in enumerate(pages, start=1):
            shared |= {c["id"] for c in page.get("channels", [])} & known
            if shared == known or number >= MAX_CHANNEL_PAGES:
                break
        return shared

    def channel_members(self, team_id: str, channel_id: str) -> int | None:
        """How many people are in the channel, not counting Delight; None if unknown."""
        try:
            info = self._client_for(team_id).conversations_info(
                channel=channel_id, include_num_members=True
            )
        except SLACK_ERRORS as error:
            logger.info("member count unavailable channel=%s: %s", channel_id, error_code(error))
            return None
        members = info.get("channel", {}).get("num_members")
        return members - 1 if isinstance(members, int) and members > 1 else None

    # Privacy

    def forget_person(self, team_id: str, user_id: str) -> int:
        """Delete every answer the person gave in the workspace; returns how many.

        Open polls leave them out from their next live-tally step, not at once: an
        immediate redraw would show exactly what they had answered.
        """
        removed, open_polls = self.storage.forget_person(team_id, self._pseudonym(team_id, user_id))
        for poll_id in open_polls:
            poll = self.storage.get_poll(poll_id)
            if poll is not None:
                self.storage.step_live_tally(poll_id, self._step(poll), self._clock())
        self.delivery.wake()
        return removed

    def forget_workspace(self, team_id: str) -> list[str]:
        """Delete everything stored for the workspace; returns the channels it had."""
        return self.storage.forget_team(team_id)

    def post_digest(self, team_id: str, channel_id: str, response_url: str | None = None) -> None:
        """Queue this week's digest, as asked for (``/delight digest``)."""
        week = Week.containing(self.today(team_id, channel_id))
        self.storage.queue_digest(
            team_id,
            channel_id,
            week.start,
            self._clock(),
            self._week_end(team_id, channel_id, week),
            response_url,
        )
        self.delivery.wake()

    def schedule_digest(self, team_id: str, channel_id: str) -> bool:
        """Claim and queue this week's scheduled digest; False if it already went out."""
        week = Week.containing(self.today(team_id, channel_id))
        end = self._week_end(team_id, channel_id, week)
        if not self.storage.claim_digest(team_id, channel_id, week.start, self._clock(), end):
            return False
        self.delivery.wake()
        return True

    def _week_end(self, team_id: str, channel_id: str, week: Week) -> datetime:
        return self._day_end(week.end, self.tz(team_id, channel_id))

    # The outbox's rows (bot.slack.delivery.Sender)

    def speaking(self, row: Row) -> AbstractContextManager:
        """The row's channel's language: the delivery worker renders the row, and words what
        went wrong with it, in it."""
        return self.speaking_in(row.team_id, row.channel_id)

    def render(self, row: Row) -> Message | None:
        """What a row sends now, from the database; None when that is nothing any more."""
        if row.kind is Kind.REPLY:
            return Message("response_url", row.payload or {})
        if row.kind is Kind.MESSAGE:
            return Message(POST, (row.payload or {})["message"])
        if row.kind is Kind.DIGEST:
            if (row.payload or {}).get("week") != self._week_of(row).isoformat():
                return None  # the week is over
            members = self.channel_members(row.team_id, row.channel_id)
            return Message(POST, self.digest_message(row.team_id, row.channel_id, members))
        poll = self.storage.get_poll(row.ref) if row.ref is not None else None
        if poll is None:
            return None
        if row.kind is Kind.POLL:
            return None if poll.message_ts else Message(POST, self._poll_message(poll))
        if poll.message_ts is None:
            return None  # not posted (yet): the post will show the newest state
        if row.kind is Kind.EDIT:
            return Message(UPDATE, {"ts": poll.message_ts, **self._poll_message(poll)})
        if row.kind is Kind.RESULT:
            day = self.storage.poll_total(poll.id)
            if not is_visible(day, self.profile(poll.team_id, poll.channel_id).threshold):
                return None
            return Message(
                POST, {"thread_ts": poll.message_ts, **poll_blocks.poll_result_message(day)}
            )
        if poll.closed:
            return None  # a nudge for a poll that closed meanwhile
        return Message(POST, {"thread_ts": poll.message_ts, "text": (row.payload or {})["text"]})

    def _week_of(self, row: Row) -> date:
        return Week.containing(self.today(row.team_id, row.channel_id)).start

    def delivered(self, row: Row, answer: Any) -> bool:
        """Slack took the row. A poll's message is recorded with the row's retirement; then
        the channel's earlier polls close and the answers given meanwhile show."""
        if row.kind is not Kind.POLL or row.ref is None:
            return self.storage.outbox_delivered(row)
        ts = answer["ts"]
        self.storage.poll_posted(row.id, row.ref, ts)
        poll = self.storage.get_poll(row.ref)
        if poll is None:  # the workspace was forgotten meanwhile
            return True
        if self.storage.poll_total(poll.id).responders:
            # People clicked before Slack's answer came back (their edit found no message
            # to edit yet): show their answers now.
            self.storage.queue_edit(poll.id, self._clock())
        for earlier in self.storage.open_polls(poll.team_id, poll.channel_id):
            if earlier.local_date < poll.local_date:
                self.storage.close_poll(earlier.id, self._clock())
        self.delivery.wake()
        permalink = self._permalink(self._client_for(poll.team_id), poll.channel_id, ts)
        if permalink:
            self.storage.set_poll_message(poll.id, ts, permalink)
        return True

    def dropped(self, row: Row, failure: GiveUp | TurnOff | None) -> None:
        """A row retired unsent: say why in the log and, while its response_url is valid,
        to the person who asked; a channel that is gone has its schedule turned off."""
        if failure is None:
            logger.info("outbox row expired kind=%s channel=%s", row.kind, row.channel_id)
            return
        logger.warning(
            "gave up sending kind=%s channel=%s: %s", row.kind, row.channel_id, failure.code
        )
        if isinstance(failure, TurnOff):
            logger.warning(
                "turning off the schedule of channel=%s: %s", row.channel_id, failure.code
            )
            self.storage.disable_schedule(row.team_id, row.channel_id, failure.reason)
            self._channel_off(row.team_id, row.channel_id)
        if row.kind is Kind.MESSAGE and (row.payload or {}).get("if_lost"):
            self._tell(row, row.payload["if_lost"])
        elif row.kind is not Kind.REPLY:
            reason = failure.hint if isinstance(failure, TurnOff) else failure.reason
            self._tell(row, reason)

    def waiting(self, row: Row) -> None:
        """A poll someone asked for can't go out at once: say it is coming."""
        if row.kind is Kind.POLL:
            self._tell(row, _(_WAITING))

    def _tell(self, row: Row, text: str) -> None:
        now = self._clock()
        if row.response_url is None or not row.response_url_valid(now):
            return
        expires = row.created_at + timedelta(seconds=RESPONSE_URL_SECONDS)
        self.storage.queue_reply(row.team_id, row.channel_id, row.response_url, text, now, expires)
        self.delivery.wake()
