"""Events API redeliveries never repeat an effect.

Slack redelivers an event it thinks failed (``X-Slack-Retry-Num``), and may deliver one twice;
each carries the same ``event_id``. The id is recorded before any listener runs, and a
delivery whose id is already recorded is acknowledged and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.service.events import EventLog

logger = logging.getLogger(__name__)


class DropRedeliveries(Middleware):
    """A global middleware runs on every request, clicks and commands included: as a class,
    Bolt calls it as it is, where a function middleware has its arguments looked up and built
    for each request (bench/ack_latency.py)."""

    def __init__(self, events: EventLog) -> None:
        self._events = events

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        event_id = body.get("event_id")
        is_event = body.get("type") == "event_callback" and isinstance(event_id, str)
        if is_event and not self._events.first_delivery(event_id):
            logger.info("dropped a redelivered event")
            return BoltResponse(status=200, body="")
        next()
        return None
