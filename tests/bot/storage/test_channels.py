"""A channel's settings."""

from __future__ import annotations

import sqlite3

import pytest

from bot.domain.models import ChannelProfile
from bot.storage import channels
from bot.storage.store import Storage
from tests.bot.storage.conftest import CHANNEL, TEAM


def test_channel_tz_defaults_then_upserts(storage: Storage) -> None:
    assert storage.channel_tz(TEAM, CHANNEL, "UTC") == "UTC"
    storage.set_channel_tz(TEAM, CHANNEL, "Europe/Berlin")
    storage.set_channel_tz(TEAM, CHANNEL, "Asia/Tokyo")
    assert storage.channel_tz(TEAM, CHANNEL, "UTC") == "Asia/Tokyo"
    assert storage.channel_tz(TEAM, "C2", "UTC") == "UTC"


def test_settings_read_after_a_change_are_the_new_ones(storage: Storage) -> None:
    """Profile and language are kept in memory (every click reads them), never past a write."""
    assert storage.channel_language(TEAM, CHANNEL) is None
    assert storage.channel_profile(TEAM, CHANNEL).threshold == 3
    storage.set_language(TEAM, CHANNEL, "de", "UTC")
    storage.set_threshold(TEAM, CHANNEL, 5, "UTC")
    storage.set_customer(TEAM, CHANNEL, "Finance", "UTC")
    assert storage.channel_language(TEAM, CHANNEL) == "de"
    assert storage.channel_profile(TEAM, CHANNEL) == ChannelProfile("Finance", None, 5)
    storage.forget_team(TEAM)
    assert storage.channel_language(TEAM, CHANNEL) is None
    assert storage.channel_profile(TEAM, CHANNEL) == ChannelProfile()


def test_settings_kept_in_memory_are_bounded(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channels, "CACHED_CHANNELS", 3)
    storage.set_language(TEAM, "C0", "fr", "UTC")
    for n in range(5):
        storage.channel_language(TEAM, f"C{n}")
    with sqlite3.connect(storage.path) as conn:
        conn.execute("UPDATE channels SET language = 'ja' WHERE channel_id = 'C0'")
    # C0 was the least recently read of more than three: it is read again from the file.
    assert storage.channel_language(TEAM, "C0") == "ja"
