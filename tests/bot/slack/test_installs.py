"""Delight's installation and state stores through slack_sdk's public interfaces, as Bolt
and slack_sdk call them (bot/slack/installs.py over bot/storage/tokens.py, on a real file)."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.slack.installs import STATE_SECONDS, DelightInstallationStore, DelightStateStore
from bot.storage.tokens import TokenFile
from tests.conftest import FakeClock


@pytest.fixture
def tokens(tmp_path: Path) -> Iterator[TokenFile]:
    file = TokenFile(tmp_path / "delight.db.installs.db", "111.222")
    yield file
    file.close()


def installation(team_id: str | None = "T0TEAM", **fields: object) -> Installation:
    values: dict = {
        "app_id": "A0APP",
        "team_id": team_id,
        "bot_token": f"xoxb-{team_id}-1",
        "bot_id": "B0BOT",
        "bot_user_id": "U0BOT",
        "bot_scopes": "commands,chat:write",
        "user_id": "U0INSTALLER",
    }
    values.update(fields)
    return Installation(**values)


def test_the_file_is_private_from_its_first_byte(tokens: TokenFile) -> None:
    assert stat.S_IMODE(tokens.path.stat().st_mode) == 0o600


def test_a_saved_install_is_found_by_its_workspace_in_any_org(tokens: TokenFile) -> None:
    changed: list[str | None] = []
    store = DelightInstallationStore(tokens, changed=changed.append)
    store.save(installation("T2GRID", enterprise_id="E0ORG", enterprise_name="Org"))
    bot = store.find_bot(enterprise_id="E0ORG", team_id="T2GRID")
    assert bot.bot_token == "xoxb-T2GRID-1" and bot.bot_scopes == ["commands", "chat:write"]
    assert bot.enterprise_id == "E0ORG" and bot.enterprise_name == "Org"
    assert store.find_team_bot("T2GRID").to_dict() == bot.to_dict()
    assert store.find_bot(enterprise_id=None, team_id="T0NONE") is None
    assert changed == ["T2GRID"]


def test_delight_keeps_no_person_s_installation(tokens: TokenFile) -> None:
    store = DelightInstallationStore(tokens)
    store.save(installation())
    # Bot-only: Bolt's authorize reads find_bot, and knows this answer means "use it".
    with pytest.raises(NotImplementedError):
        store.find_installation(enterprise_id=None, team_id="T0TEAM")
    # A person's installation (Bolt's tokens_revoked for user tokens) holds nothing here.
    store.delete_installation(enterprise_id=None, team_id="T0TEAM", user_id="U0INSTALLER")
    assert store.find_team_bot("T0TEAM") is not None
    store.delete_installation(enterprise_id=None, team_id="T0TEAM")
    assert store.find_team_bot("T0TEAM") is None


@pytest.mark.parametrize(
    "unsupported",
    [
        installation(None, enterprise_id="E0ORG", is_enterprise_install=True),  # org-wide
        installation(bot_token=None),  # a person's token only
    ],
    ids=["org-wide", "no-bot-token"],
)
def test_an_install_delight_can_t_serve_is_refused(
    tokens: TokenFile, unsupported: Installation
) -> None:
    store = DelightInstallationStore(tokens)
    with pytest.raises(ValueError):
        store.save(unsupported)
    assert tokens.get("T0TEAM") is None
    assert store.find_bot(enterprise_id="E0ORG", team_id=None, is_enterprise_install=True) is None


def test_uninstalling_one_workspace_leaves_the_others(tokens: TokenFile) -> None:
    changed: list[str | None] = []
    store = DelightInstallationStore(tokens, changed=changed.append)
    store.save(installation("T0TEAM"))
    store.save(installation("T1OTHER"))
    store.delete_all(enterprise_id=None, team_id="T0TEAM")
    assert store.find_team_bot("T0TEAM") is None
    assert store.find_team_bot("T1OTHER").bot_token == "xoxb-T1OTHER-1"
    assert changed == ["T0TEAM", "T1OTHER", "T0TEAM"]


def test_a_state_is_good_once_and_for_ten_minutes(tokens: TokenFile) -> None:
    clock = FakeClock(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    states = DelightStateStore(tokens, clock)
    first, second, late = states.issue(), states.issue(), states.issue()
    assert len({first, second, late}) == 3 and min(map(len, (first, second, late))) >= 32
    assert states.consume(first) and not states.consume(first)
    assert not states.consume("forged")
    clock.now += timedelta(seconds=STATE_SECONDS - 1)
    assert states.consume(second)
    clock.now += timedelta(seconds=1)
    assert not states.consume(late)
