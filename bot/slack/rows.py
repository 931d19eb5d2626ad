"""What each outbox row sends, drawn from the database when its turn comes, and what Slack's
answer to it means: the delivery worker's ``Sender`` (``bot.slack.delivery``). The service
gives the numbers; the words and blocks are drawn here, in the row's channel's language."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import Any

from bot.domain.models import Poll
from bot.domain.outbox import Kind, Message, Row
from bot.service.delight import Delight
from bot.service.live import PollView
from bot.slack import digest_blocks, poll_blocks, reply_texts
from bot.slack.errors import GiveUp, TurnOff
from bot.slack.lookups import SlackLookups

logger = logging.getLogger(__name__)

POST, UPDATE = "chat.postMessage", "chat.update"


def poll_message(view: PollView) -> dict:
    """The poll as it should look now: live with buttons, or closed with the final tally."""
    if view.closed:
        return poll_blocks.closed_poll_message(view.day, view.threshold)
    return poll_blocks.poll_message(
        view.poll_id,
        view.day,
        view.threshold,
        customer=view.customer,
        goal=view.goal,
        pending=view.pending,
    )


class OutboxRows:
    def __init__(self, delight: Delight, lookups: SlackLookups) -> None:
        self._delight = delight
        self._lookups = lookups

    def speaking(self, row: Row) -> AbstractContextManager:
        """The row's channel's language: the row is drawn, and what went wrong with it
        worded, in it."""
        return self._delight.channels.speaking_in(row.team_id, row.channel_id)

    def render(self, row: Row) -> Message | None:
        """What a row sends now, from the database; None when that is nothing any more."""
        payload = row.payload or {}
        if row.kind is Kind.REPLY:
            return Message("response_url", payload)
        if row.kind is Kind.MESSAGE:
            return Message(POST, payload["message"])
        if row.kind is Kind.DIGEST:
            week = self._delight.digests.week_start(row.team_id, row.channel_id)
            if payload.get("week") != week.isoformat():
                return None  # the week is over
            members = self._lookups.member_count(row.team_id, row.channel_id)
            digest = self._delight.reports.digest(row.team_id, row.channel_id, members)
            return Message(POST, digest_blocks.digest_message(digest))
        poll = self._delight.polls.find(row.team_id, row.ref) if row.ref is not None else None
        if poll is None:
            return None
        return self._render_for_poll(row, poll, payload)

    def _render_for_poll(self, row: Row, poll: Poll, payload: dict) -> Message | None:
        if row.kind is Kind.POLL:
            return None if poll.message_ts else Message(POST, self._poll_message(poll))
        if poll.message_ts is None:
            return None  # not posted (yet): the post will show the newest state
        if row.kind is Kind.EDIT:
            return Message(UPDATE, {"ts": poll.message_ts, **self._poll_message(poll)})
        if row.kind is Kind.RESULT:
            day = self._delight.live.result(poll)
            if day is None:
                return None
            return Message(
                POST, {"thread_ts": poll.message_ts, **poll_blocks.poll_result_message(day)}
            )
        if poll.closed:
            return None  # a nudge for a poll that closed meanwhile
        # A nudge queued before nudges were worded when sent carries its words.
        text = payload.get("text") or poll_blocks.nudge_text(payload["minutes_left"])
        return Message(POST, {"thread_ts": poll.message_ts, "text": text})

    def _poll_message(self, poll: Poll) -> dict:
        return poll_message(self._delight.live.view(poll))

    def delivered(self, row: Row, answer: Any) -> bool:
        """Slack took the row. A poll's message is recorded with the row's retirement."""
        if row.kind is not Kind.POLL or row.ref is None:
            return self._delight.outbox.done(row)
        self._delight.polls.posted(row.id, row.ref, answer["ts"])
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
            self._delight.schedules.turn_off(row.team_id, row.channel_id, failure.reason)
        if row.kind is Kind.MESSAGE and (row.payload or {}).get("if_lost"):
            self._delight.outbox.tell(row, row.payload["if_lost"])
        elif row.kind is not Kind.REPLY:
            reason = failure.hint if isinstance(failure, TurnOff) else failure.reason
            self._delight.outbox.tell(row, reason)

    def waiting(self, row: Row) -> None:
        """A poll someone asked for can't go out at once: say it is coming."""
        if row.kind is Kind.POLL:
            self._delight.outbox.tell(row, reply_texts.poll_waiting_text())
