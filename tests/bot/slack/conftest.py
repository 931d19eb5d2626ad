"""Shared by the builders' tests (and the catalogs' test): days, digests, Home cards."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from bot.domain.digest import ChannelCard, Digest, build_digest
from bot.domain.models import ChannelProfile, DayTotal, Win
from bot.domain.schedule import WEEKDAYS, ChannelSchedule
from bot.domain.tally import GoalProgress, TeamTotal

WEDNESDAY = date(2026, 11, 18)
MONDAY = date(2026, 11, 16)
NOTHING = TeamTotal(total=0, days_counted=0, days_hidden=0, responses=0)


def day(responders: int, total: int, on: date = WEDNESDAY) -> DayTotal:
    return DayTotal(local_date=on, responders=responders, total=total)


def days(*numbers: tuple[int, int], start: date = MONDAY) -> list[DayTotal]:
    return [DayTotal(start + timedelta(days=i), r, t) for i, (r, t) in enumerate(numbers)]


def texts(message: dict[str, Any]) -> list[str]:
    """Every text in the message's blocks, in order."""
    found = []
    for block in message["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            if "text" in element and isinstance(element["text"], str):
                found.append(element["text"])
    return found


def rich_digest(wins: list[Win] | None = None, **changes) -> Digest:
    totals = days((4, 10), (5, 14), (2, 30), (4, 9)) + days(
        (3, 20), (3, 2), start=MONDAY - timedelta(weeks=1)
    )
    totals += [DayTotal(MONDAY - timedelta(weeks=5), 3, 12)]
    profile = ChannelProfile(customer="The support team, so they answer fast", goal=50)
    digest = build_digest(MONDAY + timedelta(days=4), totals, wins or [], 3, profile, members=6)
    return Digest(**{**digest.__dict__, **changes})


def card(channel: str = "C1", **changes) -> ChannelCard:
    values = dict(
        channel_id=channel,
        this_week=TeamTotal(38, 4, 1, 16),
        trend=(None, 3, 10, 0, 22, 30, 41, 38),
        goal=GoalProgress(38, 50),
        profile=ChannelProfile(customer="Shop owners", goal=50, threshold=3),
        wins_this_week=2,
        schedule=ChannelSchedule(
            team_id="T1",
            channel_id=channel,
            poll_time=time(17, 0),
            tz="Europe/Berlin",
            days=WEEKDAYS,
        ),
    )
    values.update(changes)
    return ChannelCard(**values)
