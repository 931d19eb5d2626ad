"""Moving installs out of slack_sdk's own tables (bot/storage/slack_sdk_tables.py), the one
place tied to slack_sdk's SQLite schema.

The installs file is written here by the installed slack_sdk's own stores, as Delight's earlier
releases wrote it, and slack_sdk's own ``find_bot`` is the reference for what each workspace's
install was. If a slack_sdk release writes these tables differently, these tests fail first.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from bot.slack.installs import BOT_SCOPES, DelightInstallationStore
from bot.storage import slack_sdk_tables
from bot.storage.tokens import TokenFile

CLIENT_ID = "111.222"
UPGRADE_HINT = (
    "slack_sdk's SQLite3InstallationStore no longer writes the tables that "
    "bot/storage/slack_sdk_tables.py reads. Files left by Delight's earlier releases still "
    "have the old ones: keep reading those, and build this test's file from a copy of that "
    "schema."
)


def installation(team_id: str, token: str, **fields: object) -> Installation:
    values: dict = {
        "app_id": "A0APP",
        "team_id": team_id,
        "team_name": f"Team {team_id}",
        "bot_token": token,
        "bot_id": f"B{team_id}",
        "bot_user_id": f"U{team_id}",
        "bot_scopes": ",".join(BOT_SCOPES),
        "user_id": "U0INSTALLER",
    }
    values.update(fields)
    return Installation(**values)


def standard(bot: Bot) -> dict:
    """What a Bot holds; slack_sdk's store reads "no org" back as "" where Delight's says None."""
    return {**bot.to_dict(), "enterprise_id": bot.enterprise_id or None}


def forget(path: Path, sql: str) -> None:
    """Delete as the earlier release did, where SQLite is built without secure_delete (the
    deleted bytes stay in the file)."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA secure_delete=OFF")
        conn.execute(sql)


@pytest.fixture
def legacy(tmp_path: Path) -> SQLite3InstallationStore:
    """An installs file as Delight's earlier releases left it."""
    path = tmp_path / "delight.db.installs.db"
    store = SQLite3InstallationStore(database=str(path), client_id=CLIENT_ID)
    store.save(
        installation(
            "T0TEAM", "xoxe.xoxb-T0TEAM-1", bot_refresh_token="xoxe-1-r1", bot_token_expires_in=60
        )
    )
    # A token refresh appends a row; the earlier release then deleted the older one.
    refreshed = Bot(**store.find_bot(enterprise_id=None, team_id="T0TEAM").to_dict_for_copying())
    refreshed.bot_token, refreshed.bot_refresh_token = "xoxe.xoxb-T0TEAM-2", "xoxe-1-r2"
    refreshed.bot_token_expires_at = 1_900_000_000
    store.save_bot(refreshed)
    forget(path, "DELETE FROM slack_bots WHERE bot_token = 'xoxe.xoxb-T0TEAM-1'")
    store.save(installation("T2GRID", "xoxb-T2GRID-3", enterprise_id="E0ORG"))
    # Reinstalled: two rows, the newest wins.
    store.save(installation("T3TWICE", "xoxb-T3TWICE-4"))
    store.save(installation("T3TWICE", "xoxb-T3TWICE-5"))
    # Another Slack app's install, and an org-wide one (never supported).
    SQLite3InstallationStore(database=str(path), client_id="999.888").save(
        installation("T0TEAM", "xoxb-other-app-6")
    )
    store.save(installation(None, "xoxb-org-7", enterprise_id="E0ORG", is_enterprise_install=True))
    # A workspace that reinstalled often, then uninstalled: whole pages of its rows went free
    # (rows made large so that a few fill a page).
    for n in range(30):
        store.save(installation("T9GONE", f"xoxb-T9GONE-{n}", team_name="Team " + "x" * 1500))
    for table in ("slack_bots", "slack_installations"):
        forget(path, f"DELETE FROM {table} WHERE team_id = 'T9GONE'")
    SQLite3OAuthStateStore(database=str(path), expiration_seconds=600).issue()
    return store


def test_slack_sdk_still_writes_the_tables_this_module_reads(
    legacy: SQLite3InstallationStore,
) -> None:
    with closing(sqlite3.connect(legacy.database)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        columns = {row[1] for row in conn.execute("PRAGMA table_info(slack_bots)")}
    assert set(slack_sdk_tables.TABLES) <= tables, UPGRADE_HINT
    assert set(slack_sdk_tables.COLUMNS) <= columns, UPGRADE_HINT


def test_each_workspace_keeps_its_newest_install_as_slack_sdk_found_it(
    legacy: SQLite3InstallationStore,
) -> None:
    workspaces = [("T0TEAM", None), ("T2GRID", "E0ORG"), ("T3TWICE", None)]
    before = {
        team: standard(legacy.find_bot(enterprise_id=org, team_id=team)) for team, org in workspaces
    }
    other_app = SQLite3InstallationStore(database=legacy.database, client_id="999.888")
    theirs = standard(other_app.find_bot(enterprise_id=None, team_id="T0TEAM"))
    path = Path(legacy.database)

    tokens = TokenFile(path, CLIENT_ID)
    store = DelightInstallationStore(tokens)
    after = {
        team: standard(store.find_bot(enterprise_id=org, team_id=team)) for team, org in workspaces
    }
    assert after == before, UPGRADE_HINT
    assert after["T0TEAM"]["bot_token"] == "xoxe.xoxb-T0TEAM-2"
    assert after["T3TWICE"]["bot_token"] == "xoxb-T3TWICE-5"
    assert store.find_bot(enterprise_id="E0ORG", team_id=None, is_enterprise_install=True) is None
    tokens.close()
    # Nothing of another app is lost: it is kept under its own client id.
    with closing(TokenFile(path, "999.888")) as other:
        assert standard(DelightInstallationStore(other).find_team_bot("T0TEAM")) == theirs

    with closing(sqlite3.connect(path)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert not tables & set(slack_sdk_tables.TABLES)
    # No replaced token is left anywhere in the file, free pages and write-ahead log included.
    wal = path.with_name(path.name + "-wal")
    on_disk = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    gone = [b"xoxe.xoxb-T0TEAM-1", b"xoxe-1-r1", b"T3TWICE-4", b"xoxb-org-7", b"T9GONE"]
    assert [token for token in gone if token in on_disk] == []


def test_the_move_happens_once(legacy: SQLite3InstallationStore) -> None:
    path = Path(legacy.database)
    with closing(TokenFile(path, CLIENT_ID)) as tokens:
        DelightInstallationStore(tokens).delete_all(enterprise_id=None, team_id="T0TEAM")
    # slack_sdk's store would make its tables again; opening again moves nothing back.
    SQLite3InstallationStore(database=str(path), client_id=CLIENT_ID).init()
    with closing(TokenFile(path, CLIENT_ID)) as tokens:
        assert tokens.get("T0TEAM") is None
        assert tokens.get("T3TWICE").bot_token == "xoxb-T3TWICE-5"
