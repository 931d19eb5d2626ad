"""What the service asks of the workspace's directory, which only Slack can answer: the
service may not call Slack, so it is handed something that can (``bot.slack.lookups``)."""

from __future__ import annotations

from typing import Protocol


class Directory(Protocol):
    def permalink(self, team_id: str, channel_id: str, message_ts: str) -> str | None:
        """A link to the message; None when Slack gives none (the failure is logged)."""

    def shared_channels(self, team_id: str, user_id: str, among: set[str]) -> set[str] | None:
        """Which channels of ``among`` the person is a member of; None if Slack couldn't say."""
