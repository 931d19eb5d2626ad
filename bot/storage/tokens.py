"""The installs file: each workspace's bot token, in tables Delight owns (its schema, its SQL).

``<DELIGHT_DB>.installs.db`` sits beside the database, never inside it: tokens are secrets of
another kind than pseudonymous answers, so the file that ``python -m bot export`` and a backup
of the numbers read holds none, it can be guarded like the key file, and a token lookup never
waits on a busy poll write.

- **One row per workspace** (and app: ``client_id, team_id``). A reinstall or a refreshed
  token replaces the row in one statement, so no superseded token is kept and "the newest"
  is never a guess. Team ids are unique across Slack, so a workspace is found by its team id
  alone, whichever Enterprise Grid org it belongs to.
- **Kept like a secret.** The file is created 0600 before SQLite opens it (SQLite gives the
  ``-wal`` and ``-shm`` files the same mode). A replaced or deleted row is overwritten
  (``secure_delete``), and each token write is checkpointed out of the write-ahead log, whose
  older frames would otherwise still hold the token it replaced.
- **Durable:** ``synchronous=FULL``. A refreshed token lost in a power cut would leave the
  workspace with a refresh token Slack already spent, that is, a reinstall. Token writes are
  rare (an install; a refresh per workspace every ten hours or so).
- **One connection, under a lock,** serves every thread (Bolt's request threads, the outbox's
  senders, scheduler jobs): a read is a primary-key lookup of microseconds, and Bolt's
  ``authorize`` reads on every request (``bench/installs.py``).

Nothing here knows Slack's libraries: ``bot.slack.installs`` maps these rows to slack_sdk's ``Bot``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.storage import slack_sdk_tables

logger = logging.getLogger(__name__)

migrations = Migrations("delight-installs")


@migrations()
def m001_bots_and_states(db: Database) -> None:
    db["bots"].create(
        {
            "client_id": str,
            "team_id": str,
            "enterprise_id": str,
            "enterprise_name": str,
            "team_name": str,
            "app_id": str,
            "bot_id": str,
            "bot_user_id": str,
            "bot_scopes": str,
            "bot_token": str,
            "bot_refresh_token": str,
            "bot_token_expires_at": int,
            "installed_at": float,
        },
        pk=("client_id", "team_id"),
        not_null={"client_id", "team_id", "bot_id", "bot_user_id", "bot_token", "installed_at"},
    )
    # The one-time "state" of each visit to the install page, until its redirect or expiry.
    db["states"].create({"state": str, "expire_at": float}, pk="state", not_null={"expire_at"})
    db["states"].create_index(["expire_at"])


@migrations()
def m002_from_slack_sdk_tables(db: Database) -> None:
    """Installs made by Delight's earlier releases, kept in slack_sdk's own tables."""
    moved = slack_sdk_tables.move_into(db)
    if moved:
        logger.info("moved %d workspace installs out of slack_sdk's tables", moved)


@migrations(transactional=False)
def m003_scrub(db: Database) -> None:
    """Earlier releases deleted superseded tokens without ``secure_delete``: rewrite the file
    so that none is left in a free page."""
    db.execute("VACUUM")


def installs_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".installs.db")


@dataclass(frozen=True)
class BotRow:
    """One workspace's bot install, as stored. ``bot_scopes`` is comma-separated."""

    team_id: str
    enterprise_id: str | None
    enterprise_name: str | None
    team_name: str | None
    app_id: str | None
    bot_id: str
    bot_user_id: str
    bot_scopes: str
    bot_token: str
    bot_refresh_token: str | None
    bot_token_expires_at: int | None
    installed_at: float


_COLUMNS = ", ".join(BotRow.__dataclass_fields__)


class TokenFile:
    """The installs file of one Slack app (``client_id``): bot rows and install states.

    Opening it creates it if need be and applies the schema upgrades. Raises ``sqlite3.Error``
    when the file can't be read or written: a token that can't be read is an error to retry,
    never "not installed" (which would send a scheduled post without a token, and drop it).
    """

    def __init__(self, path: Path, client_id: str, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self.client_id = client_id
        _create_private(path)
        self._lock = threading.Lock()
        conn = sqlite3.connect(
            path,
            timeout=busy_timeout_ms / 1000,
            check_same_thread=False,  # one connection for every thread, used under the lock
            isolation_level=None,  # explicit transactions only (see ``_write``)
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA secure_delete=ON")
        self._conn = conn
        self._db = Database(conn, execute_plugins=False)
        migrations.apply(self._db)
        self._checkpoint()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # Bots

    def get(self, team_id: str) -> BotRow | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM bots WHERE client_id = ? AND team_id = ?",
                [self.client_id, team_id],
            ).fetchone()
        return None if row is None else BotRow(*row)

    def put(self, bot: BotRow) -> None:
        """Store the workspace's bot, replacing what was stored for it."""
        values = asdict(bot)
        with self._write() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO bots (client_id, {_COLUMNS})"
                f" VALUES (?{', ?' * len(values)})",
                [self.client_id, *values.values()],
            )
        self._checkpoint()

    def delete(self, team_id: str) -> None:
        with self._write() as conn:
            conn.execute(
                "DELETE FROM bots WHERE client_id = ? AND team_id = ?", [self.client_id, team_id]
            )
        self._checkpoint()

    # Install states

    def add_state(self, state: str, expire_at: float, now: float) -> None:
        """Store a new state, dropping the expired ones: ``/slack/install`` is public, and
        every visit stores a state that an abandoned install would leave behind."""
        with self._write() as conn:
            conn.execute("DELETE FROM states WHERE expire_at <= ?", [now])
            conn.execute("INSERT INTO states (state, expire_at) VALUES (?, ?)", [state, expire_at])

    def take_state(self, state: str, now: float) -> bool:
        """True, once, for a state stored and not expired; it is gone afterwards."""
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM states WHERE state = ? AND expire_at > ?", [state, now]
            )
        return cursor.rowcount == 1

    # Health

    def is_readable(self) -> bool:
        """Whether the file on disk can be read, by a connection of its own (as a new process
        would open it): a file deleted or replaced under the running bot is noticed."""
        try:
            with closing(_connect_read_only(self.path, timeout=1)) as conn:
                conn.execute("SELECT 1 FROM bots LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _checkpoint(self) -> None:
        """Copy the log into the file and empty it, so that it holds no replaced token. A
        reader in the way (the readiness check) only postpones it to the next write."""
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


@dataclass(frozen=True)
class Contents:
    """What an installs file holds, for ``python -m bot check``."""

    workspaces: int  # installed for this app
    pending: list[str]  # schema upgrades the next start applies


def contents(path: Path, client_id: str) -> Contents:
    """Read the file without changing it (``mode=ro``). Raises ``sqlite3.Error``."""
    with closing(_connect_read_only(path)) as conn:
        db = Database(conn, execute_plugins=False)
        pending = [migration.name for migration in migrations.pending(db)]
        if db["bots"].exists():
            sql, args = "SELECT COUNT(*) FROM bots WHERE client_id = ?", [client_id]
            workspaces = conn.execute(sql, args).fetchone()[0]
        else:
            workspaces = slack_sdk_tables.workspaces(db, client_id)
    return Contents(workspaces, pending)


def _connect_read_only(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=timeout)


def _create_private(path: Path) -> None:
    """Create the file readable by the bot's user only, before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
