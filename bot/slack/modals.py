"""The modals Delight opens: "more…" for a count above the buttons, the win form (for a channel,
from a message, or with a channel to pick) and the confirmation a submitted modal turns into.
Pure.
"""

from __future__ import annotations

import json
from typing import Any

from bot.domain.command_text import MAX_STORY_CHARS
from bot.domain.i18n import N_, _
from bot.domain.models import WinKind
from bot.domain.mrkdwn import channel_link, clip
from bot.slack import ids
from bot.slack.kit import Blocks, context, plain, section
from bot.slack.lines import kind_label

MAX_MORE_COUNT = 1000


def more_modal(poll_id: int) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.MORE_VIEW,
        "private_metadata": json.dumps({"poll_id": poll_id}),
        "title": plain("Delight"),
        "submit": plain(_("Count them")),
        "close": plain(_("Cancel")),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.MORE_COUNT_BLOCK,
                "label": plain(_("How many customers did you delight today?")),
                "element": {
                    "type": "number_input",
                    "action_id": ids.MORE_COUNT_ACTION,
                    "is_decimal_allowed": False,
                    "min_value": "0",
                    "max_value": str(MAX_MORE_COUNT),
                },
            }
        ],
    }


_KIND_CHOICES = (WinKind.NEW, WinKind.KEPT, WinKind.INTERNAL)
_WIN_FOOTER = N_("Serve the customer, or serve someone who does. Wins are the team's: no names.")


def _win_inputs(story: str = "") -> Blocks:
    """The story and the kind of customer; ``story`` prefills the story (trimmed to fit)."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.WIN_STORY_ACTION,
        "multiline": True,
        "max_length": MAX_STORY_CHARS,
    }
    if story.strip():
        element["initial_value"] = clip(story.strip(), MAX_STORY_CHARS)
    return [
        {
            "type": "input",
            "block_id": ids.WIN_STORY_BLOCK,
            "label": plain(_("What happened for the customer?")),
            "element": element,
        },
        {
            "type": "input",
            "block_id": ids.WIN_KIND_BLOCK,
            "label": plain(_("What kind of customer?")),
            "element": {
                "type": "radio_buttons",
                "action_id": ids.WIN_KIND_ACTION,
                "options": [
                    {"text": plain(kind_label(kind)), "value": kind.value} for kind in _KIND_CHOICES
                ],
            },
        },
    ]


def _win_form(metadata: dict[str, Any], blocks: Blocks) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.WIN_VIEW,
        "private_metadata": json.dumps(metadata),
        # Translators: a modal's title, at most 24 characters.
        "title": plain(_("Log a customer win")),
        "submit": plain(_("Log it")),
        "close": plain(_("Cancel")),
        "blocks": blocks,
    }


def win_modal(channel_id: str, story: str = "", message_ts: str | None = None) -> dict[str, Any]:
    """The win form for one channel. From a message shortcut: prefilled with the message's
    text, and ``message_ts`` says which message it was (one win per message)."""
    metadata: dict[str, Any] = {"channel_id": channel_id}
    footer = _(_WIN_FOOTER)
    if message_ts is not None:
        metadata["message_ts"] = message_ts
        footer = _(
            "From a message in {channel}, linked in its digest. {footer}",
            channel=channel_link(channel_id),
            footer=footer,
        )
    return _win_form(metadata, [*_win_inputs(story), context(footer)])


MAX_CHANNEL_OPTIONS = 100


def win_modal_pick_channel(channels: list[tuple[str, str]] | None) -> dict[str, Any]:
    """The win form from Slack's shortcut menu: first a channel of those Delight is in
    (``channels``: id and name). ``None`` while they load; none at all says how to start."""
    if channels is None:
        return thanks_view(":hourglass_flowing_sand: " + _("Loading the channels I'm in…"))
    if not channels:
        return thanks_view(
            _(
                "I'm not in any channel yet. Add me to your team's channel with "
                "`/invite @Delight`, then log the win there."
            )
        )
    options = [
        {"text": plain(clip(f"#{name}", 75)), "value": channel_id}
        for channel_id, name in channels[:MAX_CHANNEL_OPTIONS]
    ]
    picker: dict[str, Any] = {
        "type": "input",
        "block_id": ids.WIN_CHANNEL_BLOCK,
        "label": plain(_("Which team's channel?")),
        "element": {
            "type": "static_select",
            "action_id": ids.WIN_CHANNEL_ACTION,
            "placeholder": plain(_("A channel Delight is in")),
            "options": options,
        },
    }
    if len(options) == 1:
        picker["element"]["initial_option"] = options[0]
    footer = context(_(_WIN_FOOTER))
    return _win_form({"pick_channel": True}, [picker, *_win_inputs(), footer])


def thanks_view(text: str) -> dict[str, Any]:
    """What a submitted modal turns into: a confirmation with only a close button."""
    return {
        "type": "modal",
        "title": plain("Delight"),
        "close": plain(_("Done")),
        "blocks": [section(text)],
    }
