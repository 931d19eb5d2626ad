"""The schema, as the ordered list of upgrades that build it (sqlite-utils migrations).

A migration runs once per database, in order, when the bot starts (``Storage``); never edit
one that has shipped: add the next.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.domain.tally import DEFAULT_THRESHOLD
from bot.storage import due_table

migrations = Migrations("delight")


@migrations()
def m001_core(db: Database) -> None:
    db["channels"].create(
        {"team_id": str, "channel_id": str, "tz": str},
        pk=("team_id", "channel_id"),
        not_null={"tz"},
    )
    db["polls"].create(
        {
            "id": int,
            "team_id": str,
            "channel_id": str,
            "local_date": str,
            "claimed_at": str,
            "message_ts": str,
            "permalink": str,
        },
        pk="id",
        not_null={"team_id", "channel_id", "local_date", "claimed_at"},
    )
    # The guard against a second poll on the same local day lives here, not in memory.
    db["polls"].create_index(["team_id", "channel_id", "local_date"], unique=True)
    db["answers"].create(
        {"poll_id": int, "person": str, "count": int},
        pk=("poll_id", "person"),
        foreign_keys=[("poll_id", "polls", "id")],
        not_null={"count"},
    )
    db["wins"].create(
        {
            "id": int,
            "team_id": str,
            "channel_id": str,
            "local_date": str,
            "kind": str,
            "story": str,
            "source_id": str,
        },
        pk="id",
        not_null={"team_id", "channel_id", "local_date", "kind", "story", "source_id"},
    )
    # Slack's trigger or view id: a retried or double submission logs the win once.
    db["wins"].create_index(["source_id"], unique=True)
    db["wins"].create_index(["team_id", "channel_id", "local_date"])


@migrations()
def m002_schedules(db: Database) -> None:
    channels = db["channels"]
    for column, kind in [
        ("poll_time", str),
        ("days", str),
        ("paused", int),
        ("digest_day", int),
        ("digest_time", str),
        ("digest_off", int),
        ("disabled_reason", str),
    ]:
        channels.add_column(column, kind)
    db["skips"].create(
        {"team_id": str, "channel_id": str, "local_date": str},
        pk=("team_id", "channel_id", "local_date"),
    )
    db["polls"].add_column("closed_at", str)
    db["polls"].create_index(["closed_at"])
    # One scheduled digest per channel per week, whatever restarts happen.
    db["digests"].create(
        {"team_id": str, "channel_id": str, "week_start": str, "claimed_at": str},
        pk=("team_id", "channel_id", "week_start"),
    )


@migrations()
def m003_nudges(db: Database) -> None:
    db["channels"].add_column("nudge_minutes", int)
    db["polls"].add_column("nudged_at", str)


@migrations()
def m004_profiles(db: Database) -> None:
    for column, kind in [("customer", str), ("goal", int), ("threshold", int)]:
        db["channels"].add_column(column, kind)
    # Polls posted before thresholds were settable were posted under the default of 3.
    db["polls"].add_column("threshold", int, not_null_default=3)


@migrations()
def m005_events(db: Database) -> None:
    # Events API deliveries already seen: Slack retries one it thinks failed, with the same id.
    db["events"].create({"event_id": str, "received_at": str}, pk="event_id")
    db["events"].create_index(["received_at"])


@migrations()
def m006_lean_answers(db: Database) -> None:
    """Answers live in their primary key (WITHOUT ROWID), and polls get a covering index.

    Measured with bench/history.py on a synthetic year (1,000 channels x 50 people x 260 days):
    the database drops from 1,070 to 594 MiB, and a channel's digest or Home card read from a
    cold cache drops from about 30 to 14 ms at p95, because ``daily_totals`` then reads
    indexes only.
    """
    db.execute(
        "CREATE TABLE answers_new (poll_id INTEGER REFERENCES polls(id), person TEXT,"
        " count INTEGER NOT NULL, PRIMARY KEY (poll_id, person)) WITHOUT ROWID"
    )
    db.execute("INSERT INTO answers_new SELECT poll_id, person, count FROM answers")
    db.execute("DROP TABLE answers")
    db.execute("ALTER TABLE answers_new RENAME TO answers")
    db["polls"].create_index(["team_id", "channel_id", "local_date", "message_ts", "threshold"])


@migrations()
def m007_team_numbers_only(db: Database) -> None:
    """A closed poll keeps its team numbers, not its answers; an open one, what it shows.

    Issue 13. ``polls.responders`` and ``polls.total`` hold a closed poll's final numbers
    (its answers are deleted in the transaction that closes it) and, while it is open, what
    its live tally shows (``bot.domain.live``; ``total`` is NULL until the tally is visible).
    ``answers.shown_count`` is the answer as the shown tally counts it (NULL: not in it), and
    ``polls.removed_since_shown`` counts answers forgotten since, so a poll knows how many
    answers changed since its tally last moved. Every poll already closed is folded here, and
    every open one starts from the numbers it was showing.
    """
    db["polls"].add_column("responders", int, not_null_default=0)
    db["polls"].add_column("total", int)
    db["polls"].add_column("removed_since_shown", int, not_null_default=0)
    db["answers"].add_column("shown_count", int)
    db.execute(
        "UPDATE polls SET"
        " responders = (SELECT COUNT(*) FROM answers WHERE poll_id = polls.id),"
        " total = (SELECT COALESCE(SUM(count), 0) FROM answers WHERE poll_id = polls.id)"
    )
    # An open poll below its threshold (bot.domain.tally.threshold_for) showed only its count.
    db.execute(
        "UPDATE polls SET total = NULL WHERE closed_at IS NULL AND responders < MAX(1, threshold,"
        f" COALESCE((SELECT threshold FROM channels c WHERE c.team_id = polls.team_id"
        f" AND c.channel_id = polls.channel_id), {DEFAULT_THRESHOLD}))"
    )
    db.execute(
        "DELETE FROM answers WHERE poll_id IN (SELECT id FROM polls WHERE closed_at IS NOT NULL)"
    )
    db.execute("UPDATE answers SET shown_count = count")
    # daily_totals reads polls only now: its covering index carries the numbers.
    db.execute("DROP INDEX idx_polls_team_id_channel_id_local_date_message_ts_threshold")
    db["polls"].create_index(
        ["team_id", "channel_id", "local_date", "message_ts", "threshold", "responders", "total"]
    )


@migrations()
def m008_wins_from_anywhere(db: Database) -> None:
    """Issue 15: a win keeps the link to the message it was logged from, and the channel
    that thanked (a team's channel, never a person); a channel's inbound webhook is kept
    as the hash of its secret and the nonce it is derived from (``bot.service.webhooks``), never
    the secret itself."""
    db["wins"].add_column("permalink", str)
    db["wins"].add_column("from_channel", str)
    db["wins"].create_index(["team_id", "from_channel", "local_date"])
    db["webhooks"].create(
        {
            "team_id": str,
            "channel_id": str,
            "secret_hash": str,
            "nonce": str,
            "created_at": str,
        },
        pk=("team_id", "channel_id"),
        not_null={"secret_hash", "nonce", "created_at"},
    )
    db["webhooks"].create_index(["secret_hash"], unique=True)


@migrations()
def m009_outbox(db: Database) -> None:
    """Everything Delight sends to Slack, until it is sent (``bot.domain.outbox``, issue 12).

    AUTOINCREMENT: the delivery worker reads new rows by id, so an id is never handed out
    twice, not even after the newest row was delivered and deleted. ``coalesce_key`` keeps
    one pending edit per poll message.
    """
    db.execute(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, team_id TEXT NOT NULL,"
        " channel_id TEXT NOT NULL, kind TEXT NOT NULL, ref INTEGER, coalesce_key TEXT,"
        " payload TEXT, response_url TEXT, created_at TEXT NOT NULL, expires_at TEXT,"
        " tries INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0,"
        " last_error TEXT)"
    )
    db.execute("CREATE UNIQUE INDEX idx_outbox_coalesce_key ON outbox (coalesce_key)")
    db.execute("CREATE INDEX idx_outbox_team_id ON outbox (team_id)")
    db.execute("CREATE INDEX idx_outbox_kind_ref ON outbox (kind, ref)")


@migrations()
def m010_channel_language(db: Database) -> None:
    """Issue 16: the language a channel chose (``/delight language``); NULL follows the
    workspace's default, ``DELIGHT_LANGUAGE``."""
    db["channels"].add_column("language", str)


@migrations()
def m011_due_index(db: Database) -> None:
    """Issue 17: each channel's next poll, digest, nudge and close, in UTC, indexed
    (``bot.storage.due_table``), built here once from the schedules and open polls."""
    due_table.create(db)
    due_table.build(db, datetime.now(UTC))


def connect_read_only(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    """A connection that can't write, whatever the code using it does (``mode=ro``)."""
    return sqlite3.connect(
        f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=timeout, check_same_thread=False
    )
