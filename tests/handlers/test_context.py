"""Listeners are plain functions that find the service in their context: a test calls one
with a context of its own, without an app, a request or a transport."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import BoltContext

from bot.app import Later, services
from bot.domain.pacing import Pacer
from bot.settings import Settings
from bot.slack.lookups import SlackLookups
from bot.slack.thanks import Thanks
from bot.storage.store import Storage
from handlers import commands
from handlers.context import KEY, Services
from tests.conftest import FakeClock


class Acks:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, text: str | None = None, **kwargs: Any) -> None:
        self.calls.append({"text": text, **kwargs})


@pytest.fixture
def context(tmp_path: Path) -> Iterator[BoltContext]:
    storage = Storage(tmp_path / "d.db")
    clock = FakeClock(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    woken = Later()
    woken.connect(lambda: None)
    lookups = SlackLookups(lambda _team_id: None)  # type: ignore[arg-type, return-value]
    settings = Settings(bot_token=None, signing_secret="s")
    delight = services(settings, storage, b"k" * 32, clock, lookups, woken, Later(), Later())
    with ThreadPoolExecutor(1) as replies:
        thanks = Thanks(delight, lambda _team_id: None, Pacer(1, 1))  # type: ignore[arg-type]
        yield BoltContext({KEY: Services(delight, lookups, thanks, replies)})
    storage.close()


def slash(text: str) -> dict[str, str]:
    return {"team_id": "T1", "channel_id": "C1", "user_id": "U1", "text": text}


def test_a_listener_called_directly_uses_the_service_in_its_context(context: BoltContext) -> None:
    ack = Acks()
    commands.on_delight(ack, slash("goal 40"), None, None, context, None)  # type: ignore[arg-type]
    commands.on_delight(ack, slash("goal"), None, None, context, None)  # type: ignore[arg-type]
    assert [call["response_type"] for call in ack.calls] == ["in_channel", "ephemeral"]
    assert "40" in ack.calls[1]["text"]
    assert context[KEY].delight.channels.profile("T1", "C1").goal == 40
