"""The live tally's steps (bot/domain/live.py): pure functions, case by case."""

from __future__ import annotations

import pytest

from bot.domain.live import Shown, next_shown

HIDDEN_2 = Shown(2)


@pytest.mark.parametrize(
    ("shown", "pending", "actual", "expected"),
    [
        # Below the threshold only the count shows, and it follows the answers.
        (Shown(0), 1, Shown(1, 4), Shown(1)),
        (Shown(1), 1, Shown(2, 9), Shown(2)),
        # A changed answer below the threshold changes nothing that shows.
        (HIDDEN_2, 1, Shown(2, 7), None),
        # The k-th answer makes the tally appear, with every answer in it.
        (HIDDEN_2, 3, Shown(3, 8), Shown(3, 8)),
        # Once visible it waits for k changed answers ...
        (Shown(3, 8), 1, Shown(4, 20), None),
        (Shown(3, 8), 2, Shown(5, 25), None),
        # ... then shows the numbers as they are.
        (Shown(3, 8), 3, Shown(6, 26), Shown(6, 26)),
        # Answers removed (forget me) count as changes; a step below the threshold hides it.
        (Shown(4, 20), 3, Shown(1, 5), Shown(1)),
        (Shown(4, 20), 3, Shown(3, 15), Shown(3, 15)),
    ],
)
def test_next_shown(shown: Shown, pending: int, actual: Shown, expected: Shown | None) -> None:
    assert next_shown(shown, pending, actual, step=3) == expected


def test_a_higher_threshold_makes_longer_steps() -> None:
    assert next_shown(Shown(5, 10), 4, Shown(9, 30), step=5) is None
    assert next_shown(Shown(5, 10), 5, Shown(10, 31), step=5) == Shown(10, 31)


def test_every_difference_between_two_shown_states_covers_a_step() -> None:
    """Replay answers one by one (adds and changes by 8 people): whenever the visible tally
    moves, at least ``step`` answers changed since it last moved."""
    step = 3
    answers: dict[str, int] = {}
    included: dict[str, int] = {}  # the answers as the shown tally counts them
    shown, moves = Shown(0), []
    clicks = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("d", 5), ("d", 1), ("e", 2), ("c", 4)]
    clicks += [("f", 3), ("g", 1), ("h", 2), ("a", 5), ("b", 5), ("b", 0)]
    for person, count in clicks:
        answers[person] = count
        pending = sum(1 for p, c in answers.items() if included.get(p) != c)
        actual = Shown(len(answers), sum(answers.values()))
        new = next_shown(shown, pending, actual, step)
        if new is not None:
            if shown.visible and new != shown:
                moves.append(pending)
            shown, included = new, dict(answers)
    assert moves and all(pending >= step for pending in moves)
    assert shown.visible
