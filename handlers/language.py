"""Every answer Delight gives is in the language of the channel it is about (issue 16).

A global middleware picks the language before any listener runs: the channel's own
(``/delight language``), else the workspace's default. A submitted modal speaks the language
of the channel it is about: its ``private_metadata`` names the channel, or the poll.
Bolt runs the listeners only after every middleware has returned, on its executor: so the
middleware sets the language for the rest of the dispatch rather than around ``next()``, and
the executor starts each listener in the dispatching thread's context
(``bot.domain.i18n.LanguageCarryingExecutor``). Every request passes through here first, so one
request's language never outlives it into another's listeners.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.domain import i18n
from bot.service.channels import Channels
from bot.service.polls import Polls


def channel_of(body: dict) -> str | None:
    """The channel a command, click or shortcut came from, if any."""
    if isinstance(body.get("channel_id"), str):
        return body["channel_id"]
    for key, field in (("channel", "id"), ("container", "channel_id")):
        value = body.get(key)
        if isinstance(value, dict) and isinstance(value.get(field), str):
            return value[field]
    return None


def modal_subject(body: dict) -> tuple[str | None, int | None]:
    """The channel, or the poll, a submitted modal is about (its ``private_metadata``)."""
    view = body.get("view")
    if not isinstance(view, dict) or not isinstance(view.get("private_metadata"), str):
        return None, None
    try:
        metadata = json.loads(view["private_metadata"] or "{}")
    except ValueError:
        return None, None
    if not isinstance(metadata, dict):
        return None, None
    channel_id, poll_id = metadata.get("channel_id"), metadata.get("poll_id")
    return (
        channel_id if isinstance(channel_id, str) else None,
        poll_id if isinstance(poll_id, int) else None,
    )


class SpeakTheChannelsLanguage(Middleware):
    def __init__(self, channels: Channels, polls: Polls) -> None:
        self._channels = channels
        self._polls = polls

    def language(self, req: BoltRequest) -> str:
        body = req.body if isinstance(req.body, dict) else {}
        team_id = req.context.team_id
        if not team_id:
            return self._channels.default_language
        channel_id, poll_id = modal_subject(body)
        if poll_id is not None and (poll := self._polls.find(team_id, poll_id)):
            channel_id = poll.channel_id
        return self._channels.language(team_id, channel_id or channel_of(body))

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        i18n.use(self.language(req))
        return next()
