"""The Slack app manifest and the Dockerfile agree with the code they describe."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.slack import ids
from bot.transport import http as web

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "manifest.yml"
DOCKERFILE = ROOT / "Dockerfile"
# Slack's published JSON Schema for app manifests, copied here with its licence (MIT) so the
# check runs in every clone.
SCHEMA = Path(__file__).resolve().parent / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_manifest_matches_slack_schema(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # The schema declares its draft in "$schema" (draft-07); use that draft's validator.
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(manifest), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


def test_manifest_background_color_is_a_hex_colour(manifest: dict[str, Any]) -> None:
    # The schema spells this check "regex", which JSON Schema ignores, so check it here.
    assert re.fullmatch(
        r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", manifest["display_information"]["background_color"]
    )


def test_manifest_slash_command_is_the_one_the_app_listens_to(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [command["command"] for command in commands] == [ids.COMMAND]


def test_manifest_shortcuts_are_the_ones_the_app_listens_to(manifest: dict[str, Any]) -> None:
    shortcuts = {s["callback_id"]: s["type"] for s in manifest["features"]["shortcuts"]}
    assert shortcuts == {ids.MESSAGE_SHORTCUT: "message", ids.GLOBAL_SHORTCUT: "global"}


def test_manifest_escapes_command_text(manifest: dict[str, Any]) -> None:
    # /delight thanks needs the channel's id: <#C123|name> (bot.domain.command_text.parse_thanks).
    (command,) = manifest["features"]["slash_commands"]
    assert command["should_escape"] is True


def test_manifest_asks_only_for_the_scopes_the_app_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes["bot"]) == {"commands", "chat:write", "channels:read", "groups:read"}
    assert len(scopes["bot"]) == 4
    assert not scopes.get("user")


def test_manifest_urls_point_at_the_events_path(manifest: dict[str, Any]) -> None:
    (command,) = manifest["features"]["slash_commands"]
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert command["url"].endswith(web.EVENTS_PATH)
    assert interactivity["request_url"].endswith(web.EVENTS_PATH)
    assert manifest["settings"]["event_subscriptions"]["request_url"].endswith(web.EVENTS_PATH)


def test_manifest_subscribes_to_the_events_the_app_listens_to(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == {"app_home_opened", "app_uninstalled", "tokens_revoked"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def _dockerfile_args(instruction: str) -> list[str]:
    """The arguments of every ``instruction`` in the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        keyword, _, rest = line.strip().partition(" ")
        if keyword.upper() == instruction:
            found.append(rest.strip())
    return found


def test_dockerfile_healthcheck_asks_readyz_in_both_modes() -> None:
    healthchecks = _dockerfile_args("HEALTHCHECK")
    assert len(healthchecks) == 1
    assert web.READY_PATH in healthchecks[0]
    assert "SLACK_APP_TOKEN" not in healthchecks[0]  # no mode passes it unasked


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = _dockerfile_args("USER")
    assert users, "the Dockerfile never switches away from root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
