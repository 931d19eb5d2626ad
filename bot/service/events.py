"""Which Events API deliveries were seen: Slack delivers an event again when it thinks the
first try failed, with the same ``event_id``, and its effect must happen once."""

from __future__ import annotations

from bot.domain.calendar import Clock
from bot.storage.store import Storage


class EventLog:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    def first_delivery(self, event_id: str) -> bool:
        """Record the event's id; True the first time it is seen, False for a redelivery."""
        return self._storage.first_delivery(event_id, self._clock())
