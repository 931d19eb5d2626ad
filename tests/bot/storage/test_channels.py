"""A channel's settings."""

from __future__ import annotations

from bot.storage.store import Storage
from tests.bot.storage.conftest import CHANNEL, TEAM


def test_channel_tz_defaults_then_upserts(storage: Storage) -> None:
    assert storage.channel_tz(TEAM, CHANNEL, "UTC") == "UTC"
    storage.set_channel_tz(TEAM, CHANNEL, "Europe/Berlin")
    storage.set_channel_tz(TEAM, CHANNEL, "Asia/Tokyo")
    assert storage.channel_tz(TEAM, CHANNEL, "UTC") == "Asia/Tokyo"
    assert storage.channel_tz(TEAM, "C2", "UTC") == "UTC"
