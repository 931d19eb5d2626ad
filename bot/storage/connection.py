"""The database file: one connection per thread, and the write transactions.

SQLite in WAL mode: a commit survives the process being killed, and readers never block the
writer. A ``sqlite3`` connection belongs to the thread that opened it, and Bolt listeners,
the delivery worker and scheduler jobs all run on different threads, so every thread gets
its own connection (``threading.local``). Writes are single statements or ``_write()`` blocks
and are committed before the caller acknowledges Slack.

Rows come back as ``sqlite3.Row``, read by column name: a query's columns can be added or
reordered without touching its decoder. (``sqlite3.Row`` is made in C: about 0.5 µs more per
row read than a plain tuple, where sqlite-utils' ``query()`` dicts cost a savepoint per query.)
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlite_utils import Database

from bot.storage.migrations import connect_read_only, migrations


class Connection:
    """The database. ``read_only`` (the export, the check): opened with ``mode=ro``, no
    migrations run."""

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
            # _write() block, and a write takes SQLite's lock once instead of across three
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
            conn.row_factory = sqlite3.Row
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

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction for a caller outside the store: a scheduled firing's outbox
        row and the channel's next instant (``bot.service.firings``) commit together."""
        return self._write()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One transaction that holds the write lock from its start, so what it reads can't
        change before it writes (a deferred one would fail to upgrade under a busy writer).

        A write spanning tables is one transaction: a method that opens one calls another
        table's single statements (its ``_enqueue``), or methods that open their own, which
        then join it (opened again on the same thread, it is the one already open).
        """
        db = self._db
        if getattr(self._local, "writing", False):
            yield
            return
        # Writers of this process queue here rather than in SQLite's busy handler, which
        # sleeps and polls: under a burst of clicks an unlucky writer could lose the lock for
        # longer than busy_timeout and fail with "database is locked" (bench/ack_latency.py).
        with self._write_lock:
            db.execute("BEGIN IMMEDIATE")
            self._local.writing = True
            try:
                yield
            except BaseException:
                db.execute("ROLLBACK")
                raise
            finally:
                self._local.writing = False
            db.execute("COMMIT")

    def is_writable(self) -> bool:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            return False
        return True
