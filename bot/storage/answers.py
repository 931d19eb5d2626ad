"""Answers (``answers``) and the team numbers they make: the live tally an open poll shows
(its ``responders``, ``total`` and ``removed_since_shown``), and a day's numbers.

An open poll holds its answers; closing it folds them into its team numbers and deletes them
(``Polls.close_poll``, with this module's ``ANSWER_COUNT`` and ``ANSWER_SUM``).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from bot.domain.live import LiveTally, Shown, next_shown
from bot.domain.models import DayTotal
from bot.domain.tally import DEFAULT_THRESHOLD
from bot.storage.outbox import Outbox

# A poll's answers (in a statement on ``polls``): how many, their sum, how many changed since
# the live tally last moved.
ANSWER_COUNT = "SELECT COUNT(*) FROM answers WHERE poll_id = polls.id"
ANSWER_SUM = "SELECT COALESCE(SUM(count), 0) FROM answers WHERE poll_id = polls.id"
_CHANGED = "SELECT COUNT(*) FROM answers WHERE poll_id = polls.id AND shown_count IS NOT count"
_DAY_TOTAL_COLUMNS = "local_date, responders, COALESCE(total, 0) AS total, threshold"


class Answers(Outbox):
    def record_answer(
        self,
        poll_id: int,
        person: str,
        count: int,
        step: int = DEFAULT_THRESHOLD,
        edit_at: datetime | None = None,
    ) -> bool:
        """One answer per person per poll: answering again replaces the earlier answer.

        Returns False if the poll has closed. The check and the write are one statement, so
        an answer is either in the final tally or refused, never in between. In the same
        transaction the live tally moves if this answer completes a step of ``step`` answers
        (``bot.domain.live``), so what it shows is never behind or ahead of the answers. With
        ``edit_at`` (now) the poll's edit is queued in that transaction too.
        """
        with self._write():
            cursor = self._db.execute(
                "INSERT INTO answers (poll_id, person, count)"
                " SELECT ?, ?, ? WHERE EXISTS"
                " (SELECT 1 FROM polls WHERE id = ? AND closed_at IS NULL)"
                " ON CONFLICT (poll_id, person) DO UPDATE SET count = excluded.count",
                [poll_id, person, count, poll_id],
            )
            if cursor.rowcount != 1:
                return False
            self._step(poll_id, step)
            if edit_at is not None:
                self._enqueue_edit(poll_id, edit_at)
        return True

    def step_live_tally(self, poll_id: int, step: int, now: datetime) -> None:
        """Move an open poll's live tally if ``step`` answers changed since it last moved
        (after ``forget_person``, whose polls may have different steps), and queue its edit."""
        with self._write():
            self._step(poll_id, step)
            self._enqueue_edit(poll_id, now)

    def _step(self, poll_id: int, step: int) -> None:
        row = self._db.execute(
            f"SELECT responders, total, removed_since_shown + ({_CHANGED}) AS changed,"
            f" ({ANSWER_COUNT}) AS answered, ({ANSWER_SUM}) AS answered_total"
            " FROM polls WHERE id = ? AND closed_at IS NULL",
            [poll_id],
        ).fetchone()
        if row is None:
            return
        shown = Shown(row["responders"], row["total"])
        actual = Shown(row["answered"], row["answered_total"])
        new = next_shown(shown, row["changed"], actual, step)
        if new is None:
            return
        self._db.execute(
            "UPDATE polls SET responders = ?, total = ?, removed_since_shown = 0 WHERE id = ?",
            [new.responders, new.total, poll_id],
        )
        self._db.execute(
            "UPDATE answers SET shown_count = count WHERE poll_id = ? AND shown_count IS NOT count",
            [poll_id],
        )

    def _delete_answers(self, poll_id: int) -> None:
        self._db.execute("DELETE FROM answers WHERE poll_id = ?", [poll_id])

    def poll_total(self, poll_id: int) -> DayTotal:
        """The poll's true team numbers: its answers while open, its folded numbers once
        closed. Never shown while it is open (``live_tally`` is)."""
        row = self._db.execute(
            "SELECT local_date,"
            f" CASE WHEN closed_at IS NULL THEN ({ANSWER_COUNT}) ELSE responders END AS responders,"
            f" CASE WHEN closed_at IS NULL THEN ({ANSWER_SUM}) ELSE total END AS total, threshold"
            " FROM polls WHERE id = ?",
            [poll_id],
        ).fetchone()
        if row is None:
            raise LookupError(f"no poll {poll_id}")
        return _day_total(row)

    def live_tally(self, poll_id: int) -> LiveTally:
        """What the poll shows: its last step while open (and how many answers changed
        since), its final numbers once closed."""
        row = self._db.execute(
            f"SELECT {_DAY_TOTAL_COLUMNS},"
            f" CASE WHEN closed_at IS NULL THEN removed_since_shown + ({_CHANGED}) ELSE 0 END"
            " AS changed FROM polls WHERE id = ?",
            [poll_id],
        ).fetchone()
        if row is None:
            raise LookupError(f"no poll {poll_id}")
        return LiveTally(_day_total(row), row["changed"])

    def daily_totals(self, team_id: str, channel_id: str, start: date, end: date) -> list[DayTotal]:
        """Team numbers per poll day in ``[start, end]``, oldest first: folded numbers for
        closed polls, what the live tally shows for open ones. Reads no answer."""
        rows = self._db.execute(
            f"SELECT {_DAY_TOTAL_COLUMNS} FROM polls"
            " WHERE team_id = ? AND channel_id = ? AND local_date BETWEEN ? AND ?"
            " AND message_ts IS NOT NULL ORDER BY local_date",
            [team_id, channel_id, start.isoformat(), end.isoformat()],
        ).fetchall()
        return [_day_total(row) for row in rows]


def _day_total(row: sqlite3.Row) -> DayTotal:
    return DayTotal(
        date.fromisoformat(row["local_date"]),
        row["responders"],
        row["total"],
        posted_threshold=row["threshold"],
    )
