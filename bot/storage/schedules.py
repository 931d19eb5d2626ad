"""A channel's daily poll and weekly digest (the schedule's columns of ``channels``), the days
it skips (``skips``), and the nudge before a poll closes (``channels.nudge_minutes``,
``polls.nudged_at``)."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.domain.outbox import Kind
from bot.domain.schedule import ChannelSchedule
from bot.storage.outbox import Outbox
from bot.storage.schedule_rows import SCHEDULE_COLUMNS, schedule_of


class Schedules(Outbox):
    # Schedules

    def save_schedule(
        self, team_id: str, channel_id: str, poll_time: time, tz: str, days: frozenset[int]
    ) -> None:
        """Set (or replace) the channel's daily poll; this also resumes a paused channel."""
        self._db.execute(
            "INSERT INTO channels (team_id, channel_id, tz, poll_time, days, paused,"
            " disabled_reason) VALUES (?, ?, ?, ?, ?, 0, NULL)"
            " ON CONFLICT (team_id, channel_id) DO UPDATE SET tz = excluded.tz,"
            " poll_time = excluded.poll_time, days = excluded.days, paused = 0,"
            " disabled_reason = NULL",
            [team_id, channel_id, tz, poll_time.isoformat(), _days(days)],
        )

    def clear_schedule(self, team_id: str, channel_id: str) -> bool:
        cursor = self._db.execute(
            "UPDATE channels SET poll_time = NULL WHERE team_id = ? AND channel_id = ?"
            " AND poll_time IS NOT NULL",
            [team_id, channel_id],
        )
        return cursor.rowcount == 1

    def disable_schedule(self, team_id: str, channel_id: str, reason: str) -> None:
        self._db.execute(
            "UPDATE channels SET poll_time = NULL, disabled_reason = ?"
            " WHERE team_id = ? AND channel_id = ?",
            [reason, team_id, channel_id],
        )

    def set_paused(self, team_id: str, channel_id: str, paused: bool) -> bool:
        """Pause or resume a scheduled channel; False if it has no schedule."""
        cursor = self._db.execute(
            "UPDATE channels SET paused = ? WHERE team_id = ? AND channel_id = ?"
            " AND poll_time IS NOT NULL",
            [int(paused), team_id, channel_id],
        )
        return cursor.rowcount == 1

    def set_digest(
        self, team_id: str, channel_id: str, day: int | None, at: time | None, off: bool
    ) -> bool:
        """Set the digest's day and time (None for the default), or turn it off."""
        cursor = self._db.execute(
            "UPDATE channels SET digest_day = ?, digest_time = ?, digest_off = ?"
            " WHERE team_id = ? AND channel_id = ? AND poll_time IS NOT NULL",
            [day, at.isoformat() if at else None, int(off), team_id, channel_id],
        )
        return cursor.rowcount == 1

    def schedule_for(self, team_id: str, channel_id: str, today: date) -> ChannelSchedule | None:
        """The channel's schedule with its skips from ``today`` on, or None if unscheduled."""
        row = self._db.execute(
            f"SELECT {SCHEDULE_COLUMNS} FROM channels"
            " WHERE team_id = ? AND channel_id = ? AND poll_time IS NOT NULL",
            [team_id, channel_id],
        ).fetchone()
        if row is None:
            return None
        return schedule_of(row, frozenset(self.skips(team_id, channel_id, today)))

    def disabled_reason(self, team_id: str, channel_id: str) -> str | None:
        row = self._db.execute(
            "SELECT disabled_reason FROM channels WHERE team_id = ? AND channel_id = ?",
            [team_id, channel_id],
        ).fetchone()
        return row["disabled_reason"] if row else None

    # Skips

    def add_skip(self, team_id: str, channel_id: str, day: date) -> None:
        self._db.execute(
            "INSERT INTO skips (team_id, channel_id, local_date) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [team_id, channel_id, day.isoformat()],
        )

    def remove_skip(self, team_id: str, channel_id: str, day: date) -> bool:
        cursor = self._db.execute(
            "DELETE FROM skips WHERE team_id = ? AND channel_id = ? AND local_date = ?",
            [team_id, channel_id, day.isoformat()],
        )
        return cursor.rowcount == 1

    def skips(self, team_id: str, channel_id: str, since: date) -> list[date]:
        rows = self._db.execute(
            "SELECT local_date FROM skips WHERE team_id = ? AND channel_id = ? AND local_date >= ?"
            " ORDER BY local_date",
            [team_id, channel_id, since.isoformat()],
        ).fetchall()
        return [date.fromisoformat(row["local_date"]) for row in rows]

    # Nudges

    def set_nudge(self, team_id: str, channel_id: str, minutes: int | None, tz: str) -> None:
        """Turn the channel's nudge on (``minutes`` before close) or off (None)."""
        self._db.execute(
            "INSERT INTO channels (team_id, channel_id, tz, nudge_minutes) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (team_id, channel_id)"
            " DO UPDATE SET nudge_minutes = excluded.nudge_minutes",
            [team_id, channel_id, tz, minutes],
        )

    def nudge_minutes(self, team_id: str, channel_id: str) -> int | None:
        row = self._db.execute(
            "SELECT nudge_minutes FROM channels WHERE team_id = ? AND channel_id = ?",
            [team_id, channel_id],
        ).fetchone()
        return row["nudge_minutes"] if row else None

    def queue_nudge(
        self, poll_id: int, now: datetime, minutes_left: int, expires_at: datetime
    ) -> bool:
        """Mark the poll nudged and queue its nudge, once per poll; False if it already was."""
        with self._write():
            cursor = self._db.execute(
                "UPDATE polls SET nudged_at = ? WHERE id = ? AND nudged_at IS NULL",
                [now.isoformat(), poll_id],
            )
            if cursor.rowcount != 1:
                return False
            payload = {"minutes_left": minutes_left}
            self._enqueue_for_poll(poll_id, Kind.NUDGE, now, payload, expires_at)
        return True

    def recent_responders(self, team_id: str, channel_id: str, limit: int = 10) -> list[int]:
        """How many of us answered each of the channel's last ``limit`` closed polls."""
        rows = self._db.execute(
            "SELECT responders FROM polls"
            " WHERE team_id = ? AND channel_id = ? AND closed_at IS NOT NULL"
            " ORDER BY local_date DESC LIMIT ?",
            [team_id, channel_id, limit],
        ).fetchall()
        return [row["responders"] for row in rows]


def _days(days: frozenset[int]) -> str:
    return ",".join(str(d) for d in sorted(days))
