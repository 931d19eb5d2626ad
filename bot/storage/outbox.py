"""Everything Delight sends to Slack, until it is sent (``outbox``; ``bot.domain.outbox``,
``bot.slack.delivery``).

Other tables' writes queue their message in their own transaction through ``_enqueue``,
``_enqueue_for_poll`` and ``_enqueue_edit``, which are single statements. A scheduled
digest is claimed with its row and released when its row is dropped, so the digest claims'
statements (``bot.storage.digests``) are a base of this one.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime

from bot.domain.outbox import Kind, Row, edit_key
from bot.storage.digests import Digests

_ROW_COLUMNS = (
    "id, team_id, channel_id, kind, created_at, ref, payload, response_url, expires_at,"
    " tries, version"
)


class Outbox(Digests):
    def queue_reply(
        self,
        team_id: str,
        channel_id: str,
        response_url: str,
        text: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Queue an ephemeral message to a person's ``response_url``."""
        message = {"text": text, "response_type": "ephemeral", "replace_original": False}
        self._enqueue(
            team_id,
            channel_id,
            Kind.REPLY,
            now,
            payload=message,
            response_url=response_url,
            expires_at=expires_at,
        )

    def queue_message(
        self,
        team_id: str,
        channel_id: str,
        message: dict,
        now: datetime,
        response_url: str | None = None,
        if_lost: str | None = None,
    ) -> None:
        """Queue a message whose words are fixed now (a thanks confirmation) for a channel;
        ``if_lost`` is what to tell the person on ``response_url`` should it be given up."""
        self._enqueue(
            team_id,
            channel_id,
            Kind.MESSAGE,
            now,
            payload={"message": message, "if_lost": if_lost},
            response_url=response_url,
        )

    def queue_edit(self, poll_id: int, now: datetime) -> None:
        """Queue the poll's edit (its settings changed, its post just went out)."""
        self._enqueue_edit(poll_id, now)

    def claim_digest(
        self, team_id: str, channel_id: str, week_start: date, now: datetime, expires_at: datetime
    ) -> bool:
        """Claim this week's scheduled digest and queue it, once per week; False if it was."""
        with self._write():
            if not self._claim_week(team_id, channel_id, week_start, now):
                return False
            payload = {"week": week_start.isoformat(), "scheduled": True}
            self._enqueue(
                team_id, channel_id, Kind.DIGEST, now, payload=payload, expires_at=expires_at
            )
        return True

    def queue_digest(
        self,
        team_id: str,
        channel_id: str,
        week_start: date,
        now: datetime,
        expires_at: datetime,
        response_url: str | None,
    ) -> None:
        """Queue a digest someone asked for (``/delight digest``): no claim, any number."""
        payload = {"week": week_start.isoformat(), "scheduled": False}
        self._enqueue(
            team_id,
            channel_id,
            Kind.DIGEST,
            now,
            payload=payload,
            response_url=response_url,
            expires_at=expires_at,
        )

    def _enqueue(
        self,
        team_id: str,
        channel_id: str,
        kind: Kind,
        now: datetime,
        ref: int | None = None,
        payload: dict | None = None,
        response_url: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        self._db.execute(
            "INSERT INTO outbox (team_id, channel_id, kind, ref, payload, response_url,"
            " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                team_id,
                channel_id,
                kind.value,
                ref,
                None if payload is None else json.dumps(payload),
                response_url,
                now.isoformat(),
                None if expires_at is None else expires_at.isoformat(),
            ],
        )

    def _enqueue_for_poll(
        self,
        poll_id: int,
        kind: Kind,
        now: datetime,
        payload: dict | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        """Queue a message about a posted poll (in its channel, or its thread)."""
        self._db.execute(
            "INSERT INTO outbox (team_id, channel_id, kind, ref, payload, created_at, expires_at)"
            " SELECT team_id, channel_id, ?, id, ?, ?, ? FROM polls"
            " WHERE id = ? AND message_ts IS NOT NULL",
            [
                kind.value,
                None if payload is None else json.dumps(payload),
                now.isoformat(),
                None if expires_at is None else expires_at.isoformat(),
                poll_id,
            ],
        )

    def _enqueue_edit(self, poll_id: int, now: datetime) -> None:
        """Queue the poll's edit, or bump the one already waiting (coalescing: it is
        rendered when sent, so one edit shows every change made meanwhile)."""
        self._db.execute(
            "INSERT INTO outbox (team_id, channel_id, kind, ref, coalesce_key, created_at)"
            " SELECT team_id, channel_id, ?, id, ?, ? FROM polls WHERE id = ?"
            " ON CONFLICT (coalesce_key) DO UPDATE SET version = version + 1",
            [Kind.EDIT.value, edit_key(poll_id), now.isoformat(), poll_id],
        )

    def _waiting(self, kind: Kind, ref: int) -> bool:
        """A row of ``kind`` about ``ref`` waits."""
        return (
            self._db.execute(
                "SELECT 1 FROM outbox WHERE kind = ? AND ref = ?", [kind.value, ref]
            ).fetchone()
            is not None
        )

    def _retire(self, row_id: int) -> None:
        self._db.execute("DELETE FROM outbox WHERE id = ?", [row_id])

    def outbox_after(self, last_id: int) -> list[Row]:
        """Rows written after row ``last_id``, oldest first."""
        rows = self._db.execute(
            f"SELECT {_ROW_COLUMNS} FROM outbox WHERE id > ? ORDER BY id", [last_id]
        ).fetchall()
        return [_row(row) for row in rows]

    def outbox_row(self, row_id: int) -> Row | None:
        row = self._db.execute(
            f"SELECT {_ROW_COLUMNS} FROM outbox WHERE id = ?", [row_id]
        ).fetchone()
        return None if row is None else _row(row)

    def outbox_delivered(self, row: Row) -> bool:
        """Retire a row Slack took; False if it was written again meanwhile (a newer edit),
        which then stays to be sent."""
        cursor = self._db.execute(
            "DELETE FROM outbox WHERE id = ? AND version = ?", [row.id, row.version]
        )
        return cursor.rowcount == 1

    def outbox_failed(self, row_id: int, code: str) -> None:
        """One more failed try of a row that is tried again."""
        self._db.execute(
            "UPDATE outbox SET tries = tries + 1, last_error = ? WHERE id = ?", [code, row_id]
        )

    def outbox_drop(self, row: Row) -> None:
        """Retire a row that was given up or expired. A scheduled digest's claim goes with
        it, so the week's digest can be claimed again."""
        with self._write():
            self._retire(row.id)
            if row.kind is Kind.DIGEST and row.payload and row.payload.get("scheduled"):
                self._release_week(row.team_id, row.channel_id, row.payload["week"])

    def outbox_pending(self) -> dict[str, int]:
        """How many rows wait, by kind."""
        rows = self._db.execute(
            "SELECT kind, COUNT(*) AS waiting FROM outbox GROUP BY kind"
        ).fetchall()
        return {row["kind"]: row["waiting"] for row in rows}

    def outbox_oldest(self) -> datetime | None:
        """When the oldest waiting row was written."""
        row = self._db.execute("SELECT MIN(created_at) AS oldest FROM outbox").fetchone()
        return None if row["oldest"] is None else datetime.fromisoformat(row["oldest"])


def _row(row: sqlite3.Row) -> Row:
    payload, expires_at = row["payload"], row["expires_at"]
    return Row(
        id=row["id"],
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        kind=Kind(row["kind"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        ref=row["ref"],
        payload=None if payload is None else json.loads(payload),
        response_url=row["response_url"],
        expires_at=None if expires_at is None else datetime.fromisoformat(expires_at),
        tries=row["tries"],
        version=row["version"],
    )
