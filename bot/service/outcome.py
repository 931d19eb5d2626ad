"""What a settings command did, as the service tells it: ``announce`` says whether the whole
team hears of it (a change to what is the team's) or only the person who typed it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Outcome:
    announce: ClassVar[bool] = False


@dataclass(frozen=True)
class Change(Outcome):
    """A setting of the team's changed: said in the channel."""

    announce: ClassVar[bool] = True
