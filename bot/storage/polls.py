"""A poll's life (``polls``): claimed for a channel's local day, queued and posted, closed."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from bot.domain.models import Poll
from bot.domain.outbox import Kind
from bot.storage.answers import ANSWER_COUNT, ANSWER_SUM, Answers

POLL_COLUMNS = (
    "id, team_id, channel_id, local_date, message_ts, permalink, closed_at, claimed_at, threshold"
)


class Polls(Answers):
    def claim_poll(
        self, team_id: str, channel_id: str, local_date: date, now: datetime, threshold: int = 3
    ) -> tuple[Poll, bool]:
        """The channel's poll row for ``local_date``, and whether this call created it.

        ``threshold`` is the channel's privacy threshold, kept with the poll as the promise
        its answers were given under. Nothing is sent: ``request_poll`` also queues the post.
        """
        key = [team_id, channel_id, local_date.isoformat()]
        cursor = self._db.execute(
            "INSERT INTO polls (team_id, channel_id, local_date, claimed_at, threshold)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id, channel_id, local_date) DO NOTHING",
            [*key, now.isoformat(), threshold],
        )
        poll = self._poll_where("team_id = ? AND channel_id = ? AND local_date = ?", key)
        if poll is None:
            raise LookupError(f"no poll on {local_date} in {channel_id}")
        return poll, cursor.rowcount == 1

    def request_poll(
        self,
        team_id: str,
        channel_id: str,
        local_date: date,
        now: datetime,
        threshold: int,
        expires_at: datetime,
        response_url: str | None = None,
    ) -> tuple[Poll, bool]:
        """Claim the channel's poll for ``local_date`` and queue its post, in one transaction.

        Returns the poll and whether this call queued it. Not queued: it is posted, or its
        post is already waiting in the outbox (on its way). A poll whose post was given up
        or expired (no message, nothing waiting) is queued again.
        """
        with self._write():
            poll, _ = self.claim_poll(team_id, channel_id, local_date, now, threshold)
            if poll.message_ts is not None or self._waiting(Kind.POLL, poll.id):
                return poll, False
            self._enqueue(
                team_id,
                channel_id,
                Kind.POLL,
                now,
                ref=poll.id,
                response_url=response_url,
                expires_at=expires_at,
            )
        return poll, True

    def poll_on_its_way(self, poll_id: int) -> bool:
        """The poll's post is waiting in the outbox."""
        return self._waiting(Kind.POLL, poll_id)

    def set_poll_message(self, poll_id: int, message_ts: str, permalink: str | None = None) -> None:
        self._db.execute(
            "UPDATE polls SET message_ts = ?, permalink = ? WHERE id = ?",
            [message_ts, permalink, poll_id],
        )

    def poll_posted(self, row_id: int, poll_id: int, message_ts: str) -> None:
        """Record the poll's message and retire its outbox row, in one transaction: a
        restart then either posts it again (the documented double) or knows it is posted."""
        with self._write():
            self.set_poll_message(poll_id, message_ts)
            self._retire(row_id)

    def get_poll(self, poll_id: int) -> Poll | None:
        return self._poll_where("id = ?", [poll_id])

    def poll_on(self, team_id: str, channel_id: str, local_date: date) -> Poll | None:
        return self._poll_where(
            "team_id = ? AND channel_id = ? AND local_date = ?",
            [team_id, channel_id, local_date.isoformat()],
        )

    def _poll_where(self, where: str, params: list) -> Poll | None:
        row = self._db.execute(f"SELECT {POLL_COLUMNS} FROM polls WHERE {where}", params).fetchone()
        return None if row is None else poll_of(row)

    def open_polls(self, team_id: str, channel_id: str) -> list[Poll]:
        """Posted polls of a channel that still take answers."""
        rows = self._db.execute(
            f"SELECT {POLL_COLUMNS} FROM polls WHERE team_id = ? AND channel_id = ?"
            " AND message_ts IS NOT NULL AND closed_at IS NULL ORDER BY local_date",
            [team_id, channel_id],
        ).fetchall()
        return [poll_of(row) for row in rows]

    def close_poll(self, poll_id: int, now: datetime) -> bool:
        """Stop taking answers and fold them: the poll keeps its team numbers (responders,
        total) and its answers are deleted, in one transaction (issue 13). True for the one
        caller that actually closed it."""
        with self._write():
            cursor = self._db.execute(
                f"UPDATE polls SET closed_at = ?, responders = ({ANSWER_COUNT}),"
                f" total = ({ANSWER_SUM}), removed_since_shown = 0"
                " WHERE id = ? AND closed_at IS NULL",
                [now.isoformat(), poll_id],
            )
            if cursor.rowcount != 1:
                return False
            self._delete_answers(poll_id)
            # The closed poll loses its buttons and gets its result line, both sent later.
            self._enqueue_edit(poll_id, now)
            self._enqueue_for_poll(poll_id, Kind.RESULT, now)
        return True


def poll_of(row: sqlite3.Row) -> Poll:
    """A poll from a row with ``POLL_COLUMNS``."""
    return Poll(
        id=row["id"],
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        local_date=date.fromisoformat(row["local_date"]),
        message_ts=row["message_ts"],
        permalink=row["permalink"],
        closed=row["closed_at"] is not None,
        threshold=row["threshold"],
    )
