"""The weekly digest as domain values: what the team did together this week."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from bot.calendar import Week
from bot.models import DayTotal, Win, WinKind
from bot.tally import DEFAULT_THRESHOLD, TeamTotal, team_total


@dataclass(frozen=True)
class Digest:
    week: Week
    this_week: TeamTotal
    last_week: TeamTotal
    wins_by_kind: dict[WinKind, int]
    wins: list[Win]

    @property
    def change(self) -> int:
        return self.this_week.total - self.last_week.total


def build_digest(
    today: date,
    totals: list[DayTotal],
    wins: list[Win],
    threshold: int = DEFAULT_THRESHOLD,
) -> Digest:
    """Summarise the week containing ``today`` against the week before it.

    ``totals`` must cover both weeks; ``wins`` are this week's, newest first.
    """
    week = Week.containing(today)
    previous = week.previous()
    counts = Counter(win.kind for win in wins)
    return Digest(
        week=week,
        this_week=team_total(
            [d for d in totals if week.start <= d.local_date <= week.end], threshold
        ),
        last_week=team_total(
            [d for d in totals if previous.start <= d.local_date <= previous.end], threshold
        ),
        wins_by_kind={kind: counts[kind] for kind in WinKind if counts[kind]},
        wins=wins,
    )
