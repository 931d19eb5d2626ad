"""Settings, read once from the environment into a frozen object.

Only the entry point reads ``os.environ``; everything else is handed a ``Settings``.

Two ways to run: one workspace with a bot token (``SLACK_BOT_TOKEN``), or any number of
workspaces that install Delight through Slack's OAuth flow (``SLACK_CLIENT_ID`` and
``SLACK_CLIENT_SECRET``). Setting both is refused rather than resolved by a precedence rule:
one of them would be silently ignored (Bolt drops the token with a warning), and a leftover
token from single-workspace days is a secret nobody meant to keep using.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bot.domain import i18n
from bot.domain.pacing import DEFAULT_BURST, DEFAULT_RATE
from bot.domain.schedule import RuleError, parse_tz

# Where the HTTP edge serves the OAuth install flow (multi-workspace installs).
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

DEFAULT_API_URL = "https://slack.com/api/"
# Slack's client ids look like 1234567890.1234567890 (Basic Information > App Credentials).
_CLIENT_ID = re.compile(r"[0-9]+\.[0-9]+")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class SettingsError(ValueError):
    """A required setting is missing or malformed; the message names it."""


# Where each secret comes from, for a value still holding .env.example's placeholder.
_PLACEHOLDER_HINTS = {
    "SLACK_BOT_TOKEN": "paste the Bot User OAuth Token (OAuth & Permissions)",
    "SLACK_SIGNING_SECRET": "paste the Signing Secret (Basic Information > App Credentials)",
    "SLACK_APP_TOKEN": "paste an app-level token with connections:write (Basic Information > "
    "App-Level Tokens), or remove the line for HTTP mode",
    "SLACK_CLIENT_ID": "paste the Client ID (Basic Information > App Credentials)",
    "SLACK_CLIENT_SECRET": "paste the Client Secret (Basic Information > App Credentials)",
    "DELIGHT_PSEUDONYM_KEY": "set 32 or more random characters, or remove the line",
}
_PLACEHOLDERS = ("your-", "1234567890.1234567890")


def _refuse_placeholders(env: Mapping[str, str]) -> None:
    for name, hint in _PLACEHOLDER_HINTS.items():
        value = env.get(name, "").strip().lower()
        if any(placeholder in value for placeholder in _PLACEHOLDERS):
            raise SettingsError(f"{name} still holds the example value of .env.example: {hint}")


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    db_path: Path = Path("delight.db")
    port: int = 3000
    default_tz: str = "UTC"
    # The language of channels that chose none, and of the Home tab (bot.domain.i18n).
    language: str = "en"
    pseudonym_key: str | None = None
    # Multi-workspace installs (OAuth); all None with a single bot token.
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    # Delight's own pace for posting in one workspace (chat.postMessage): steady posts per
    # second, and how many may go at once before that. Slack publishes about one per second
    # per channel and an unstated workspace limit above that; 429s remain the backstop.
    post_rate: float = DEFAULT_RATE
    post_burst: int = DEFAULT_BURST
    # Where people reach Delight's web server (behind the operator's proxy), for the
    # channels' webhook URLs; None: /delight webhook shows the path alone.
    public_url: str | None = None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def oauth(self) -> bool:
        """True when workspaces install Delight through OAuth instead of one bot token."""
        return self.client_id is not None

    def __repr__(self) -> str:
        # Never let a token or secret reach a log line through repr().
        mode = "socket" if self.socket_mode else "http"
        installs = ", installs=oauth" if self.oauth else ""
        return (
            f"Settings(mode={mode}{installs}, api_url={self.api_url!r}, "
            f"db_path={str(self.db_path)!r}, port={self.port}, default_tz={self.default_tz!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read settings from the environment; raise ``SettingsError`` naming a bad one."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        _refuse_placeholders(env)
        client_id, client_secret = _client_credentials(
            get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
        )
        bot_token = get("SLACK_BOT_TOKEN")
        if client_id is not None and bot_token is not None:
            raise SettingsError(
                "SLACK_BOT_TOKEN must not be set together with SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET: use a bot token for one workspace, or the client id "
                "and secret for multi-workspace installs, not both"
            )
        if client_id is None and bot_token is None:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set (the bot token, xoxb-...; or set SLACK_CLIENT_ID "
                "and SLACK_CLIENT_SECRET for multi-workspace installs)"
            )
        if bot_token is not None and not bot_token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        signing_secret = get("SLACK_SIGNING_SECRET")
        if signing_secret is None:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set (Basic Information > Signing Secret)"
            )
        app_token = get("SLACK_APP_TOKEN")
        if app_token is not None and not app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        if app_token is not None and client_id is not None:
            raise SettingsError(
                "SLACK_APP_TOKEN must not be set for multi-workspace installs: Socket Mode "
                "serves no web pages, and installing needs /slack/install over HTTPS"
            )
        redirect_uri = get("SLACK_REDIRECT_URI")
        if redirect_uri is not None:
            if client_id is None:
                raise SettingsError(
                    "SLACK_REDIRECT_URI is only used for multi-workspace installs "
                    "(with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)"
                )
            _redirect_uri(redirect_uri)
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_url=_api_url(get("SLACK_API_URL") or DEFAULT_API_URL),
            db_path=Path(get("DELIGHT_DB") or "delight.db"),
            port=_port(get("PORT") or "3000"),
            default_tz=_timezone(get("DELIGHT_TZ") or "UTC"),
            language=_language(get("DELIGHT_LANGUAGE") or "en"),
            pseudonym_key=_pseudonym_key(get("DELIGHT_PSEUDONYM_KEY")),
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            post_rate=_number(
                "DELIGHT_POST_RATE", get("DELIGHT_POST_RATE"), DEFAULT_RATE, 0.1, 1000
            ),
            public_url=_public_url(get("DELIGHT_PUBLIC_URL")),
            post_burst=int(
                _number(
                    "DELIGHT_POST_BURST", get("DELIGHT_POST_BURST"), DEFAULT_BURST, 1, 1000, True
                )
            ),
        )


def _client_credentials(
    client_id: str | None, client_secret: str | None
) -> tuple[str | None, str | None]:
    """Both or neither: one without the other is a half-configured OAuth app."""
    if client_id is None and client_secret is None:
        return None, None
    if client_secret is None:
        raise SettingsError(
            "SLACK_CLIENT_SECRET is not set: multi-workspace installs need both "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (Basic Information > App Credentials)"
        )
    if client_id is None:
        raise SettingsError(
            "SLACK_CLIENT_ID is not set: multi-workspace installs need both "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (Basic Information > App Credentials)"
        )
    if not _CLIENT_ID.fullmatch(client_id):
        # Not echoed: a swapped id and secret would put the secret in the message.
        raise SettingsError(
            "SLACK_CLIENT_ID must look like 1234567890.1234567890 (Basic Information > "
            "App Credentials > Client ID)"
        )
    return client_id, client_secret


def _redirect_uri(value: str) -> None:
    parsed = urlparse(value)
    local = parsed.scheme == "http" and parsed.hostname in _LOCAL_HOSTS
    if not (parsed.scheme == "https" or local) or not parsed.netloc:
        raise SettingsError(
            f"SLACK_REDIRECT_URI must be an https URL (http only for localhost), got {value!r}"
        )
    if not parsed.path.endswith(REDIRECT_PATH) or parsed.query or parsed.fragment:
        raise SettingsError(
            f"SLACK_REDIRECT_URI must end with {REDIRECT_PATH}, the path Delight completes "
            f"installs on, got {value!r}"
        )


def _public_url(value: str | None) -> str | None:
    if value is None:
        return None
    parsed = urlparse(value)
    local = parsed.scheme == "http" and parsed.hostname in _LOCAL_HOSTS
    if not (parsed.scheme == "https" or local) or not parsed.netloc or parsed.query:
        raise SettingsError(
            "DELIGHT_PUBLIC_URL must be the https URL that reaches Delight, like "
            f"https://delight.example.com (http only for localhost), got {value!r}"
        )
    return value.rstrip("/")


def _api_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {value!r}")
    return value if value.endswith("/") else value + "/"


def _port(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 65536:
        raise SettingsError(f"PORT must be a number from 1 to 65535, got {value!r}")
    return int(value)


def _number(
    name: str, value: str | None, default: float, low: float, high: float, whole: bool = False
) -> float:
    if value is None:
        return default
    kind = "a whole number" if whole else "a number"
    problem = SettingsError(f"{name} must be {kind} from {low:g} to {high:g}, got {value!r}")
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        raise problem from None
    if not low <= number <= high:
        raise problem
    return number


def _timezone(value: str) -> str:
    try:
        parse_tz(value)
    except RuleError:
        raise SettingsError(
            f"DELIGHT_TZ must be an IANA timezone such as Europe/Berlin, got {value!r}"
        ) from None
    return value


def _language(value: str) -> str:
    code = i18n.parse_code(value)
    if code is None:
        raise SettingsError(
            f"DELIGHT_LANGUAGE must be one of {', '.join(i18n.LANGUAGES)}, got {value!r}"
        )
    return code


def _pseudonym_key(value: str | None) -> str | None:
    if value is not None and len(value) < 32:
        raise SettingsError("DELIGHT_PSEUDONYM_KEY must be at least 32 characters long")
    return value
