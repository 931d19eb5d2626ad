"""Settings, read once from the environment into a frozen object.

Only the entry point reads ``os.environ``; everything else is handed a ``Settings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from schedules.rules import RuleError, parse_tz

DEFAULT_API_URL = "https://slack.com/api/"


class SettingsError(ValueError):
    """A required setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    signing_secret: str
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    db_path: Path = Path("delight.db")
    port: int = 3000
    default_tz: str = "UTC"
    pseudonym_key: str | None = None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    def __repr__(self) -> str:
        # Never let a token or secret reach a log line through repr().
        return (
            f"Settings(mode={'socket' if self.socket_mode else 'http'}, api_url={self.api_url!r}, "
            f"db_path={str(self.db_path)!r}, port={self.port}, default_tz={self.default_tz!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read settings from the environment; raise ``SettingsError`` naming a bad one."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token is None:
            raise SettingsError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
        if not bot_token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        signing_secret = get("SLACK_SIGNING_SECRET")
        if signing_secret is None:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set (Basic Information > Signing Secret)"
            )
        app_token = get("SLACK_APP_TOKEN")
        if app_token is not None and not app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_url=_api_url(get("SLACK_API_URL") or DEFAULT_API_URL),
            db_path=Path(get("DELIGHT_DB") or "delight.db"),
            port=_port(get("PORT") or "3000"),
            default_tz=_timezone(get("DELIGHT_TZ") or "UTC"),
            pseudonym_key=_pseudonym_key(get("DELIGHT_PSEUDONYM_KEY")),
        )


def _api_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {value!r}")
    return value if value.endswith("/") else value + "/"


def _port(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 65536:
        raise SettingsError(f"PORT must be a number from 1 to 65535, got {value!r}")
    return int(value)


def _timezone(value: str) -> str:
    try:
        parse_tz(value)
    except RuleError:
        raise SettingsError(
            f"DELIGHT_TZ must be an IANA timezone such as Europe/Berlin, got {value!r}"
        ) from None
    return value


def _pseudonym_key(value: str | None) -> str | None:
    if value is not None and len(value) < 32:
        raise SettingsError("DELIGHT_PSEUDONYM_KEY must be at least 32 characters long")
    return value
