"""What becomes of an outbox row once the delivery worker (``bot.slack.delivery``) is done
with it: retired, and the person who asked told when it can't go out as asked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.domain.calendar import Clock
from bot.domain.outbox import RESPONSE_URL_SECONDS, Row
from bot.storage.store import Storage


class Outbox:
    def __init__(self, storage: Storage, clock: Clock, wake: Callable[[], None]) -> None:
        """``wake()``: tell the outbox's worker that rows were written."""
        self._storage = storage
        self._clock = clock
        self._wake = wake

    def done(self, row: Row) -> bool:
        """Slack took the row: retire it; False if it was written again meanwhile (a newer
        edit) and must go again."""
        return self._storage.outbox_delivered(row)

    def tell(self, row: Row, text: str) -> None:
        """Queue ``text`` for the person who asked for the row, while their response_url is
        valid (Slack keeps it 30 minutes)."""
        now = self._clock()
        if row.response_url is None or not row.response_url_valid(now):
            return
        expires = row.created_at + timedelta(seconds=RESPONSE_URL_SECONDS)
        self._storage.queue_reply(row.team_id, row.channel_id, row.response_url, text, now, expires)
        self._wake()
