"""Requests whose shape listeners can't rely on get a clear refusal, over either transport.

It runs before Bolt's authorization (``App(before_authorize=...)``), so a malformed request
reaches neither the installation store nor a listener: Bolt's listener matchers would raise
on some (an empty ``actions`` list) and listeners read the fields every Slack request has.
The refusal is a 400 naming the problem; over Socket Mode the envelope is still acknowledged
(``bot.transport.socket_mode``) so Slack does not deliver it again.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.slack.shapes import problem_in
from bot.transport.requestlog import PROBLEM


class RefuseMalformed(Middleware):
    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        problem = problem_in(req.body)
        if problem:
            req.context[PROBLEM] = problem
            return BoltResponse(status=400, body=f"bad request: {problem}")
        next()
        return None
