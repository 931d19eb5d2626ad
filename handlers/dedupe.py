"""Events API redeliveries never repeat an effect.

Slack redelivers an event it thinks failed (``X-Slack-Retry-Num``), and may deliver one twice;
each carries the same ``event_id``. The id is recorded before any listener runs, and a
delivery whose id is already recorded is acknowledged and dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger

from slack_bolt import App, BoltResponse

from bot.calendar import Clock
from bot.storage import Storage


def register(app: App, storage: Storage, clock: Clock) -> None:
    def drop_redeliveries(
        body: dict, next: Callable[[], None], logger: Logger
    ) -> BoltResponse | None:
        event_id = body.get("event_id")
        is_event = body.get("type") == "event_callback" and isinstance(event_id, str)
        if is_event and not storage.first_delivery(event_id, clock()):
            logger.info("dropped a redelivered event")
            return BoltResponse(status=200, body="")
        next()
        return None

    app.middleware(drop_redeliveries)
