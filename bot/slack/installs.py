"""Multi-workspace installs (OAuth): where the tokens live, and a Web API client per workspace.

Tokens are kept in their own SQLite file beside the database, ``<DELIGHT_DB>.installs.db``
(mode 0600, WAL), never in the database with the team numbers:

- they are secrets of another kind than pseudonymous answers, so the file that ``python -m bot
  export`` and a backup of the numbers read holds none, and it can be guarded like the key file;
- slack_sdk's stores create their own tables outside our migrations, and open a connection per
  call; in their own file they never meet ``Storage``'s per-thread connections or its schema;
- a token lookup or refresh never waits on a busy poll write.

slack_sdk's SQLite store appends a row on every save (a reinstall, every token refresh) and
reads back "the newest" by a timestamp with one-second resolution. We keep one row per
workspace instead (``DelightInstallationStore``): no superseded token is kept, and "the newest"
can't be a tie.

Slack spends a refresh token when it is used (token rotation), so two threads refreshing the
same workspace at once would leave one of them with a refused token. ``SerializedTokenRotator``
refreshes one workspace at a time and re-reads the stored token first; Bolt's ``authorize``
(request threads) and ``Workspaces.client_for`` (scheduled jobs, the live tally) share it.

Bolt's ``authorize`` runs on every request: it reads the workspace's bot token from the store
and, unless its cache is on, asks Slack's ``auth.test`` who the token belongs to, a round trip
per click. The cache (``InstallationStoreAuthorize(cache_enabled=True)``) keeps auth.test's
answer by token. The store is still read first on every request, so a deleted install (an
uninstall, a revoked token) is never served from the cache; but Bolt never drops an entry, so
every refreshed or removed token would stay in memory for good. ``AuthTestCache`` drops a
workspace's entries whenever its tokens are saved or deleted.

Enterprise Grid: a workspace install inside an org is stored with its ``enterprise_id`` and
found by team id alone (team ids are unique across Slack). Org-wide installs
(``org_deploy_enabled``) are not supported: the manifest leaves them off, and Delight's data is
keyed by workspace.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.settings import INSTALL_PATH, REDIRECT_PATH, Settings
from bot.slack.errors import SLACK_ERRORS

logger = logging.getLogger(__name__)

# What the app asks for at install, exactly manifest.yml's oauth_config.scopes.bot.
BOT_SCOPES = ("commands", "chat:write", "channels:read", "groups:read")
# Refresh a rotating token when it has less than this left (Slack's last 12 hours).
REFRESH_MINUTES_BEFORE_EXPIRY = 120
# How long an "Add to Slack" link stays good (Bolt's default).
STATE_SECONDS = 600

ClientFactory = Callable[[str | None], WebClient]


def installs_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".installs.db")


def _create_private(path: Path) -> None:
    """Create the file readable by the bot's user only, before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with closing(sqlite3.connect(path)) as conn:
        # WAL is a property of the file: every connection the stores open uses it. SQLite
        # gives the -wal and -shm files the database file's permissions.
        conn.execute("PRAGMA journal_mode=WAL")


class AuthTestCache(dict):
    """Bolt's cache of auth.test answers (``InstallationStoreAuthorize.authorize_result_cache``,
    token -> ``AuthorizeResult``), from which ``forget`` drops a workspace's entries.

    Bolt reads an entry as ``token in cache``, then ``cache[token]``, on any request thread. A
    forgotten entry is no longer found, but stays readable until the next ``forget``, so that
    a request between those two reads still gets it (the token was valid when it was found).
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._forgotten: dict[str, AuthorizeResult] = {}

    def __missing__(self, token: str) -> AuthorizeResult:
        return self._forgotten[token]

    def forget(self, team_id: str | None) -> None:
        """Drop what auth.test said about the workspace's tokens (they changed or are gone)."""
        with self._lock:
            gone = {t: r for t, r in self.copy().items() if r.team_id == team_id}
            for token in gone:
                self.pop(token, None)
            if gone:
                self._forgotten = gone


class DelightInstallationStore(SQLite3InstallationStore):
    """slack_sdk's SQLite installation store, keeping one row per workspace.

    ``changed(team_id)`` is called after a workspace's tokens were saved or deleted.
    """

    def __init__(
        self, path: Path, client_id: str, changed: Callable[[str | None], None] | None = None
    ) -> None:
        _create_private(path)
        super().__init__(database=str(path), client_id=client_id, logger=logger)
        self.changed = changed or (lambda _team_id: None)
        # Create the tables now, on one thread: the store's lazy init races between threads.
        self.init()

    def save(self, installation: Installation) -> None:
        super().save(installation)  # also saves the bot, through save_bot below
        self._keep_newest("slack_installations", installation.enterprise_id, installation.team_id)

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(bot)
        if bot.bot_token is None:
            return
        self._keep_newest("slack_bots", bot.enterprise_id, bot.team_id)
        self.changed(bot.team_id)
        with closing(self.connect()) as conn, conn:
            # The install record must not keep a token the refresh replaced.
            conn.execute(
                "UPDATE slack_installations SET bot_token = ?, bot_refresh_token = ?,"
                " bot_token_expires_at = ? WHERE client_id = ? AND enterprise_id = ?"
                " AND team_id = ?",
                [
                    bot.bot_token,
                    bot.bot_refresh_token,
                    bot.bot_token_expires_at,
                    self.client_id,
                    bot.enterprise_id or "",
                    bot.team_id or "",
                ],
            )

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.changed(team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        super().delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        self.changed(team_id)

    def _keep_newest(self, table: str, enterprise_id: str | None, team_id: str | None) -> None:
        where = "client_id = ? AND enterprise_id = ? AND team_id = ?"
        key = [self.client_id, enterprise_id or "", team_id or ""]
        with closing(self.connect()) as conn, conn:
            conn.execute(
                f"DELETE FROM {table} WHERE {where}"
                f" AND id < (SELECT MAX(id) FROM {table} WHERE {where})",
                key + key,
            )

    def find_team_bot(self, team_id: str) -> Bot | None:
        """The workspace's bot install, whichever Enterprise Grid org it belongs to."""
        with closing(self.connect()) as conn:
            row = conn.execute(
                "SELECT enterprise_id FROM slack_bots WHERE client_id = ? AND team_id = ?"
                " ORDER BY id DESC LIMIT 1",
                [self.client_id, team_id],
            ).fetchone()
        if row is None:
            return None
        return self.find_bot(enterprise_id=row[0] or None, team_id=team_id)

    def is_readable(self) -> bool:
        try:
            with closing(self.connect()) as conn:
                conn.execute("SELECT 1 FROM slack_bots LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True


class DelightStateStore(SQLite3OAuthStateStore):
    """slack_sdk's SQLite state store, dropping expired states as it issues new ones.

    ``/slack/install`` is public and every visit stores a state; abandoned ones would pile up.
    """

    def __init__(self, path: Path, expiration_seconds: int = STATE_SECONDS) -> None:
        _create_private(path)
        super().__init__(database=str(path), expiration_seconds=expiration_seconds, logger=logger)
        self.init()

    def issue(self, *args: Any, **kwargs: Any) -> str:
        with closing(self.connect()) as conn, conn:
            conn.execute("DELETE FROM oauth_states WHERE expire_at <= ?", [time.time()])
        return super().issue(*args, **kwargs)


class SerializedTokenRotator(TokenRotator):
    """Refresh one workspace's token at a time, from the token stored last.

    The second of two threads that both found the token about to expire gets the token the
    first one stored, instead of spending the (already spent) refresh token again.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        client: WebClient,
        store: DelightInstallationStore,
    ) -> None:
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self._store = store
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, bot: Bot) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(
                (bot.enterprise_id or "", bot.team_id or ""), threading.Lock()
            )

    def perform_bot_token_rotation(
        self, *, bot: Bot, minutes_before_expiration: int = REFRESH_MINUTES_BEFORE_EXPIRY
    ) -> Bot | None:
        """The refreshed (or meanwhile refreshed) bot, or None if ``bot`` is still good."""
        if not _expiring(bot, minutes_before_expiration):
            return None
        with self._lock(bot):
            latest = self._store.find_bot(
                enterprise_id=bot.enterprise_id,
                team_id=bot.team_id,
                is_enterprise_install=bot.is_enterprise_install,
            )
            if latest is None:
                return None  # uninstalled meanwhile: never bring the install back
            refreshed = super().perform_bot_token_rotation(
                bot=latest, minutes_before_expiration=minutes_before_expiration
            )
            if refreshed is not None:
                # Stored before the lock opens, so the next thread in line reads it.
                self._store.save_bot(refreshed)
                logger.info("refreshed the bot token of team %s", bot.team_id)
                return refreshed
            return latest if latest.bot_token != bot.bot_token else None


def _expiring(bot: Bot, minutes: int) -> bool:
    expires_at = bot.bot_token_expires_at
    return expires_at is not None and expires_at <= time.time() + minutes * 60


class Workspaces:
    """A Web API client for each installed workspace, for calls made outside a request."""

    def __init__(
        self,
        store: DelightInstallationStore,
        rotator: SerializedTokenRotator,
        new_client: ClientFactory,
        refresh_minutes: int = REFRESH_MINUTES_BEFORE_EXPIRY,
    ) -> None:
        self.store = store
        self._rotator = rotator
        self._new_client = new_client
        self._refresh_minutes = refresh_minutes

    def client_for(self, team_id: str) -> WebClient:
        """A client with the workspace's bot token, refreshed first if it is about to expire.

        A workspace that is not installed (or uninstalled meanwhile) gets a client without a
        token: its calls fail with Slack's ``not_authed``, where callers already handle errors.
        """
        bot = self.store.find_team_bot(team_id)
        if bot is None:
            logger.warning("no installation for team %s: its Slack calls will fail", team_id)
            return self._new_client(None)
        try:
            bot = (
                self._rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=self._refresh_minutes
                )
                or bot
            )
        except SLACK_ERRORS as error:
            # Try the token we have: if it has expired, the call fails where errors are handled.
            logger.warning("token refresh failed team=%s: %s", team_id, type(error).__name__)
        return self._new_client(bot.bot_token)


@dataclass(frozen=True)
class Installs:
    """Everything multi-workspace mode adds: the stores, Bolt's OAuth settings and authorize."""

    store: DelightInstallationStore
    state_store: DelightStateStore
    oauth_settings: OAuthSettings
    authorize: InstallationStoreAuthorize
    workspaces: Workspaces

    @classmethod
    def create(cls, settings: Settings, client: WebClient, new_client: ClientFactory) -> Installs:
        """``client`` (no token) reaches ``SLACK_API_URL`` for ``oauth.v2.access`` and
        ``auth.test``; ``new_client(token)`` builds a workspace's client like it."""
        if settings.client_id is None or settings.client_secret is None:
            raise ValueError("multi-workspace installs need a client id and secret")
        path = installs_path_for(settings.db_path)
        auth_tests = AuthTestCache()
        store = DelightInstallationStore(path, settings.client_id, changed=auth_tests.forget)
        state_store = DelightStateStore(path)
        rotator = SerializedTokenRotator(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            client=client,
            store=store,
        )
        oauth_settings = OAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=settings.redirect_uri,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=store,
            # Delight has bot tokens only: Bolt reads and refreshes slack_bots rows.
            installation_store_bot_only=True,
            token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
            state_store=state_store,
            state_expiration_seconds=STATE_SECONDS,
            logger=logging.getLogger("delight.oauth"),
        )
        # Our own authorize, so that its refreshes go through SLACK_API_URL (``client``; the
        # one OAuthSettings builds would use slack.com) and through the shared rotator.
        authorize = InstallationStoreAuthorize(
            logger=logging.getLogger("delight.authorize"),
            installation_store=store,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
            bot_only=True,
            # auth.test once per token, not once per request (see the module's docstring).
            cache_enabled=True,
            client=client,
        )
        authorize.authorize_result_cache = auth_tests
        authorize.token_rotator = rotator
        workspaces = Workspaces(store, rotator, new_client)
        return cls(store, state_store, oauth_settings, authorize, workspaces)

    def app_options(self) -> dict[str, Any]:
        """Keyword arguments for Bolt's ``App``."""
        return {
            "oauth_settings": self.oauth_settings,
            "installation_store": self.store,
            "authorize": self.authorize,
        }
