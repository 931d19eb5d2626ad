"""The outbox: everything Delight sends to Slack is first a row in SQLite (issue 12).

A row is written in the same transaction as the state change that causes it (a poll claimed,
an answer recorded, a poll closed, a digest claimed, a nudge marked), so "written before
acknowledged" covers the message too, and a restart resumes whatever was pending. One
delivery worker (``bot.slack.delivery``) sends the rows; a row is deleted once Slack took it, or
dropped once it no longer makes sense (``expires_at``) or Slack's answer says it never will.

What a row sends is decided when it is sent, from the database, for the kinds whose content
is the current state (a poll, its edit, its result line, a digest): a row then never carries
stale numbers, and the one pending edit of a poll (``coalesce_key``) always shows the newest
state, however many answers arrived while it waited. Rows whose content is fixed when they
are written carry it in ``payload``: a nudge its minutes left (worded when it is sent), a
reply to a person or a confirmation its words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    POLL = "poll"  # today's poll, chat.postMessage; ref: the poll
    EDIT = "edit"  # the poll's live tally, or its closed state, chat.update; ref: the poll
    RESULT = "result"  # the closed poll's result line in its thread; ref: the poll
    NUDGE = "nudge"  # the reminder in the poll's thread; payload: the minutes left
    DIGEST = "digest"  # the week's digest; payload: the week, and whether it was scheduled
    REPLY = "reply"  # a message to a person's response_url; payload: the message
    MESSAGE = "message"  # a message fixed when written (a thanks confirmation); payload: it


# Slack keeps a response_url valid this long after the interaction.
RESPONSE_URL_SECONDS = 30 * 60


@dataclass(frozen=True)
class Row:
    id: int
    team_id: str
    channel_id: str
    kind: Kind
    created_at: datetime
    ref: int | None = None
    payload: dict[str, Any] | None = None
    # Where to tell the person who asked, if it is given up (while the URL is valid).
    response_url: str | None = None
    expires_at: datetime | None = None
    tries: int = 0
    # Bumped when a keyed row is written again (a newer edit): a send that read an older
    # version leaves the row for another send.
    version: int = 0

    def response_url_valid(self, now: datetime) -> bool:
        return (
            self.response_url is not None
            and (now - self.created_at).total_seconds() < RESPONSE_URL_SECONDS
        )


@dataclass(frozen=True)
class Message:
    """What to send for a row: a Web API method and its arguments, or a response_url post."""

    method: str  # "chat.postMessage", "chat.update" or "response_url"
    args: dict[str, Any]


def edit_key(poll_id: int) -> str:
    """The one pending edit of a poll's message."""
    return f"edit:{poll_id}"
