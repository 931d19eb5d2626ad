"""Look-ups in a workspace's directory through the Web API: a message's permalink, the
channels a person or Delight is in, a channel's member count. Each is one place that turns
Slack's failures into "don't know" (and a log line that names no one), except
``bot_channels``, whose caller words the failure for the person.
The service's ``Directory`` (``bot.service.directory``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient

from bot.slack.errors import SLACK_ERRORS, error_code

logger = logging.getLogger(__name__)

# How many pages of a person's channels to read (up to 1,000 each).
MAX_CHANNEL_PAGES = 20


class SlackLookups:
    def __init__(self, client_for: Callable[[str], WebClient]) -> None:
        """``client_for(team_id)``: the workspace's Web API client."""
        self._client_for = client_for

    def permalink(self, team_id: str, channel_id: str, message_ts: str) -> str | None:
        client = self._client_for(team_id)
        try:
            link = client.chat_getPermalink(channel=channel_id, message_ts=message_ts).get(
                "permalink"
            )
        except SLACK_ERRORS as error:
            logger.warning("permalink lookup failed channel=%s: %s", channel_id, error_code(error))
            return None
        return link if isinstance(link, str) and link else None

    def shared_channels(self, team_id: str, user_id: str, among: set[str]) -> set[str] | None:
        """Which of ``among`` the person is a member of (public and private channels)."""
        shared: set[str] = set()
        try:
            pages = self._client_for(team_id).users_conversations(
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
            )
            for number, page in enumerate(pages, start=1):
                shared |= {c["id"] for c in page.get("channels", [])} & among
                if shared == among or number >= MAX_CHANNEL_PAGES:
                    break
        except SLACK_ERRORS as error:
            logger.warning("home: channel list failed: %s", error_code(error))
            return None
        return shared

    def member_count(self, team_id: str, channel_id: str) -> int | None:
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
