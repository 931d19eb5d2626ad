"""What Delight does, as plain functions of (team, channel, ...): post polls, count answers,
log wins, tell the team its numbers. Slack listeners and scheduled jobs both call these.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from bot import blocks, i18n
from bot.calendar import Clock, Week, local_today
from bot.coalesce import Coalescer
from bot.digest import ChannelCard, build_digest, goal_progress, trend_start, weekly_trend
from bot.i18n import N_, _
from bot.models import ChannelProfile, Poll, WinKind
from bot.pacing import DEFAULT_BURST, DEFAULT_RATE, Pacer
from bot.pseudonym import Pseudonymizer
from bot.storage import Storage
from bot.tally import TeamTotal, is_visible, poll_threshold, team_total
from schedules.rules import MAX_POLL_OPEN

logger = logging.getLogger(__name__)

# A poll's result line that Slack refused for a passing reason is posted again after this
# long, up to RESULT_TRIES times in all (in memory: a restart forgets it).
RETRY_REPLY_AFTER = 300.0
RESULT_TRIES = 4
# Threads editing live polls (chat.update); one poll is only ever edited by one at a time.
REFRESH_WORKERS = 8
# How many pages of a person's channels to read for the Home tab (up to 1,000 each).
MAX_CHANNEL_PAGES = 20
# A claim older than this whose message was never recorded belongs to a process that died
# mid-post; the next attempt may take it over.
STALE_CLAIM = timedelta(minutes=2)

_SLACK_ERROR_HINTS = {
    "not_in_channel": N_(
        "I'm not in this channel yet. Add me with `/invite @Delight`, then try again."
    ),
    "channel_not_found": N_(
        "I can't see this channel. Add me with `/invite @Delight`, then try again."
    ),
    "is_archived": N_("This channel is archived, so I can't post here."),
    "restricted_action": N_("This workspace doesn't let me post in this channel."),
    "msg_too_long": N_("That message was too long for Slack."),
}


def explain_slack_error(error: Exception) -> str:
    """A sentence a person can act on, for an error from the Slack Web API."""
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", "unknown_error"))
        if code in _SLACK_ERROR_HINTS:
            return _(_SLACK_ERROR_HINTS[code])
        shown = f"`{code}`"
        return _("Slack answered {code}. Please try again in a moment.", code=shown)
    return _("I couldn't reach Slack just now. Please try again in a moment.")


def message_source(team_id: str, channel_id: str, message_ts: str) -> str:
    """A win's source id when it was logged from a message: one win per message."""
    return f"msg:{team_id}:{channel_id}:{message_ts}"


@dataclass(frozen=True)
class PollPosted:
    poll: Poll


@dataclass(frozen=True)
class PollExists:
    poll: Poll


@dataclass(frozen=True)
class PollFailed:
    reason: str
    code: str


PollOutcome = PollPosted | PollExists | PollFailed

# Run a function after a delay in seconds, without holding up the caller (the scheduler).
Later = Callable[[float, Callable[[], None]], None]


def run_after(delay: float, send: Callable[[], None]) -> None:
    """The simplest ``Later``: wait here, then run."""
    time.sleep(delay)
    send()


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
        later: Later = run_after,
    ) -> None:
        self.storage = storage
        self._client_for = client_for
        self._pseudonym = pseudonym
        self._clock = clock
        self._default_tz = default_tz
        self.default_language = default_language
        self.pacer = pacer or Pacer(DEFAULT_RATE, DEFAULT_BURST)
        self._later = later
        # Polls whose last chat.update failed for a passing reason, to redraw (see sweep).
        self._stale: set[int] = set()
        self._stale_lock = threading.Lock()
        self.refresher = Coalescer(
            self._refresh_poll, min_interval=refresh_interval, workers=REFRESH_WORKERS
        )

    def close(self) -> None:
        self.refresher.close()

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
        """Write what follows in the channel's language (``bot.i18n``)."""
        return i18n.speaking(self.language(team_id, channel_id))

    # Polls

    def post_poll(self, team_id: str, channel_id: str, paced: bool = False) -> PollOutcome:
        """Post today's poll unless the channel already has one for its local day.

        ``paced``: the caller already holds a posting slot (see ``Pacer``); otherwise this
        waits for one.
        """
        poll, owned = self.claim_poll(team_id, channel_id)
        return self.publish_poll(poll, paced) if owned else PollExists(poll)

    def claim_poll(self, team_id: str, channel_id: str) -> tuple[Poll, bool]:
        """Reserve today's poll in the database; True if this caller must now publish it."""
        day = self.today(team_id, channel_id)
        threshold = self.profile(team_id, channel_id).threshold
        return self.storage.claim_poll(
            team_id, channel_id, day, self._clock(), STALE_CLAIM, threshold
        )

    def publish_poll(self, poll: Poll, paced: bool = False) -> PollOutcome:
        """Post a claimed poll, then close the channel's earlier polls.

        On failure the claim is released so a later try can post it, and yesterday's poll
        goes on taking answers until today's is up.
        """
        if not paced:
            self.pacer.wait(poll.team_id, poll.channel_id)
        client = self._client_for(poll.team_id)
        message = self._poll_message(poll)
        try:
            posted = self._post_message(client, poll.team_id, poll.channel_id, message)
        except SlackClientError as error:
            self.storage.release_poll(poll.id)
            logger.warning("poll post failed channel=%s: %s", poll.channel_id, _error_code(error))
            return PollFailed(explain_slack_error(error), _error_code(error))
        ts = posted["ts"]
        # Record the message first: the permalink is a nicety and costs another round trip.
        self.storage.set_poll_message(poll.id, ts)
        if self.storage.poll_total(poll.id).responders:
            # People clicked before Slack's answer came back (their refresh found no message
            # to edit yet): show their answers now.
            self.refresher.request(poll.id)
        for earlier in self.storage.open_polls(poll.team_id, poll.channel_id):
            if earlier.local_date < poll.local_date:
                self.close_poll(earlier)
        permalink = self._permalink(client, poll.channel_id, ts)
        if permalink:
            self.storage.set_poll_message(poll.id, ts, permalink)
        return PollPosted(replace(poll, message_ts=ts, permalink=permalink))

    def _post_message(
        self, client: WebClient, team_id: str, channel_id: str, message: dict
    ) -> SlackResponse:
        """``chat.postMessage``, telling the pacer when the post really went out."""
        try:
            return client.chat_postMessage(channel=channel_id, **message)
        finally:
            self.pacer.sent(team_id, channel_id)

    def _permalink(self, client: WebClient, channel_id: str, ts: str) -> str | None:
        try:
            link = client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
        except (SlackClientError, OSError) as error:
            logger.warning("permalink lookup failed channel=%s: %s", channel_id, _error_code(error))
            return None
        return link if isinstance(link, str) and link else None

    def answer(self, team_id: str, channel_id: str, user_id: str, poll_id: int, count: int) -> str:
        """Record (or change) one person's answer; returns the ephemeral reply for them."""
        poll = self.storage.get_poll(poll_id)
        if poll is None or poll.team_id != team_id or poll.channel_id != channel_id:
            return _("I can't find that poll any more. `/delight poll` posts today's.")
        person = self._pseudonym(team_id, user_id)
        if not self.storage.record_answer(poll_id, person, count, self._step(poll)):
            return _(
                "This poll has closed, so it can't take answers any more. Thank you all the same!"
            )
        self.refresher.request(poll_id)
        return blocks.answer_thanks(count)

    def _step(self, poll: Poll) -> int:
        """How many answers move the poll's live tally: its privacy threshold."""
        return poll_threshold(poll.threshold, self.profile(poll.team_id, poll.channel_id).threshold)

    def close_poll(self, poll: Poll) -> None:
        """Stop taking answers, show the final team tally, and post the result in the thread."""
        if not self.storage.close_poll(poll.id, self._clock()) or poll.message_ts is None:
            return
        # The final message goes through the refresher too: it is the one thread that edits
        # poll messages, so a late live-tally edit can never overwrite the closed poll.
        self.refresher.request(poll.id)
        day = self.storage.poll_total(poll.id)
        if not is_visible(day, self.profile(poll.team_id, poll.channel_id).threshold):
            return
        with self.speaking_in(poll.team_id, poll.channel_id):
            result = blocks.poll_result_message(day)
        self._post_in_thread(poll, result, RESULT_TRIES)

    def post_nudge(self, poll: Poll, minutes_left: int) -> None:
        # Not tried again: "N minutes left" would be wrong by then.
        with self.speaking_in(poll.team_id, poll.channel_id):
            nudge = blocks.nudge_text(minutes_left)
        self._post_in_thread(poll, {"text": nudge})

    def _post_in_thread(self, poll: Poll, message: dict[str, Any], tries: int = 1) -> None:
        """Reply in the poll's thread at the channel's next posting slot, without waiting.

        A reply that fails for a passing reason is tried again after ``RETRY_REPLY_AFTER``,
        up to ``tries`` times in all.
        """

        def send() -> None:
            try:
                self._post_message(
                    self._client_for(poll.team_id),
                    poll.team_id,
                    poll.channel_id,
                    {"thread_ts": poll.message_ts, **message},
                )
            except SlackClientError as error:
                again = tries > 1 and _transient(error)
                logger.warning(
                    "thread reply to poll=%s failed: %s%s",
                    poll.id,
                    _error_code(error),
                    "; trying again later" if again else "",
                )
                if again:
                    self._later(
                        RETRY_REPLY_AFTER, lambda: self._post_in_thread(poll, message, tries - 1)
                    )

        delay = self.pacer.reserve(poll.team_id, poll.channel_id)
        if delay > 0:
            self._later(delay, send)
        else:
            send()

    def close_expired_polls(self) -> int:
        """Close polls that have been open for the longest time allowed; returns how many."""
        expired = self.storage.polls_open_since(self._clock() - MAX_POLL_OPEN)
        for poll in expired:
            self.close_poll(poll)
        return len(expired)

    def find_poll(self, team_id: str, poll_id: int) -> Poll | None:
        poll = self.storage.get_poll(poll_id)
        return poll if poll is not None and poll.team_id == team_id else None

    def _refresh_poll(self, poll_id) -> None:
        poll = self.storage.get_poll(poll_id)
        if poll is None or poll.message_ts is None:
            return
        message = self._poll_message(poll)
        try:
            self._client_for(poll.team_id).chat_update(
                channel=poll.channel_id, ts=poll.message_ts, **message
            )
        except SlackClientError as error:
            logger.warning("tally update failed poll=%s: %s", poll_id, _error_code(error))
            if _transient(error):
                with self._stale_lock:
                    self._stale.add(poll_id)
            return
        with self._stale_lock:
            self._stale.discard(poll_id)

    def redraw_stale_polls(self) -> int:
        """Edit again the polls whose last edit failed for a passing reason (Slack down,
        rate limited), so no poll is left showing an old tally or, once closed, its buttons.
        The sweep calls this every minute; returns how many were asked for."""
        with self._stale_lock:
            stale, self._stale = self._stale, set()
        for poll_id in stale:
            self.refresher.request(poll_id)
        return len(stale)

    def refresh_open_polls(self, team_id: str, channel_id: str) -> None:
        """Redraw the channel's open polls, e.g. after its customer, goal or threshold changed."""
        for poll in self.storage.open_polls(team_id, channel_id):
            self.refresher.request(poll.id)

    def _poll_message(self, poll: Poll) -> dict:
        """The poll as it should look now: live with buttons, or closed with the final tally."""
        with self.speaking_in(poll.team_id, poll.channel_id):
            return self._draw_poll(poll)

    def _draw_poll(self, poll: Poll) -> dict:
        live = self.storage.live_tally(poll.id)
        profile = self.profile(poll.team_id, poll.channel_id)
        if poll.closed:
            return blocks.closed_poll_message(live.day, profile.threshold)
        week = Week.containing(poll.local_date)
        totals = self.storage.daily_totals(poll.team_id, poll.channel_id, week.start, week.end)
        return blocks.poll_message(
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
        self, team_id: str, from_channel: str, to_channel: str, story: str, source_id: str
    ) -> str | None:
        """Thank another team in its channel, count it as an internal customer served there,
        and confirm in ours. Returns what to tell the thanker alone, or None when the
        confirmation was posted in the channel."""
        client = self._client_for(team_id)
        customer = self.profile(team_id, from_channel).customer
        self.pacer.wait(team_id, to_channel)
        with self.speaking_in(team_id, to_channel):
            thanks = blocks.thanks_message(from_channel, customer, story)
        try:
            self._post_message(client, team_id, to_channel, thanks)
        except (SlackClientError, OSError) as error:
            logger.warning("thanks post failed channel=%s: %s", to_channel, _error_code(error))
            return blocks.thanks_failed_text(to_channel, _error_code(error)) or (
                _("I couldn't thank them.") + " " + explain_slack_error(error)
            )
        self.log_win(
            team_id, to_channel, WinKind.INTERNAL, story, source_id, from_channel=from_channel
        )
        self.pacer.wait(team_id, from_channel)
        try:
            self._post_message(
                client, team_id, from_channel, blocks.thanks_sent_message(to_channel, story)
            )
        except (SlackClientError, OSError) as error:
            logger.warning(
                "thanks confirmation failed channel=%s: %s", from_channel, _error_code(error)
            )
            link = f"<#{to_channel}>"
            return _(
                "Thanked {channel}: it counts for them as an internal customer served.",
                channel=link,
            )
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
        return blocks.tally_text(
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
        digest = build_digest(day, totals, wins, profile.threshold, profile, members, thanked)
        with self.speaking_in(team_id, channel_id):
            return blocks.digest_message(digest)

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
        except SlackClientError as error:
            logger.warning("home: channel list failed: %s", _error_code(error))
            return blocks.home_unavailable_view()
        return blocks.home_view(
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
        except SlackClientError as error:
            logger.info("member count unavailable channel=%s: %s", channel_id, _error_code(error))
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
                self.storage.step_live_tally(poll_id, self._step(poll))
                self.refresher.request(poll_id)
        return removed

    def forget_workspace(self, team_id: str) -> list[str]:
        """Delete everything stored for the workspace; returns the channels it had."""
        return self.storage.forget_team(team_id)

    def post_digest(self, team_id: str, channel_id: str, paced: bool = False) -> str | None:
        """Post this week's digest; returns None on success or a reason it failed."""
        members = self.channel_members(team_id, channel_id)
        if not paced:
            self.pacer.wait(team_id, channel_id)
        try:
            message = self.digest_message(team_id, channel_id, members)
            self._post_message(self._client_for(team_id), team_id, channel_id, message)
        except SlackClientError as error:
            logger.warning("digest post failed channel=%s: %s", channel_id, _error_code(error))
            return explain_slack_error(error)
        return None


# Slack errors that say "try again later", as opposed to "this will never work".
_TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


def _transient(error: SlackClientError) -> bool:
    if not isinstance(error, SlackApiError):
        return True  # no answer at all: the connection failed
    status = getattr(error.response, "status_code", 200)
    return status >= 500 or error.response.get("error") in _TRANSIENT_ERRORS


def _error_code(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return type(error).__name__
