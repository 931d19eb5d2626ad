"""The one place tied to slack_sdk's own SQLite schema: moving installs out of it, once.

Delight's earlier releases kept the tokens in the installs file through slack_sdk's
``SQLite3InstallationStore`` (tables ``slack_bots`` and ``slack_installations``) and
``SQLite3OAuthStateStore`` (``oauth_states``). The first start of this release copies each
workspace's newest bot row into Delight's ``bots`` table and drops those tables
(``bot.storage.tokens``' migration ``m002_from_slack_sdk_tables``, in one transaction).

It reads them with SQL written against the schema slack_sdk has written since 3.8 (Delight
always required 3.47 or later), not through ``SQLite3InstallationStore.find_bot``:

- slack_sdk has no public way to list the installs it holds (``find_bot`` needs the team id);
- the file was written by an earlier slack_sdk, and a later release's reader need not read it,
  while this frozen format can't change under us;
- ``slack_bots`` alone is read: Delight's authorize is bot-only, so a workspace with no bot
  row (only an installation row) was not installed as far as Bolt could tell.

``tests/bot/storage/test_slack_sdk_tables.py`` writes such a file with the installed
slack_sdk's own store and fails, naming this module, if slack_sdk ever writes it differently.
Install states are not moved: they last ten minutes, and one open across the upgrade fails
with ``invalid_state`` (the person clicks "Add to Slack" again).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database

TABLES = ("slack_bots", "slack_installations", "oauth_states")
# The columns of slack_bots read here.
COLUMNS = (
    "id",
    "client_id",
    "app_id",
    "enterprise_id",
    "enterprise_name",
    "team_id",
    "team_name",
    "bot_token",
    "bot_id",
    "bot_user_id",
    "bot_scopes",
    "bot_refresh_token",
    "bot_token_expires_at",
    "installed_at",
)

# slack_sdk appends a row on every save (a reinstall, a token refresh); the newest is the one
# inserted last. Org-wide installs (no team id) were never supported, and are not moved.
_NEWEST = f"""
SELECT {", ".join(COLUMNS)} FROM slack_bots AS b
WHERE team_id != '' AND id = (
    SELECT MAX(id) FROM slack_bots WHERE client_id = b.client_id AND team_id = b.team_id
)
"""


def move_into(db: Database) -> int:
    """Copy each app's newest bot row per workspace into ``bots`` and drop slack_sdk's tables;
    returns how many were copied."""
    moved = 0
    if db["slack_bots"].exists():
        for row in db.query(_NEWEST):
            db["bots"].insert(
                {
                    "client_id": row["client_id"],
                    "team_id": row["team_id"],
                    "enterprise_id": row["enterprise_id"] or None,
                    "enterprise_name": row["enterprise_name"],
                    "team_name": row["team_name"],
                    "app_id": row["app_id"],
                    "bot_id": row["bot_id"],
                    "bot_user_id": row["bot_user_id"],
                    "bot_scopes": row["bot_scopes"] or "",
                    "bot_token": row["bot_token"],
                    "bot_refresh_token": row["bot_refresh_token"],
                    "bot_token_expires_at": _integer(row["bot_token_expires_at"]),
                    "installed_at": _epoch(row["installed_at"]),
                }
            )
            moved += 1
    for table in TABLES:
        if db[table].exists():
            db[table].drop()
    return moved


def workspaces(db: Database, client_id: str) -> int:
    """How many workspaces the app has installed in slack_sdk's tables (0 without them)."""
    if not db["slack_bots"].exists():
        return 0
    sql = "SELECT COUNT(DISTINCT team_id) FROM slack_bots WHERE client_id = ? AND team_id != ''"
    return db.execute(sql, [client_id]).fetchone()[0]


def _integer(value: int | str | None) -> int | None:
    return None if value is None else int(value)


def _epoch(value: float | str) -> float:
    """``installed_at`` is SQLite's ``current_timestamp``: ``YYYY-MM-DD HH:MM:SS``, in UTC."""
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()
