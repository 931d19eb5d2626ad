"""Settings from the environment, and keyed pseudonyms."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.domain.pseudonym import Pseudonymizer, key_path_for, load_or_create_key
from bot.settings import Settings, SettingsError

BOT_TOKEN = "xoxb-1111-2222-LEAKMEBOTTOKEN"
SIGNING_SECRET = "0123456789abcdef-signing-LEAKME"
APP_TOKEN = "xapp-1-A111-LEAKMEAPPTOKEN"
PSEUDONYM_KEY = "k" * 32
MINIMAL = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}


def test_minimal_env_uses_defaults() -> None:
    settings = Settings.from_env(MINIMAL)
    assert settings == Settings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=None,
        api_url="https://slack.com/api/",
        db_path=Path("delight.db"),
        port=3000,
        default_tz="UTC",
        pseudonym_key=None,
    )
    assert settings.socket_mode is False


def test_full_env() -> None:
    env = {
        **MINIMAL,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": "http://127.0.0.1:8080/api",
        "DELIGHT_DB": "/var/lib/delight/d.db",
        "PORT": "8080",
        "DELIGHT_TZ": "Europe/Berlin",
        "DELIGHT_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "DELIGHT_POST_RATE": "2.5",
        "DELIGHT_POST_BURST": "5",
        "UNRELATED": "ignored",
    }
    settings = Settings.from_env(env)
    assert settings == Settings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=APP_TOKEN,
        api_url="http://127.0.0.1:8080/api/",
        db_path=Path("/var/lib/delight/d.db"),
        port=8080,
        default_tz="Europe/Berlin",
        pseudonym_key=PSEUDONYM_KEY,
        post_rate=2.5,
        post_burst=5,
    )
    assert settings.socket_mode is True


def test_values_are_stripped_and_blank_means_unset() -> None:
    env = {
        "SLACK_BOT_TOKEN": f"  {BOT_TOKEN}\n",
        "SLACK_SIGNING_SECRET": f"{SIGNING_SECRET} ",
        "SLACK_APP_TOKEN": "   ",
        "PORT": "",
        "DELIGHT_TZ": " ",
    }
    assert Settings.from_env(env) == Settings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://slack.com/api", "https://slack.com/api/"),
        ("https://slack.com/api/", "https://slack.com/api/"),
        ("http://localhost:9000", "http://localhost:9000/"),
    ],
)
def test_api_url_gets_a_trailing_slash(url: str, expected: str) -> None:
    assert Settings.from_env({**MINIMAL, "SLACK_API_URL": url}).api_url == expected


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"SLACK_BOT_TOKEN": None}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-LEAKME"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "XOXB-LEAKME"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": None}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "  "}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-not-an-app-LEAKME"}, "SLACK_APP_TOKEN"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"SLACK_API_URL": "ftp://slack.com/api"}, "SLACK_API_URL"),
        ({"SLACK_API_URL": "https://"}, "SLACK_API_URL"),
        ({"PORT": "abc"}, "PORT"),
        ({"PORT": "0"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "65536"}, "PORT"),
        ({"PORT": "-1"}, "PORT"),
        ({"PORT": "80.5"}, "PORT"),
        ({"DELIGHT_TZ": "Mars/Base"}, "DELIGHT_TZ"),
        ({"DELIGHT_TZ": "../../etc/passwd"}, "DELIGHT_TZ"),
        ({"DELIGHT_PSEUDONYM_KEY": "k" * 31}, "DELIGHT_PSEUDONYM_KEY"),
        ({"DELIGHT_PSEUDONYM_KEY": "short-LEAKME"}, "DELIGHT_PSEUDONYM_KEY"),
        ({"DELIGHT_POST_RATE": "fast"}, "DELIGHT_POST_RATE must be a number from 0.1 to 1000"),
        ({"DELIGHT_POST_RATE": "0"}, "DELIGHT_POST_RATE"),
        ({"DELIGHT_POST_RATE": "nan"}, "DELIGHT_POST_RATE"),
        ({"DELIGHT_POST_RATE": "inf"}, "DELIGHT_POST_RATE"),
        ({"DELIGHT_POST_BURST": "2.5"}, "DELIGHT_POST_BURST must be a whole number from 1"),
        ({"DELIGHT_POST_BURST": "0"}, "DELIGHT_POST_BURST"),
        ({"DELIGHT_POST_BURST": "5000"}, "DELIGHT_POST_BURST"),
    ],
)
def test_bad_setting_raises_error_naming_it(overrides: dict, variable: str) -> None:
    env = {**MINIMAL, **overrides}
    env = {name: value for name, value in env.items() if value is not None}
    with pytest.raises(SettingsError, match=variable) as raised:
        Settings.from_env(env)
    # The message names the variable but never echoes a secret value.
    assert "LEAKME" not in str(raised.value)


@pytest.mark.parametrize("port", ["1", "3000", "65535"])
def test_port_bounds_accepted(port: str) -> None:
    assert Settings.from_env({**MINIMAL, "PORT": port}).port == int(port)


def test_port_with_superscript_digit_names_port() -> None:
    with pytest.raises(SettingsError, match="PORT"):
        Settings.from_env({**MINIMAL, "PORT": "3²"})


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


def test_repr_never_shows_secrets() -> None:
    settings = Settings.from_env(
        {**MINIMAL, "SLACK_APP_TOKEN": APP_TOKEN, "DELIGHT_PSEUDONYM_KEY": PSEUDONYM_KEY}
    )
    for shown in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        for secret in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, PSEUDONYM_KEY, "LEAKME"):
            assert secret not in shown
    assert repr(settings) == (
        "Settings(mode=socket, api_url='https://slack.com/api/', db_path='delight.db', "
        "port=3000, default_tz='UTC')"
    )


def test_repr_in_http_mode() -> None:
    assert repr(Settings.from_env(MINIMAL)).startswith("Settings(mode=http, ")


# Pseudonyms


def test_same_user_same_pseudonym() -> None:
    pseudonym = Pseudonymizer(b"k" * 64)
    assert pseudonym("T1", "U0123ABCD") == pseudonym("T1", "U0123ABCD")
    assert Pseudonymizer(b"k" * 64)("T1", "U0123ABCD") == pseudonym("T1", "U0123ABCD")


def test_pseudonyms_differ_by_user_team_and_key() -> None:
    pseudonym = Pseudonymizer(b"k" * 64)
    values = {
        pseudonym("T1", "U0123ABCD"),
        pseudonym("T1", "U0123ABCE"),
        pseudonym("T2", "U0123ABCD"),
        Pseudonymizer(b"j" * 64)("T1", "U0123ABCD"),
    }
    assert len(values) == 4


def test_pseudonym_hides_the_user_id() -> None:
    pseudonym = Pseudonymizer(b"k" * 64)("T0TEAM", "U0123ABCD")
    assert len(pseudonym) == 32
    assert all(c in "0123456789abcdef" for c in pseudonym)
    for part in ("U0123ABCD", "u0123abcd", "0123ABCD".lower(), "T0TEAM"):
        assert part not in pseudonym


def test_pseudonymizer_repr_hides_key() -> None:
    assert repr(Pseudonymizer(b"supersecretkey" * 4)) == "Pseudonymizer(<key hidden>)"


def test_key_file_created_private_and_reused(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "d.db"
    key = load_or_create_key(db_path)
    path = key_path_for(db_path)
    assert path == tmp_path / "data" / "d.db.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(key) == 64
    assert path.read_text(encoding="ascii") == key.decode("ascii") + "\n"
    assert load_or_create_key(db_path) == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert Pseudonymizer(load_or_create_key(db_path))("T1", "U1") == Pseudonymizer(key)("T1", "U1")


def test_key_files_differ_per_database(tmp_path: Path) -> None:
    assert load_or_create_key(tmp_path / "a.db") != load_or_create_key(tmp_path / "b.db")


def test_damaged_key_file_is_refused(tmp_path: Path) -> None:
    db_path = tmp_path / "d.db"
    key_path_for(db_path).write_text("short\n", encoding="ascii")
    with pytest.raises(ValueError, match="damaged"):
        load_or_create_key(db_path)


# Multi-workspace installs (OAuth)

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "abcdef0123456789-client-LEAKME"
OAUTH = {
    "SLACK_CLIENT_ID": CLIENT_ID,
    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
}


def test_client_id_and_secret_mean_multi_workspace_mode_without_a_bot_token() -> None:
    settings = Settings.from_env(OAUTH)
    assert settings == Settings(
        bot_token=None,
        signing_secret=SIGNING_SECRET,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    assert settings.oauth is True and settings.socket_mode is False
    assert Settings.from_env(MINIMAL).oauth is False


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://delight.example.com/slack/oauth_redirect",
        "https://example.com/delight/slack/oauth_redirect",  # behind a path-prefixing proxy
        "http://localhost:3000/slack/oauth_redirect",
    ],
)
def test_redirect_uri_accepted(redirect_uri: str) -> None:
    env = {**OAUTH, "SLACK_REDIRECT_URI": f" {redirect_uri} "}
    assert Settings.from_env(env).redirect_uri == redirect_uri


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({**OAUTH, "SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_BOT_TOKEN"),
        ({**OAUTH, "SLACK_CLIENT_SECRET": " "}, "SLACK_CLIENT_SECRET"),
        ({**MINIMAL, "SLACK_CLIENT_SECRET": CLIENT_SECRET}, "SLACK_CLIENT_ID"),
        ({**MINIMAL, "SLACK_CLIENT_ID": CLIENT_ID}, "SLACK_CLIENT_SECRET"),
        ({**OAUTH, "SLACK_CLIENT_ID": "LEAKME-secret-pasted-as-id"}, "SLACK_CLIENT_ID"),
        ({**OAUTH, "SLACK_APP_TOKEN": APP_TOKEN}, "SLACK_APP_TOKEN"),
        ({**OAUTH, "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
        ({**MINIMAL, "SLACK_REDIRECT_URI": "https://x.test/slack/oauth_redirect"}, "REDIRECT"),
        ({**OAUTH, "SLACK_REDIRECT_URI": "http://delight.test/slack/oauth_redirect"}, "REDIRECT"),
        ({**OAUTH, "SLACK_REDIRECT_URI": "https://delight.test/oauth"}, "SLACK_REDIRECT_URI"),
        ({**OAUTH, "SLACK_REDIRECT_URI": "https:///slack/oauth_redirect"}, "REDIRECT_URI"),
        ({**OAUTH, "SLACK_REDIRECT_URI": "https://d.test/slack/oauth_redirect?x=1"}, "REDIRECT"),
    ],
)
def test_bad_oauth_setting_raises_error_naming_it(env: dict, variable: str) -> None:
    with pytest.raises(SettingsError, match=variable) as raised:
        Settings.from_env(env)
    assert "LEAKME" not in str(raised.value)


def test_neither_bot_token_nor_client_says_how_to_set_either() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"SLACK_SIGNING_SECRET": SIGNING_SECRET})
    message = str(raised.value)
    assert "SLACK_BOT_TOKEN" in message and "SLACK_CLIENT_ID" in message


def test_repr_in_oauth_mode_never_shows_the_client_secret() -> None:
    settings = Settings.from_env(
        {**OAUTH, "SLACK_REDIRECT_URI": "https://d.test/slack/oauth_redirect"}
    )
    assert CLIENT_SECRET not in repr(settings) and "LEAKME" not in str(settings)
    assert repr(settings) == (
        "Settings(mode=http, installs=oauth, api_url='https://slack.com/api/', "
        "db_path='delight.db', port=3000, default_tz='UTC')"
    )
