"""Modal submissions: the "more…" count and the customer-win form."""

from __future__ import annotations

import json

from slack_bolt import Ack, BoltContext

from bot.domain.command_text import story_problem
from bot.domain.i18n import N_, _, number
from bot.domain.models import WinKind
from bot.service.wins import message_source
from bot.slack import ids, modals, outcomes, reply_texts
from handlers.context import services

_EXPIRED = N_("This form has expired. Please start again from the poll or with `/delight win`.")


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
        return _("Please enter a whole number, like 7.")
    count = int(text)
    if count > modals.MAX_MORE_COUNT:
        return _(
            "That's more than {limit}: please check the number.",
            limit=number(modals.MAX_MORE_COUNT),
        )
    return count


def on_more_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    delight = services(context).delight
    poll_id = metadata_of(view).get("poll_id")
    poll = delight.polls.find(body["team"]["id"], poll_id) if isinstance(poll_id, int) else None
    if poll is None:
        ack(response_action="update", view=modals.thanks_view(_(_EXPIRED)))
        return
    count = parse_count(input_of(view, ids.MORE_COUNT_BLOCK, ids.MORE_COUNT_ACTION).get("value"))
    if isinstance(count, str):
        ack(response_action="errors", errors={ids.MORE_COUNT_BLOCK: count})
        return
    outcome = delight.polls.answer(
        poll.team_id, poll.channel_id, body["user"]["id"], poll.id, count
    )
    ack(response_action="update", view=modals.thanks_view(outcomes.answer_text(outcome)))


def on_win_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    delight = services(context).delight
    team_id, metadata = body["team"]["id"], metadata_of(view)
    channel_id = metadata.get("channel_id")
    errors = {}
    if metadata.get("pick_channel") is True:
        picked = input_of(view, ids.WIN_CHANNEL_BLOCK, ids.WIN_CHANNEL_ACTION)
        option = picked.get("selected_option")
        channel_id = option.get("value") if isinstance(option, dict) else None
        if not isinstance(channel_id, str) or not channel_id:
            errors[ids.WIN_CHANNEL_BLOCK] = _("Pick the team's channel this win is for.")
    elif not isinstance(channel_id, str) or not channel_id:
        ack(response_action="update", view=modals.thanks_view(_(_EXPIRED)))
        return
    story = str(input_of(view, ids.WIN_STORY_BLOCK, ids.WIN_STORY_ACTION).get("value") or "")
    option = input_of(view, ids.WIN_KIND_BLOCK, ids.WIN_KIND_ACTION).get("selected_option")
    kind_value = option.get("value") if isinstance(option, dict) else None
    if problem := story_problem(story):
        errors[ids.WIN_STORY_BLOCK] = problem
    if kind_value not in {kind.value for kind in WinKind}:
        errors[ids.WIN_KIND_BLOCK] = _("Pick the kind of customer this win was for.")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    kind = WinKind(kind_value)
    message_ts = metadata.get("message_ts")
    from_message = isinstance(message_ts, str) and bool(message_ts)
    source_id = (
        message_source(team_id, channel_id, message_ts) if from_message else f"view:{view['id']}"
    )
    logged = delight.wins.log(team_id, channel_id, kind, story.strip(), source_id)
    if from_message and not logged:
        ack(response_action="update", view=modals.thanks_view(reply_texts.already_logged_text()))
        return
    ack(response_action="update", view=modals.thanks_view(reply_texts.win_logged(kind)))
    if from_message:
        # After the ack: the link is a nicety, and costs a round trip to Slack.
        delight.wins.link_to_message(team_id, channel_id, message_ts, source_id)
