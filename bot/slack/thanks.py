"""``/delight thanks #team <story>``: one team thanks another in the other's channel.

The thank-you is posted at once rather than through the outbox: the person waits to hear
whether it landed (Delight may not be in that channel), and it counts as a win there only
once it did. The confirmation in our channel goes through the outbox (``Wins.thanked``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient

from bot.domain.i18n import _
from bot.domain.pacing import Pacer
from bot.service.delight import Delight
from bot.slack import reply_texts, thanks_blocks
from bot.slack.errors import SLACK_ERRORS, error_code, explain_slack_error

logger = logging.getLogger(__name__)


class Thanks:
    def __init__(
        self, delight: Delight, client_for: Callable[[str], WebClient], pacer: Pacer
    ) -> None:
        """``pacer``: the one that paces the outbox's posts, so a thank-you keeps to the
        channel's pace too."""
        self._delight = delight
        self._client_for = client_for
        self._pacer = pacer

    def send(
        self,
        team_id: str,
        from_channel: str,
        to_channel: str,
        story: str,
        source_id: str,
        response_url: str | None = None,
    ) -> str | None:
        """Thank the team of ``to_channel``, count it as an internal customer served there,
        and confirm in ours. Returns what to tell the thanker alone, or None when the
        confirmation is on its way to the channel."""
        channels = self._delight.channels
        customer = channels.profile(team_id, from_channel).customer
        with channels.speaking_in(team_id, to_channel):
            message = thanks_blocks.thanks_message(from_channel, customer, story)
        self._pacer.wait(team_id, to_channel)
        try:
            self._client_for(team_id).chat_postMessage(channel=to_channel, **message)
        except SLACK_ERRORS as error:
            code = error_code(error)
            logger.warning("thanks post failed channel=%s: %s", to_channel, code)
            return reply_texts.thanks_failed_text(to_channel, code) or (
                _("I couldn't thank them.") + " " + explain_slack_error(error)
            )
        finally:
            self._pacer.sent(team_id, to_channel)
        with channels.speaking_in(team_id, from_channel):
            confirmation = thanks_blocks.thanks_sent_message(to_channel, story)
            if_lost = _(
                "Thanked {channel}: it counts for them as an internal customer served.",
                channel=f"<#{to_channel}>",
            )
        self._delight.wins.thanked(
            team_id, from_channel, to_channel, story, source_id, confirmation, if_lost, response_url
        )
        return None
