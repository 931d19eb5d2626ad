"""Plain domain records passed between storage, logic and the Block Kit builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class WinKind(StrEnum):
    NEW = "new"
    KEPT = "kept"
    INTERNAL = "internal"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _WIN_LABELS[self]


_WIN_LABELS = {
    WinKind.NEW: "New customer won",
    WinKind.KEPT: "Customer kept",
    WinKind.INTERNAL: "Internal customer served",
    WinKind.OTHER: "Customer delighted",
}


@dataclass(frozen=True)
class Poll:
    id: int
    team_id: str
    channel_id: str
    local_date: date
    message_ts: str | None
    permalink: str | None
    closed: bool = False
    # The privacy threshold in force when the poll was posted (see DayTotal).
    threshold: int = 3


@dataclass(frozen=True)
class DayTotal:
    """One poll's team numbers: how many of us answered and how many customers we delighted."""

    local_date: date
    responders: int
    total: int
    # The privacy threshold in force when the poll was posted. Lowering a channel's threshold
    # later never reveals a day whose people answered under the higher one.
    posted_threshold: int = 1


@dataclass(frozen=True)
class Win:
    local_date: date
    kind: WinKind
    story: str
    # The message it was logged from (a message shortcut), if Slack gave us its link.
    permalink: str | None = None
    # The channel whose team thanked this one (``/delight thanks``): a team, never a person.
    from_channel: str | None = None


@dataclass(frozen=True)
class ChannelProfile:
    """What a team set for its channel: who its customer is, its weekly goal, its threshold."""

    customer: str | None = None
    goal: int | None = None
    threshold: int = 3
