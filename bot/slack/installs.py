"""Multi-workspace installs (OAuth): slack_sdk's store interfaces over Delight's own tables,
and a Web API client per workspace.

The tokens live in the installs file beside the database (``bot.storage.tokens``: its schema, its
SQL, one row per workspace). Here they meet Bolt and slack_sdk through their public
interfaces only: ``InstallationStore`` (``save``, ``save_bot``, ``find_bot``, ``delete_bot``,
``delete_installation``, ``delete_all``), ``OAuthStateStore`` (``issue``, ``consume``) and
``TokenRotator``. Delight asks for no user token, so the store is bot-only, the interface's own
"simpler way": Bolt's authorize runs ``bot_only`` and ``find_installation`` stays the
interface's ``NotImplementedError``, which Bolt reads as "use ``find_bot``". An install with no
bot token, or an org-wide one (``org_deploy_enabled`` is off in the manifest), is refused.

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
found by team id alone (team ids are unique across Slack). Org-wide installs are not
supported: Delight's data is keyed by workspace.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.domain.calendar import Clock, system_clock
from bot.slack.errors import SLACK_ERRORS
from bot.storage.tokens import BotRow, TokenFile

logger = logging.getLogger(__name__)

# What the app asks for at install, exactly manifest.yml's oauth_config.scopes.bot.
BOT_SCOPES = ("commands", "chat:write", "channels:read", "groups:read")
# Refresh a rotating token when it has less than this left (Slack's last 12 hours).
REFRESH_MINUTES_BEFORE_EXPIRY = 120
# How long an "Add to Slack" link stays good (Bolt's default).
STATE_SECONDS = 600

ClientFactory = Callable[[str | None], WebClient]


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


class DelightInstallationStore(InstallationStore):
    """slack_sdk's installation store interface, bot-only, over ``bot.storage.tokens``.

    ``changed(team_id)`` is called after a workspace's tokens were saved or deleted. Reads
    and writes raise ``sqlite3.Error`` when the file fails: never "not installed".
    """

    def __init__(
        self, tokens: TokenFile, changed: Callable[[str | None], None] | None = None
    ) -> None:
        self.tokens = tokens
        self.changed = changed or (lambda _team_id: None)

    @property
    def logger(self) -> logging.Logger:
        return logger

    def save(self, installation: Installation) -> None:
        if installation.is_enterprise_install or not installation.team_id:
            raise ValueError("org-wide installs are not supported")
        self.save_bot(installation.to_bot())

    def save_bot(self, bot: Bot) -> None:
        self.tokens.put(_row_of(bot))
        self.changed(bot.team_id)

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        if is_enterprise_install or not team_id:
            return None
        return self.find_team_bot(team_id)

    def find_team_bot(self, team_id: str) -> Bot | None:
        """The workspace's bot install, whichever Enterprise Grid org it belongs to."""
        row = self.tokens.get(team_id)
        return None if row is None else _bot_of(row)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if team_id:
            self.tokens.delete(team_id)
        self.changed(team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """The workspace's installation is its bot; a person's (``user_id``) holds nothing
        here, as Delight keeps no user token."""
        if user_id is None:
            self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def is_readable(self) -> bool:
        return self.tokens.is_readable()


def _row_of(bot: Bot) -> BotRow:
    if not bot.bot_token or not bot.team_id or bot.is_enterprise_install:
        raise ValueError("only a workspace's bot install is stored")
    return BotRow(
        team_id=bot.team_id,
        enterprise_id=bot.enterprise_id or None,
        enterprise_name=bot.enterprise_name,
        team_name=bot.team_name,
        app_id=bot.app_id,
        bot_id=bot.bot_id,
        bot_user_id=bot.bot_user_id,
        bot_scopes=",".join(bot.bot_scopes),
        bot_token=bot.bot_token,
        bot_refresh_token=bot.bot_refresh_token,
        bot_token_expires_at=bot.bot_token_expires_at,
        installed_at=bot.installed_at,
    )


def _bot_of(row: BotRow) -> Bot:
    return Bot(
        app_id=row.app_id,
        enterprise_id=row.enterprise_id,
        enterprise_name=row.enterprise_name,
        team_id=row.team_id,
        team_name=row.team_name,
        bot_token=row.bot_token,
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_scopes=row.bot_scopes,
        bot_refresh_token=row.bot_refresh_token,
        bot_token_expires_at=row.bot_token_expires_at,
        installed_at=row.installed_at,
    )


class DelightStateStore(OAuthStateStore):
    """slack_sdk's state store interface over ``bot.storage.tokens``: a state is good for one
    redirect, for ``expiration_seconds`` by ``clock``; expired ones go as new ones come."""

    def __init__(
        self, tokens: TokenFile, clock: Clock, expiration_seconds: int = STATE_SECONDS
    ) -> None:
        self._tokens = tokens
        self._clock = clock
        self._expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self._clock().timestamp()
        self._tokens.add_state(state, now + self._expiration_seconds, now)
        return state

    def consume(self, state: str) -> bool:
        return self._tokens.take_state(state, self._clock().timestamp())


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

    tokens: TokenFile

    @classmethod
    def create(
        cls,
        *,
        path: Path,
        client_id: str,
        client_secret: str,
        redirect_uri: str | None,
        install_path: str,
        redirect_path: str,
        client: WebClient,
        new_client: ClientFactory,
        clock: Clock = system_clock,
    ) -> Installs:
        """Open (or create) the installs file at ``path`` for the app ``client_id``, whose
        install page and redirect are served at ``install_path`` and ``redirect_path``.

        ``client`` (no token) reaches ``SLACK_API_URL`` for ``oauth.v2.access`` and
        ``auth.test``; ``new_client(token)`` builds a workspace's client like it. ``clock``
        times the install states (token expiry is Slack's, in real time).
        """
        tokens = TokenFile(path, client_id)
        auth_tests = AuthTestCache()
        store = DelightInstallationStore(tokens, changed=auth_tests.forget)
        state_store = DelightStateStore(tokens, clock)
        rotator = SerializedTokenRotator(
            client_id=client_id, client_secret=client_secret, client=client, store=store
        )
        oauth_settings = OAuthSettings(
            client_id=client_id,
            client_secret=client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=redirect_uri,
            install_path=install_path,
            redirect_uri_path=redirect_path,
            installation_store=store,
            # Delight has bot tokens only: Bolt reads and refreshes them with find_bot/save_bot.
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
            client_id=client_id,
            client_secret=client_secret,
            token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
            bot_only=True,
            # auth.test once per token, not once per request (see the module's docstring).
            cache_enabled=True,
            client=client,
        )
        authorize.authorize_result_cache = auth_tests
        authorize.token_rotator = rotator
        workspaces = Workspaces(store, rotator, new_client)
        return cls(store, state_store, oauth_settings, authorize, workspaces, tokens)

    def close(self) -> None:
        self.tokens.close()

    def app_options(self) -> dict[str, Any]:
        """Keyword arguments for Bolt's ``App``."""
        return {
            "oauth_settings": self.oauth_settings,
            "installation_store": self.store,
            "authorize": self.authorize,
        }
