"""The only module that speaks SQL.

SQLite in WAL mode: a commit survives the process being killed, and readers never block the
writer. A ``sqlite3`` connection belongs to the thread that opened it, and Bolt listeners,
the delivery worker and scheduler jobs all run on different threads, so every thread gets
its own connection (``threading.local``). Writes are single statements or ``atomic()`` blocks
and are committed before the caller acknowledges Slack.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from sqlite_utils import Database

from bot.domain.live import LiveTally, Shown, next_shown
from bot.domain.models import ChannelProfile, DayTotal, Poll, Win, WinKind
from bot.domain.outbox import Kind, Row, edit_key
from bot.domain.schedule import ChannelSchedule
from bot.domain.tally import DEFAULT_THRESHOLD
from bot.storage.migrations import connect_read_only, migrations

_CHANNEL_VALUES = {"customer", "goal", "threshold", "language"}
_POLL_COLUMNS = (
    "id, team_id, channel_id, local_date, message_ts, permalink, closed_at, claimed_at, threshold"
)


class Storage:
    """The database. ``read_only`` (the export): opened with ``mode=ro``, no migrations run."""

    def __init__(self, path: Path, busy_timeout_ms: int = 5000, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
            migrations.apply(self._db)

    def pending_migrations(self) -> list[str]:
        """Schema upgrades not applied yet (the bot applies them when it starts)."""
        return [migration.name for migration in migrations.pending(self._db)]

    @property
    def _db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            # Each connection is only ever used by the thread that opened it; the check is off
            # so that close() can close them all from the thread that shuts down.
            # isolation_level=None: the driver opens no implicit transactions. Every statement
            # here is its own transaction (sqlite-utils commits each) or sits in an explicit
            # atomic() block, and a write takes SQLite's lock once instead of across three
            # calls (BEGIN, the statement, COMMIT) that each give up the GIL: under a burst of
            # clicks that cut the write from 16 to 2 ms (bench/ack_latency.py, profiled).
            timeout = self._busy_timeout_ms / 1000
            if self.read_only:
                conn = connect_read_only(self.path, timeout)
            else:
                conn = sqlite3.connect(
                    self.path, timeout=timeout, check_same_thread=False, isolation_level=None
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                # A deleted answer (folded at close, forgotten) is overwritten in the file,
                # not left in a free page.
                conn.execute("PRAGMA secure_delete=ON")
            conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            conn.execute("PRAGMA foreign_keys=ON")
            db = Database(conn, execute_plugins=False)
            self._local.db = db
            with self._lock:
                self._connections.append(conn)
        return db

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One transaction that holds the write lock from its start, so what it reads can't
        change before it writes (a deferred one would fail to upgrade under a busy writer)."""
        db = self._db
        # Writers of this process queue here rather than in SQLite's busy handler, which
        # sleeps and polls: under a burst of clicks an unlucky writer could lose the lock for
        # longer than busy_timeout and fail with "database is locked" (bench/ack_latency.py).
        with self._write_lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def is_writable(self) -> bool:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            return False
        return True

    # Channels

    def channel_tz(self, team_id: str, channel_id: str, default: str) -> str:
        row = self._db.execute(
            "SELECT tz FROM channels WHERE team_id = ? AND channel_id = ?", [team_id, channel_id]
        ).fetchone()
        return row[0] if row else default

    def set_channel_tz(self, team_id: str, channel_id: str, tz: str) -> None:
        self._db["channels"].upsert(
            {"team_id": team_id, "channel_id": channel_id, "tz": tz}, pk=("team_id", "channel_id")
        )

    def channel_profile(self, team_id: str, channel_id: str) -> ChannelProfile:
        row = self._db.execute(
            "SELECT customer, goal, threshold FROM channels WHERE team_id = ? AND channel_id = ?",
            [team_id, channel_id],
        ).fetchone()
        if row is None:
            return ChannelProfile()
        customer, goal, threshold = row
        return ChannelProfile(customer, goal, DEFAULT_THRESHOLD if threshold is None else threshold)

    def set_customer(self, team_id: str, channel_id: str, customer: str | None, tz: str) -> None:
        self._set_channel_value("customer", team_id, channel_id, customer, tz)

    def set_goal(self, team_id: str, channel_id: str, goal: int | None, tz: str) -> None:
        self._set_channel_value("goal", team_id, channel_id, goal, tz)

    def set_threshold(self, team_id: str, channel_id: str, threshold: int, tz: str) -> None:
        self._set_channel_value("threshold", team_id, channel_id, threshold, tz)

    def channel_language(self, team_id: str, channel_id: str) -> str | None:
        """The language the channel chose, or None for the workspace's default."""
        row = self._db.execute(
            "SELECT language FROM channels WHERE team_id = ? AND channel_id = ?",
            [team_id, channel_id],
        ).fetchone()
        return row[0] if row else None

    def set_language(self, team_id: str, channel_id: str, code: str | None, tz: str) -> None:
        self._set_channel_value("language", team_id, channel_id, code, tz)

    def _set_channel_value(
        self, column: str, team_id: str, channel_id: str, value: object, tz: str
    ) -> None:
        if column not in _CHANNEL_VALUES:  # the name goes into SQL: only known columns
            raise ValueError(f"not a channel setting: {column}")
        self._db.execute(
            f"INSERT INTO channels (team_id, channel_id, tz, {column}) VALUES (?, ?, ?, ?)"
            f" ON CONFLICT (team_id, channel_id) DO UPDATE SET {column} = excluded.{column}",
            [team_id, channel_id, tz, value],
        )

    def known_channels(self, team_id: str) -> list[str]:
        """Every channel of the workspace where Delight has a setting, a poll or a win."""
        rows = self._db.execute(
            "SELECT channel_id FROM channels WHERE team_id = :team"
            " UNION SELECT channel_id FROM polls WHERE team_id = :team"
            " UNION SELECT channel_id FROM wins WHERE team_id = :team",
            {"team": team_id},
        ).fetchall()
        return sorted(row[0] for row in rows)

    def all_channels(self) -> list[tuple[str, str]]:
        """Every (team, channel) pair Delight has a setting, a poll or a win for."""
        rows = self._db.execute(
            "SELECT team_id, channel_id FROM channels UNION SELECT team_id, channel_id FROM polls"
            " UNION SELECT team_id, channel_id FROM wins ORDER BY 1, 2"
        ).fetchall()
        return [(team_id, channel_id) for team_id, channel_id in rows]

    # Polls

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
        poll, _ = self._poll_where("team_id = ? AND channel_id = ? AND local_date = ?", key)
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

    def _waiting(self, kind: Kind, ref: int) -> bool:
        return (
            self._db.execute(
                "SELECT 1 FROM outbox WHERE kind = ? AND ref = ?", [kind.value, ref]
            ).fetchone()
            is not None
        )

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
            self._db.execute("DELETE FROM outbox WHERE id = ?", [row_id])

    def get_poll(self, poll_id: int) -> Poll | None:
        found = self._poll_where("id = ?", [poll_id], required=False)
        return found[0] if found else None

    def poll_on(self, team_id: str, channel_id: str, local_date: date) -> Poll | None:
        found = self._poll_where(
            "team_id = ? AND channel_id = ? AND local_date = ?",
            [team_id, channel_id, local_date.isoformat()],
            required=False,
        )
        return found[0] if found else None

    def _poll_where(self, where: str, params: list, required: bool = True):
        row = self._db.execute(
            f"SELECT {_POLL_COLUMNS} FROM polls WHERE {where}", params
        ).fetchone()
        if row is None:
            if required:
                raise LookupError(f"no poll where {where}")
            return None
        return _poll(row), row[7]

    def open_polls(self, team_id: str, channel_id: str) -> list[Poll]:
        """Posted polls of a channel that still take answers."""
        rows = self._db.execute(
            f"SELECT {_POLL_COLUMNS} FROM polls WHERE team_id = ? AND channel_id = ?"
            " AND message_ts IS NOT NULL AND closed_at IS NULL ORDER BY local_date",
            [team_id, channel_id],
        ).fetchall()
        return [_poll(row) for row in rows]

    def polls_open_since(self, cutoff: datetime) -> list[Poll]:
        """Posted, unclosed polls claimed at or before ``cutoff`` (any channel)."""
        rows = self._db.execute(
            f"SELECT {_POLL_COLUMNS} FROM polls WHERE message_ts IS NOT NULL"
            " AND closed_at IS NULL AND claimed_at <= ? ORDER BY claimed_at",
            [cutoff.isoformat()],
        ).fetchall()
        return [_poll(row) for row in rows]

    def close_poll(self, poll_id: int, now: datetime) -> bool:
        """Stop taking answers and fold them: the poll keeps its team numbers (responders,
        total) and its answers are deleted, in one transaction (issue 13). True for the one
        caller that actually closed it."""
        with self._write():
            cursor = self._db.execute(
                f"UPDATE polls SET closed_at = ?, responders = ({_COUNT}), total = ({_SUM}),"
                " removed_since_shown = 0 WHERE id = ? AND closed_at IS NULL",
                [now.isoformat(), poll_id],
            )
            if cursor.rowcount != 1:
                return False
            self._db.execute("DELETE FROM answers WHERE poll_id = ?", [poll_id])
            # The closed poll loses its buttons and gets its result line, both sent later.
            self._enqueue_edit(poll_id, now)
            self._enqueue_for_poll(poll_id, Kind.RESULT, now)
        return True

    # Answers

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

    def queue_edit(self, poll_id: int, now: datetime) -> None:
        """Queue the poll's edit (its settings changed, its post just went out)."""
        self._enqueue_edit(poll_id, now)

    def _step(self, poll_id: int, step: int) -> None:
        row = self._db.execute(
            f"SELECT responders, total, removed_since_shown + ({_CHANGED}), ({_COUNT}), ({_SUM})"
            " FROM polls WHERE id = ? AND closed_at IS NULL",
            [poll_id],
        ).fetchone()
        if row is None:
            return
        shown, changed, actual = Shown(row[0], row[1]), row[2], Shown(row[3], row[4])
        new = next_shown(shown, changed, actual, step)
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

    def poll_total(self, poll_id: int) -> DayTotal:
        """The poll's true team numbers: its answers while open, its folded numbers once
        closed. Never shown while it is open (``live_tally`` is)."""
        row = self._db.execute(
            f"SELECT local_date, CASE WHEN closed_at IS NULL THEN ({_COUNT}) ELSE responders END,"
            f" CASE WHEN closed_at IS NULL THEN ({_SUM}) ELSE total END, threshold"
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
            " FROM polls WHERE id = ?",
            [poll_id],
        ).fetchone()
        if row is None:
            raise LookupError(f"no poll {poll_id}")
        return LiveTally(_day_total(row), row[4])

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

    # Wins

    def add_win(
        self,
        team_id: str,
        channel_id: str,
        local_date: date,
        kind: WinKind,
        story: str,
        source_id: str,
        permalink: str | None = None,
        from_channel: str | None = None,
    ) -> bool:
        """Log a win; returns False if this ``source_id`` was already logged (a retry, or
        the same message logged again). ``from_channel``: the channel that thanked."""
        cursor = self._db.execute(
            "INSERT INTO wins (team_id, channel_id, local_date, kind, story, source_id,"
            " permalink, from_channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (source_id) DO NOTHING",
            [
                team_id,
                channel_id,
                local_date.isoformat(),
                kind.value,
                story,
                source_id,
                permalink,
                from_channel,
            ],
        )
        return cursor.rowcount == 1

    def has_win(self, source_id: str) -> bool:
        return (
            self._db.execute("SELECT 1 FROM wins WHERE source_id = ?", [source_id]).fetchone()
            is not None
        )

    def set_win_permalink(self, source_id: str, permalink: str) -> None:
        self._db.execute(
            "UPDATE wins SET permalink = ? WHERE source_id = ?", [permalink, source_id]
        )

    def wins_between(self, team_id: str, channel_id: str, start: date, end: date) -> list[Win]:
        """Wins logged in ``[start, end]``, newest first."""
        rows = self._db.execute(
            "SELECT local_date, kind, story, permalink, from_channel FROM wins"
            " WHERE team_id = ? AND channel_id = ? AND local_date BETWEEN ? AND ?"
            " ORDER BY local_date DESC, id DESC",
            [team_id, channel_id, start.isoformat(), end.isoformat()],
        ).fetchall()
        return [
            Win(date.fromisoformat(day), WinKind(kind), story, permalink, from_channel)
            for day, kind, story, permalink, from_channel in rows
        ]

    def teams_thanked(self, team_id: str, from_channel: str, start: date, end: date) -> int:
        """How many channels ``from_channel`` thanked with wins dated in ``[start, end]``."""
        return self._db.execute(
            "SELECT COUNT(DISTINCT channel_id) FROM wins"
            " WHERE team_id = ? AND from_channel = ? AND local_date BETWEEN ? AND ?",
            [team_id, from_channel, start.isoformat(), end.isoformat()],
        ).fetchone()[0]

    # Webhooks

    def webhook_nonce(self, team_id: str, channel_id: str) -> str | None:
        row = self._db.execute(
            "SELECT nonce FROM webhooks WHERE team_id = ? AND channel_id = ?",
            [team_id, channel_id],
        ).fetchone()
        return row[0] if row else None

    def save_webhook(
        self, team_id: str, channel_id: str, secret_hash: str, nonce: str, now: datetime
    ) -> None:
        """Set (or replace: the old secret stops working at once) the channel's webhook."""
        self._db.execute(
            "INSERT INTO webhooks (team_id, channel_id, secret_hash, nonce, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id, channel_id) DO UPDATE SET"
            " secret_hash = excluded.secret_hash, nonce = excluded.nonce,"
            " created_at = excluded.created_at",
            [team_id, channel_id, secret_hash, nonce, now.isoformat()],
        )

    def delete_webhook(self, team_id: str, channel_id: str) -> bool:
        cursor = self._db.execute(
            "DELETE FROM webhooks WHERE team_id = ? AND channel_id = ?", [team_id, channel_id]
        )
        return cursor.rowcount == 1

    def webhook_channel(self, secret_hash: str) -> tuple[str, str] | None:
        """The (team, channel) whose webhook secret hashes to ``secret_hash``, if any."""
        row = self._db.execute(
            "SELECT team_id, channel_id FROM webhooks WHERE secret_hash = ?", [secret_hash]
        ).fetchone()
        return (row[0], row[1]) if row else None

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
            f"SELECT {_SCHEDULE_COLUMNS} FROM channels"
            " WHERE team_id = ? AND channel_id = ? AND poll_time IS NOT NULL",
            [team_id, channel_id],
        ).fetchone()
        return self._schedule(row, today) if row else None

    def all_schedules(self, today: date) -> list[ChannelSchedule]:
        rows = self._db.execute(
            f"SELECT {_SCHEDULE_COLUMNS} FROM channels WHERE poll_time IS NOT NULL"
        ).fetchall()
        return [self._schedule(row, today) for row in rows]

    def disabled_reason(self, team_id: str, channel_id: str) -> str | None:
        row = self._db.execute(
            "SELECT disabled_reason FROM channels WHERE team_id = ? AND channel_id = ?",
            [team_id, channel_id],
        ).fetchone()
        return row[0] if row else None

    def _schedule(self, row: tuple, today: date) -> ChannelSchedule:
        team_id, channel_id, tz, poll_time, days, paused, digest_day, digest_time, off = row
        return ChannelSchedule(
            team_id=team_id,
            channel_id=channel_id,
            poll_time=time.fromisoformat(poll_time),
            tz=tz,
            days=frozenset(int(d) for d in days.split(",")),
            paused=bool(paused),
            digest_day=digest_day,
            digest_time=time.fromisoformat(digest_time) if digest_time else None,
            digest_off=bool(off),
            skips=frozenset(self.skips(team_id, channel_id, today)),
        )

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
        return [date.fromisoformat(row[0]) for row in rows]

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
        return row[0] if row else None

    def nudge_candidates(self) -> list[NudgeCandidate]:
        """Open, posted, not yet nudged polls in channels that asked for a nudge."""
        rows = self._db.execute(
            f"SELECT {_prefixed('p', _POLL_COLUMNS)}, c.nudge_minutes FROM polls p"
            " JOIN channels c ON c.team_id = p.team_id AND c.channel_id = p.channel_id"
            " WHERE c.nudge_minutes IS NOT NULL AND p.message_ts IS NOT NULL"
            " AND p.closed_at IS NULL AND p.nudged_at IS NULL"
        ).fetchall()
        return [NudgeCandidate(_poll(row), datetime.fromisoformat(row[7]), row[9]) for row in rows]

    def queue_nudge(self, poll_id: int, now: datetime, text: str, expires_at: datetime) -> bool:
        """Mark the poll nudged and queue its nudge, once per poll; False if it already was."""
        with self._write():
            cursor = self._db.execute(
                "UPDATE polls SET nudged_at = ? WHERE id = ? AND nudged_at IS NULL",
                [now.isoformat(), poll_id],
            )
            if cursor.rowcount != 1:
                return False
            self._enqueue_for_poll(poll_id, Kind.NUDGE, now, {"text": text}, expires_at)
        return True

    def recent_responders(self, team_id: str, channel_id: str, limit: int = 10) -> list[int]:
        """How many of us answered each of the channel's last ``limit`` closed polls."""
        rows = self._db.execute(
            "SELECT responders FROM polls"
            " WHERE team_id = ? AND channel_id = ? AND closed_at IS NOT NULL"
            " ORDER BY local_date DESC LIMIT ?",
            [team_id, channel_id, limit],
        ).fetchall()
        return [row[0] for row in rows]

    # Digests

    def claim_digest(
        self, team_id: str, channel_id: str, week_start: date, now: datetime, expires_at: datetime
    ) -> bool:
        """Claim this week's scheduled digest and queue it, once per week; False if it was."""
        with self._write():
            cursor = self._db.execute(
                "INSERT INTO digests (team_id, channel_id, week_start, claimed_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [team_id, channel_id, week_start.isoformat(), now.isoformat()],
            )
            if cursor.rowcount != 1:
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

    # Events

    def first_delivery(self, event_id: str, now: datetime) -> bool:
        """True the first time an Events API ``event_id`` is seen; False for a redelivery."""
        cursor = self._db.execute(
            "INSERT INTO events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [event_id, now.isoformat()],
        )
        return cursor.rowcount == 1

    def forget_events(self, before: datetime) -> int:
        """Drop event ids received before ``before``: Slack stops retrying within minutes."""
        cursor = self._db.execute("DELETE FROM events WHERE received_at < ?", [before.isoformat()])
        return cursor.rowcount

    # Forgetting

    def forget_person(self, team_id: str, person: str) -> tuple[int, list[int]]:
        """Delete every answer stored under ``person`` in the workspace.

        Only open polls hold answers: a closed one keeps team numbers alone. Returns how many
        were deleted and the ids of the polls that lost one; each removal counts toward its
        poll's next live-tally step (``step_live_tally``), it doesn't redraw the tally itself.
        """
        with self._write():
            open_ids = [
                row[0]
                for row in self._db.execute(
                    "SELECT a.poll_id FROM answers a JOIN polls p ON p.id = a.poll_id"
                    " WHERE a.person = ? AND p.team_id = ?",
                    [person, team_id],
                ).fetchall()
            ]
            self._db.execute(
                "UPDATE polls SET removed_since_shown = removed_since_shown + 1 WHERE id IN"
                " (SELECT poll_id FROM answers WHERE person = ? AND shown_count IS NOT NULL)"
                " AND team_id = ?",
                [person, team_id],
            )
            cursor = self._db.execute(
                "DELETE FROM answers WHERE person = ?"
                " AND poll_id IN (SELECT id FROM polls WHERE team_id = ?)",
                [person, team_id],
            )
        return cursor.rowcount, open_ids

    def forget_team(self, team_id: str) -> list[str]:
        """Delete everything stored for a workspace; returns the channels it had."""
        channels = self.known_channels(team_id)
        with self._db.atomic():
            self._db.execute(
                "DELETE FROM answers WHERE poll_id IN (SELECT id FROM polls WHERE team_id = ?)",
                [team_id],
            )
            for table in ("outbox", "polls", "wins", "skips", "digests", "channels", "webhooks"):
                self._db.execute(f"DELETE FROM {table} WHERE team_id = ?", [team_id])
        return channels

    # Outbox (bot.domain.outbox, bot.slack.delivery)

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
            self._db.execute("DELETE FROM outbox WHERE id = ?", [row.id])
            if row.kind is Kind.DIGEST and row.payload and row.payload.get("scheduled"):
                self._db.execute(
                    "DELETE FROM digests WHERE team_id = ? AND channel_id = ? AND week_start = ?",
                    [row.team_id, row.channel_id, row.payload["week"]],
                )

    def outbox_pending(self) -> dict[str, int]:
        """How many rows wait, by kind."""
        rows = self._db.execute("SELECT kind, COUNT(*) FROM outbox GROUP BY kind").fetchall()
        return dict(rows)

    def outbox_oldest(self) -> datetime | None:
        """When the oldest waiting row was written."""
        row = self._db.execute("SELECT MIN(created_at) FROM outbox").fetchone()
        return None if row[0] is None else datetime.fromisoformat(row[0])

    # Aggregates

    def win_count(self, team_id: str, channel_id: str, start: date, end: date) -> int:
        return self._db.execute(
            "SELECT COUNT(*) FROM wins"
            " WHERE team_id = ? AND channel_id = ? AND local_date BETWEEN ? AND ?",
            [team_id, channel_id, start.isoformat(), end.isoformat()],
        ).fetchone()[0]

    def win_counts(
        self, team_id: str, channel_id: str, start: date, end: date
    ) -> dict[date, dict[WinKind, int]]:
        """How many wins of each kind were logged on each day in ``[start, end]``."""
        rows = self._db.execute(
            "SELECT local_date, kind, COUNT(*) FROM wins"
            " WHERE team_id = ? AND channel_id = ? AND local_date BETWEEN ? AND ?"
            " GROUP BY local_date, kind",
            [team_id, channel_id, start.isoformat(), end.isoformat()],
        ).fetchall()
        counts: dict[date, dict[WinKind, int]] = {}
        for day, kind, n in rows:
            counts.setdefault(date.fromisoformat(day), {})[WinKind(kind)] = n
        return counts


_ROW_COLUMNS = (
    "id, team_id, channel_id, kind, created_at, ref, payload, response_url, expires_at,"
    " tries, version"
)


def _row(row: tuple) -> Row:
    return Row(
        id=row[0],
        team_id=row[1],
        channel_id=row[2],
        kind=Kind(row[3]),
        created_at=datetime.fromisoformat(row[4]),
        ref=row[5],
        payload=None if row[6] is None else json.loads(row[6]),
        response_url=row[7],
        expires_at=None if row[8] is None else datetime.fromisoformat(row[8]),
        tries=row[9],
        version=row[10],
    )


_DAY_TOTAL_COLUMNS = "local_date, responders, COALESCE(total, 0), threshold"
# A poll's answers (in a statement on ``polls``): how many, their sum, how many changed since
# the live tally last moved.
_COUNT = "SELECT COUNT(*) FROM answers WHERE poll_id = polls.id"
_SUM = "SELECT COALESCE(SUM(count), 0) FROM answers WHERE poll_id = polls.id"
_CHANGED = "SELECT COUNT(*) FROM answers WHERE poll_id = polls.id AND shown_count IS NOT count"


def _day_total(row: tuple) -> DayTotal:
    return DayTotal(date.fromisoformat(row[0]), row[1], row[2], posted_threshold=row[3])


_SCHEDULE_COLUMNS = (
    "team_id, channel_id, tz, poll_time, days, paused, digest_day, digest_time, digest_off"
)


def _prefixed(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in columns.split(","))


def _days(days: frozenset[int]) -> str:
    return ",".join(str(d) for d in sorted(days))


def _poll(row: tuple) -> Poll:
    return Poll(
        id=row[0],
        team_id=row[1],
        channel_id=row[2],
        local_date=date.fromisoformat(row[3]),
        message_ts=row[4],
        permalink=row[5],
        closed=row[6] is not None,
        threshold=row[8],
    )


@dataclass(frozen=True)
class NudgeCandidate:
    poll: Poll
    claimed_at: datetime
    nudge_minutes: int
