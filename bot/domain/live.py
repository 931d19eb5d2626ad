"""The live tally moves in steps, so no single answer can be read off it.

The threshold keeps one person's number from standing alone in a tally, but two tallies can
be subtracted: "8 · 3 of us" then "20 · 4 of us" gives away the fourth person's 12. So once
an open poll's tally is visible, what it shows changes only after at least ``step`` answers
(the poll's privacy threshold, ``bot.domain.tally.threshold_for``) were added, changed or removed
since it last changed: the difference between any two states anyone saw then covers at least
that many answers, the same promise the threshold makes for one state (issue 13). Before the
tally first shows, only the number of answers shows, as it always did. At close the poll shows
its exact final numbers.

Pure functions of numbers; ``bot.storage.store`` keeps the shown state with each open poll and
applies ``next_shown`` in the transaction that changes an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.models import DayTotal


@dataclass(frozen=True)
class Shown:
    """What an open poll shows: how many of us answered and, once visible, the team total."""

    responders: int
    total: int | None = None  # None until the tally is visible: only the count shows

    @property
    def visible(self) -> bool:
        return self.total is not None


@dataclass(frozen=True)
class LiveTally:
    """What a poll shows now: the numbers of its last step, and how many answers were added,
    changed or removed since (0 once it closed, when it shows its final numbers)."""

    day: DayTotal
    pending: int = 0


def next_shown(shown: Shown, pending: int, actual: Shown, step: int) -> Shown | None:
    """The state to show from now on, or None to go on showing ``shown``.

    ``pending`` is how many answers were added, changed or removed since ``shown`` was set;
    ``actual`` the poll's true numbers now (with its total). A returned state starts a new
    count of pending answers.
    """
    if not shown.visible:
        # Only the count shows: it follows the answers, and the tally appears at ``step``.
        if actual.responders >= step:
            return actual
        return Shown(actual.responders) if actual.responders != shown.responders else None
    if pending < step:
        return None
    return actual if actual.responders >= step else Shown(actual.responders)
