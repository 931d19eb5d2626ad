"""Modal submissions: the "more…" count and the customer-win form."""

from __future__ import annotations

import json

from slack_bolt import Ack, App

from bot import blocks, ids
from bot.commands import story_problem
from bot.delight import Delight
from bot.models import WinKind

_EXPIRED = "This form has expired. Please start again from the poll or with `/delight win`."


def metadata_of(view: dict) -> dict:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def input_of(view: dict, block_id: str, action_id: str) -> dict:
    value = view.get("state", {}).get("values", {}).get(block_id, {}).get(action_id)
    return value if isinstance(value, dict) else {}


def parse_count(raw: object) -> int | str:
    """The number typed in the "more…" modal, or a message saying what's wrong with it."""
    text = str(raw or "").strip()
    if not text.isdigit():
        return "Please enter a whole number, like 7."
    count = int(text)
    if count > blocks.MAX_MORE_COUNT:
        return f"That's more than {blocks.MAX_MORE_COUNT:,}: please check the number."
    return count


def register(app: App, delight: Delight) -> None:
    def on_more_submitted(ack: Ack, body: dict, view: dict) -> None:
        poll_id = metadata_of(view).get("poll_id")
        poll = delight.find_poll(body["team"]["id"], poll_id) if isinstance(poll_id, int) else None
        if poll is None:
            ack(response_action="update", view=blocks.thanks_view(_EXPIRED))
            return
        count = parse_count(
            input_of(view, ids.MORE_COUNT_BLOCK, ids.MORE_COUNT_ACTION).get("value")
        )
        if isinstance(count, str):
            ack(response_action="errors", errors={ids.MORE_COUNT_BLOCK: count})
            return
        reply = delight.answer(poll.team_id, poll.channel_id, body["user"]["id"], poll.id, count)
        ack(response_action="update", view=blocks.thanks_view(reply))

    def on_win_submitted(ack: Ack, body: dict, view: dict) -> None:
        channel_id = metadata_of(view).get("channel_id")
        if not isinstance(channel_id, str) or not channel_id:
            ack(response_action="update", view=blocks.thanks_view(_EXPIRED))
            return
        story = str(input_of(view, ids.WIN_STORY_BLOCK, ids.WIN_STORY_ACTION).get("value") or "")
        option = input_of(view, ids.WIN_KIND_BLOCK, ids.WIN_KIND_ACTION).get("selected_option")
        kind_value = option.get("value") if isinstance(option, dict) else None
        errors = {}
        if problem := story_problem(story):
            errors[ids.WIN_STORY_BLOCK] = problem
        if kind_value not in {kind.value for kind in WinKind}:
            errors[ids.WIN_KIND_BLOCK] = "Pick the kind of customer this win was for."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        kind = WinKind(kind_value)
        delight.log_win(body["team"]["id"], channel_id, kind, story.strip(), f"view:{view['id']}")
        ack(response_action="update", view=blocks.thanks_view(blocks.win_logged(kind)))

    app.view(ids.MORE_VIEW)(on_more_submitted)
    app.view(ids.WIN_VIEW)(on_win_submitted)
