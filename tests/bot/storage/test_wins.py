"""Wins."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.models import Win, WinKind
from bot.storage.store import Storage
from tests.bot.storage.conftest import CHANNEL, DAY, TEAM


def test_add_win_dedupes_on_source_id(storage: Storage) -> None:
    assert storage.add_win(TEAM, CHANNEL, DAY, WinKind.NEW, "Signed Globex", "trigger-1") is True
    assert storage.add_win(TEAM, CHANNEL, DAY, WinKind.KEPT, "Retry", "trigger-1") is False
    assert storage.add_win(TEAM, CHANNEL, DAY, WinKind.KEPT, "Saved Initech", "trigger-2") is True
    assert storage.wins_between(TEAM, CHANNEL, DAY, DAY) == [
        Win(DAY, WinKind.KEPT, "Saved Initech"),
        Win(DAY, WinKind.NEW, "Signed Globex"),
    ]


def test_wins_between_newest_first_in_range(storage: Storage) -> None:
    def add(on: date, story: str, channel: str = CHANNEL) -> None:
        assert storage.add_win(TEAM, channel, on, WinKind.OTHER, story, f"src-{story}")

    add(DAY, "wed-1")
    add(DAY - timedelta(days=2), "mon")
    add(DAY + timedelta(days=4), "sun")
    add(DAY, "wed-2")
    add(DAY + timedelta(days=5), "next-mon")
    add(DAY - timedelta(days=3), "last-sun")
    add(DAY, "other-channel", channel="C2")
    week = (DAY - timedelta(days=2), DAY + timedelta(days=4))
    stories = [w.story for w in storage.wins_between(TEAM, CHANNEL, *week)]
    assert stories == ["sun", "wed-2", "wed-1", "mon"]


def test_win_story_stored_verbatim(storage: Storage) -> None:
    story = "Robert'); DROP TABLE wins;-- 😀 \u05e9\u05dc\u05d5\u05dd <!channel> &amp;"
    assert storage.add_win(TEAM, CHANNEL, DAY, WinKind.INTERNAL, story, "s1")
    assert storage.wins_between(TEAM, CHANNEL, DAY, DAY) == [Win(DAY, WinKind.INTERNAL, story)]
