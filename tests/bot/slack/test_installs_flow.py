"""Multi-workspace mode: installing through OAuth, a token per workspace, token rotation,
and workspaces that never see each other's numbers.

Installs go through the real pages (``/slack/install``, then ``/slack/oauth_redirect`` with
the state and its cookie, as a browser coming back from Slack would) and the fake's
``oauth.v2.access``; requests from a second workspace are the same signed requests with
another team id.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import sqlite3
import stat
import threading
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.domain.due import DueKind
from bot.ops import check
from bot.slack.installs import BOT_SCOPES, STATE_SECONDS, AuthTestCache
from bot.storage.tokens import TokenFile, installs_path_for
from tests.conftest import OAUTH, Running, eventually, make_settings, poll_in, serve
from tests.fake_slack import CLIENT_ID, CLIENT_SECRET, TEAM_ID, FakeSlack
from tests.slack_requests import Reply, SlackSender

OTHER = "T1OTHER"
CHANNEL = "C0TEAM"  # the same channel id in both workspaces: only the team id tells them apart
STATE_COOKIE = "slack-app-oauth-state"


@dataclass
class Page:
    status: int
    body: str
    headers: Message


def get(running: Running, path: str, cookie: str | None = None, method: str = "GET") -> Page:
    request = urllib.request.Request(
        running.base_url + path, method=method, headers={"Cookie": cookie} if cookie else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Page(response.status, response.read().decode(), response.headers)
    except urllib.error.HTTPError as error:
        return Page(error.code, error.read().decode(), error.headers)


def add_to_slack_link(page: Page) -> dict[str, list[str]]:
    """The query of the page's "Add to Slack" link, which goes to Slack's authorize page."""
    match = re.search(r'<a href="([^"]+)"><img alt="Add to Slack"', page.body)
    assert match, page.body
    url = urlsplit(html.unescape(match.group(1)))
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://slack.com/oauth/v2/authorize"
    return parse_qs(url.query, keep_blank_values=True)


def start_install(running: Running) -> tuple[str, str]:
    """Open the install page as a browser does: the state in the link, and its cookie."""
    page = get(running, "/slack/install")
    assert page.status == 200
    state = add_to_slack_link(page)["state"][0]
    cookie = page.headers["Set-Cookie"].split(";")[0]
    assert cookie == f"{STATE_COOKIE}={state}"
    return state, cookie


def install(running: Running, team_id: str, **workspace: Any) -> str:
    """Install Delight in ``team_id`` through the pages and the fake's oauth.v2.access."""
    state, cookie = start_install(running)
    code = running.slack.oauth_code(team_id, **workspace)
    page = get(running, f"/slack/oauth_redirect?code={code}&state={state}", cookie)
    assert page.status == 200, page.body
    assert "Thank you!" in page.body
    return running.slack.tokens_of(team_id)[-1]


class TeamSender(SlackSender):
    """Sends what ``sender`` would, as another workspace (optionally in a Grid org)."""

    def __init__(self, sender: SlackSender, team_id: str, enterprise_id: str | None = None):
        super().__init__(sender.url, sender.secret, sender.response_url)
        self.team_id = team_id
        self.enterprise_id = enterprise_id

    def post(self, body: bytes, content_type: str, **kwargs: Any) -> Reply:
        body = body.replace(TEAM_ID.encode(), self.team_id.encode())
        if self.enterprise_id:
            if content_type == "application/json":
                body = json.dumps({**json.loads(body), "enterprise_id": self.enterprise_id})
                body = body.encode()
            elif b"command=" in body:
                body += f"&enterprise_id={self.enterprise_id}".encode()
        return super().post(body, content_type, **kwargs)


def posts_by_token(running: Running) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for call in running.slack.calls_to("chat.postMessage"):
        found.setdefault(str(call.token), []).append(call.params)
    return found


def rows(running: Running, sql: str) -> list[tuple]:
    path = installs_path_for(running.runtime.settings.db_path)
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def on_disk(running: Running) -> bytes:
    """The installs file's bytes, with its write-ahead log's."""
    path = installs_path_for(running.runtime.settings.db_path)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def refreshes(running: Running) -> list[dict]:
    return [
        call.params
        for call in running.slack.calls_to("oauth.v2.access")
        if call.params.get("grant_type") == "refresh_token"
    ]


# The install pages


def test_install_page_links_to_slack_with_our_client_id_scopes_and_a_state(
    oauth_running: Running,
) -> None:
    page = get(oauth_running, "/slack/install")
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    link = add_to_slack_link(page)
    assert link["client_id"] == [CLIENT_ID]
    assert link["scope"] == [",".join(BOT_SCOPES)]
    assert link["user_scope"] == [""]  # Delight never asks for a person's token
    (state,) = link["state"]
    assert len(state) >= 32
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith(f"{STATE_COOKIE}={state};")
    assert "HttpOnly" in cookie and "Secure" in cookie
    # Each visit gets its own state.
    assert add_to_slack_link(get(oauth_running, "/slack/install"))["state"] != [state]
    # Nothing was asked of Slack yet.
    assert oauth_running.slack.calls == []


def test_install_page_can_preselect_a_workspace_but_only_by_its_id(oauth_running: Running) -> None:
    page = get(oauth_running, "/slack/install?team=T0TEAM")
    assert add_to_slack_link(page)["team"] == ["T0TEAM"]
    bad = get(oauth_running, "/slack/install?team=T0%26redirect_uri%3Dhttps://evil.test")
    assert bad.status == 400


def test_redirect_with_a_valid_state_installs_the_workspace(oauth_running: Running) -> None:
    token = install(oauth_running, TEAM_ID)
    slack = oauth_running.slack
    (exchange,) = slack.calls_to("oauth.v2.access")
    assert exchange.params["code"].startswith("code-T0TEAM-")
    assert exchange.params["client_id"] == CLIENT_ID
    assert exchange.params["client_secret"] == CLIENT_SECRET
    assert [call.token for call in slack.calls_to("auth.test")] == [token]
    bot = oauth_running.runtime.installs.store.find_team_bot(TEAM_ID)
    assert bot.bot_token == token and bot.bot_scopes == list(BOT_SCOPES)
    # The tokens live in their own private file beside the database, never in the database.
    db_path = oauth_running.runtime.settings.db_path
    installs = installs_path_for(db_path)
    assert installs == db_path.with_name("delight.db.installs.db")
    assert stat.S_IMODE(os.stat(installs).st_mode) == 0o600
    assert rows(oauth_running, "PRAGMA journal_mode") == [("wal",)]
    # The app works there now, with that workspace's token.
    assert oauth_running.sender.command("poll").status == 200
    (post,) = slack.wait_for("chat.postMessage")
    assert post.token == token
    for numbers in (db_path, db_path.with_name("delight.db-wal")):
        assert not numbers.exists() or token.encode() not in numbers.read_bytes()


def _no_cookie(state: str, code: str) -> tuple[str, str | None]:
    return f"?code={code}&state={state}", None


def _no_state(state: str, code: str) -> tuple[str, str | None]:
    return f"?code={code}", f"{STATE_COOKIE}={state}"


def _forged_state(state: str, code: str) -> tuple[str, str | None]:
    return f"?code={code}&state=forged", f"{STATE_COOKIE}=forged"


def _other_browser(state: str, code: str) -> tuple[str, str | None]:
    return f"?code={code}&state={state}", f"{STATE_COOKIE}=someone-elses"


def _no_code(state: str, code: str) -> tuple[str, str | None]:
    return f"?state={state}", f"{STATE_COOKIE}={state}"


def _bad_code(state: str, code: str) -> tuple[str, str | None]:
    return f"?code=not-a-code&state={state}", f"{STATE_COOKIE}={state}"


@pytest.mark.parametrize(
    ("request_for", "status", "reason"),
    [
        (_no_cookie, 400, "invalid_browser"),
        (_no_state, 400, "invalid_browser"),
        (_other_browser, 400, "invalid_browser"),
        (_forged_state, 401, "invalid_state"),
        (_no_code, 401, "missing_code"),
        (_bad_code, 401, "invalid_code"),
    ],
)
def test_redirect_that_is_not_a_valid_install_gets_a_failure_page(
    oauth_running: Running, request_for, status: int, reason: str
) -> None:
    state, _ = start_install(oauth_running)
    query, cookie = request_for(state, oauth_running.slack.oauth_code(TEAM_ID))
    page = get(oauth_running, f"/slack/oauth_redirect{query}", cookie)
    assert page.status == status
    assert "Something Went Wrong" in page.body and reason in page.body
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert oauth_running.runtime.installs.store.find_team_bot(TEAM_ID) is None
    if reason != "invalid_code":  # only a valid state and a code reach Slack
        assert oauth_running.slack.calls_to("oauth.v2.access") == []


def test_a_state_installs_once(oauth_running: Running) -> None:
    state, cookie = start_install(oauth_running)
    first = oauth_running.slack.oauth_code(TEAM_ID)
    page = get(oauth_running, f"/slack/oauth_redirect?code={first}&state={state}", cookie)
    assert page.status == 200
    second = oauth_running.slack.oauth_code(OTHER)
    page = get(oauth_running, f"/slack/oauth_redirect?code={second}&state={state}", cookie)
    assert page.status == 401 and "invalid_state" in page.body
    assert oauth_running.runtime.installs.store.find_team_bot(OTHER) is None


def test_cancelled_install_says_so(oauth_running: Running) -> None:
    page = get(oauth_running, "/slack/oauth_redirect?error=access_denied&state=x")
    assert "Something Went Wrong" in page.body and "access_denied" in page.body
    assert page.status < 500


def test_install_that_fails_on_our_side_gets_a_short_500_page(
    oauth_running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_disk(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(oauth_running.runtime.installs.store, "save", broken_disk)
    state, cookie = start_install(oauth_running)
    code = oauth_running.slack.oauth_code(TEAM_ID)
    page = get(oauth_running, f"/slack/oauth_redirect?code={code}&state={state}", cookie)
    assert page.status == 500
    assert page.body == "Installing Delight failed on our side. Please try again in a moment."
    assert "the /slack/oauth_redirect page failed" in caplog.text


def test_an_install_link_is_good_for_ten_minutes_and_expired_ones_are_dropped(
    oauth_running: Running,
) -> None:
    running = oauth_running
    old, old_cookie = start_install(running)
    for _ in range(3):  # abandoned installs
        start_install(running)
    running.clock.now += timedelta(seconds=STATE_SECONDS)
    code = running.slack.oauth_code(TEAM_ID)
    page = get(running, f"/slack/oauth_redirect?code={code}&state={old}", old_cookie)
    assert page.status == 401 and "invalid_state" in page.body
    assert running.slack.calls_to("oauth.v2.access") == []
    # The next visit's state is the only one left, and it installs.
    state, cookie = start_install(running)
    assert rows(running, "SELECT state FROM states") == [(state,)]
    page = get(running, f"/slack/oauth_redirect?code={code}&state={state}", cookie)
    assert page.status == 200
    assert rows(running, "SELECT COUNT(*) FROM states") == [(0,)]


def test_not_ready_while_the_installs_file_is_gone(oauth_running: Running) -> None:
    token = install(oauth_running, TEAM_ID)
    assert get(oauth_running, "/readyz").status == 200
    path = installs_path_for(oauth_running.runtime.settings.db_path)
    away = path.rename(path.with_name("moved-away.db"))  # an operator's slip, a lost volume
    page = get(oauth_running, "/readyz")
    assert page.status == 503 and "the installations database can't be read" in page.body
    away.rename(path)
    assert get(oauth_running, "/readyz").body == "ready"
    assert oauth_running.runtime.installs.workspaces.client_for(TEAM_ID).token == token


def test_install_pages_take_only_get(oauth_running: Running) -> None:
    assert get(oauth_running, "/slack/install", method="POST").status == 405
    assert get(oauth_running, "/slack/oauth_redirect", method="POST").status == 405


def test_single_workspace_mode_has_no_install_pages(running: Running) -> None:
    assert get(running, "/slack/install").status == 404
    assert get(running, "/slack/oauth_redirect?code=x&state=y").status == 404
    assert running.runtime.installs is None
    assert not installs_path_for(running.runtime.settings.db_path).exists()


def test_reinstalling_keeps_one_install_with_the_new_token(oauth_running: Running) -> None:
    first = install(oauth_running, TEAM_ID)
    token = install(oauth_running, TEAM_ID)
    assert rows(oauth_running, "SELECT team_id, bot_token FROM bots") == [(TEAM_ID, token)]
    assert oauth_running.runtime.installs.workspaces.client_for(TEAM_ID).token == token
    # The replaced token is overwritten, in the file and in its write-ahead log.
    assert first.encode() not in on_disk(oauth_running)


def legacy_install(slack: FakeSlack, store: SQLite3InstallationStore, code: str) -> None:
    """An install as Delight's earlier releases saved it: Bolt's Installation, through
    slack_sdk's own SQLite store."""
    api = WebClient(base_url=slack.api_url)
    grant = api.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
    bot = api.auth_test(token=grant["access_token"])
    store.save(
        Installation(
            app_id=grant["app_id"],
            team_id=grant["team"]["id"],
            team_name=grant["team"]["name"],
            bot_token=grant["access_token"],
            bot_id=bot["bot_id"],
            bot_user_id=grant["bot_user_id"],
            bot_scopes=grant["scope"],
            bot_refresh_token=grant.get("refresh_token"),
            bot_token_expires_in=grant.get("expires_in"),
            user_id=grant["authed_user"]["id"],
        )
    )


def test_installs_made_by_an_earlier_release_keep_working_after_the_upgrade(
    slack: FakeSlack, clock, tmp_path: Path
) -> None:
    db_path = tmp_path / "delight.db"
    path = installs_path_for(db_path)
    path.touch(mode=0o600)  # as the earlier release made it
    legacy = SQLite3InstallationStore(database=str(path), client_id=CLIENT_ID)
    legacy_install(slack, legacy, slack.oauth_code(OTHER))
    legacy_install(slack, legacy, slack.oauth_code(TEAM_ID, rotating=True, expires_in=60))
    # A refresh appended a row, as slack_sdk's store does on every save.
    rotator = TokenRotator(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client=WebClient(base_url=slack.api_url)
    )
    first = legacy.find_bot(enterprise_id=None, team_id=TEAM_ID)
    legacy.save_bot(rotator.perform_bot_token_rotation(bot=first))
    spent, token = slack.tokens_of(TEAM_ID)
    slack.retire(spent)
    before = path.read_bytes()
    assert installs_check(slack, db_path) == (
        f"installs: ok ({path}, 2 workspace(s) installed, 3 schema upgrade(s) to apply at start)"
    )
    assert path.read_bytes() == before  # check reads, never writes

    with serve(slack, clock, db_path, **OAUTH) as running:
        tables = rows(running, "SELECT name FROM sqlite_master WHERE type = 'table'")
        assert sorted(tables) == [("_sqlite_migrations",), ("bots",), ("states",)]
        assert rows(running, "SELECT team_id, bot_token FROM bots ORDER BY team_id") == [
            (TEAM_ID, token),
            (OTHER, slack.tokens_of(OTHER)[0]),
        ]
        assert spent.encode() not in on_disk(running)
        assert running.sender.command("poll").status == 200
        assert slack.wait_for("chat.postMessage")[-1].token == token
        # The moved refresh token still refreshes.
        store = running.runtime.installs.store
        bot = store.find_team_bot(TEAM_ID)
        bot.bot_token_expires_at = 0
        store.save_bot(bot)
        slack.retire(token)
        assert running.sender.command("tally").status == 200
        assert refreshes(running)[-1]["refresh_token"] == bot.bot_refresh_token
        assert store.find_team_bot(TEAM_ID).bot_token == slack.tokens_of(TEAM_ID)[-1]
    assert installs_check(slack, db_path) == f"installs: ok ({path}, 2 workspace(s) installed)"


def installs_check(slack: FakeSlack, db_path: Path) -> str:
    """What ``python -m bot check`` says about the installs file."""
    lines: list[str] = []
    check.run(make_settings(slack, db_path, **OAUTH), out=lines.append)
    (line,) = [line for line in lines if line.startswith("installs: ")]
    return line


def test_check_refuses_an_installs_file_others_can_read(slack: FakeSlack, tmp_path: Path) -> None:
    db_path = tmp_path / "delight.db"
    created = "delight.db.installs.db will be created at start)"
    assert installs_check(slack, db_path).endswith(created)
    path = installs_path_for(db_path)
    TokenFile(path, CLIENT_ID).close()
    assert installs_check(slack, db_path).endswith(", 0 workspace(s) installed)")
    path.chmod(0o644)
    assert "FAIL" in installs_check(slack, db_path)
    assert "readable by others (mode 644); chmod 600 it" in installs_check(slack, db_path)


def test_request_from_a_workspace_that_never_installed_gets_no_500(oauth_running: Running) -> None:
    reply = oauth_running.sender.command("tally")
    assert reply.status == 200
    # Bolt tells the person, through the command's response_url, to reinstall.
    (answer,) = oauth_running.slack.wait_for("response_url")
    assert "reinstall" in answer.params["text"]
    assert oauth_running.slack.calls_to("chat.postMessage") == []


# Two workspaces


def test_two_workspaces_each_use_their_own_token_and_never_see_each_others_numbers(
    oauth_running: Running,
) -> None:
    running, slack = oauth_running, oauth_running.slack
    ours, theirs = running.sender, TeamSender(running.sender, OTHER)
    our_token, their_token = install(running, TEAM_ID), install(running, OTHER)
    assert our_token != their_token
    slack.join(CHANNEL, "U0ALICE", "UA", "UB", "UC")

    ours.command("goal 50")
    ours.command("customer Shop owners")
    ours.command("win new Signed Initech")
    assert ours.command("poll").status == 200
    our_poll = poll_in(slack.wait_for("chat.postMessage", 1)[-1].params)
    assert theirs.command("poll").status == 200
    their_poll = poll_in(slack.wait_for("chat.postMessage", 2)[-1].params)
    assert our_poll != their_poll
    for user, ours_value, theirs_value in [("UA", "5", "1"), ("UB", "4", "1"), ("UC", "3", "1")]:
        assert ours.click(f"delight_poll:{our_poll}", ours_value, user=user).status == 200
        assert theirs.click(f"delight_poll:{their_poll}", theirs_value, user=user).status == 200
    # A click on the other workspace's poll id changes nothing there.
    assert "can't find that poll" in _thanks(running, theirs, our_poll)
    running.settle()

    storage = running.runtime.storage
    assert set(posts_by_token(running)) == {our_token, their_token}
    updates = {(c.token, c.params["ts"]) for c in slack.calls_to("chat.update")}
    assert updates == {
        (our_token, storage.get_poll(our_poll).message_ts),
        (their_token, storage.get_poll(their_poll).message_ts),
    }

    our_tally, their_tally = ours.command("tally").text, theirs.command("tally").text
    assert "we delighted 12 customers" in our_tally and "of 50" in our_tally
    assert "we delighted 3 customers" in their_tally and "of 50" not in their_tally

    ours.command("digest")
    theirs.command("digest")
    posts = posts_by_token(running)
    our_digest, their_digest = json.dumps(posts[our_token][-1]), json.dumps(posts[their_token][-1])
    assert "Signed Initech" in our_digest and "Shop owners" in our_digest
    assert "Signed Initech" not in their_digest and "Shop owners" not in their_digest
    assert "of 50" not in their_digest

    theirs.event({"type": "app_home_opened", "user": "U0ALICE", "tab": "home"}, "EvH1")
    (home,) = slack.wait_for("views.publish")
    assert home.token == their_token
    their_home = json.dumps(home.params["view"])
    assert "*3 customers*" in their_home
    assert "of 50" not in their_home and "Shop owners" not in their_home

    # Forgetting a person in one workspace leaves their answers in the other alone.
    assert "1 answer" in ours.command("forget me", user="UA").text
    assert storage.poll_total(our_poll).responders == 2
    assert storage.poll_total(their_poll).responders == 3

    # Uninstalling one workspace removes its data and its install, and only those.
    slack.uninstall(TEAM_ID)
    assert ours.event({"type": "app_uninstalled"}, "EvU1").status == 200
    store = running.runtime.installs.store
    eventually(lambda: storage.known_channels(TEAM_ID) == [])  # deleted after the install
    assert store.find_team_bot(TEAM_ID) is None
    assert storage.get_poll(our_poll) is None
    assert store.find_team_bot(OTHER).bot_token == their_token
    assert storage.known_channels(OTHER) == [CHANNEL]
    assert storage.poll_total(their_poll).responders == 3
    assert "we delighted 3 customers" in theirs.command("tally").text
    running.runtime.delight.digests.request(OTHER, CHANNEL)
    running.settle()
    assert slack.calls_to("chat.postMessage")[-1].token == their_token
    # The uninstalled workspace's scheduled calls go out without a token, and fail politely.
    assert running.runtime.installs.workspaces.client_for(TEAM_ID).token is None
    running.runtime.delight.polls.request(TEAM_ID, CHANNEL)
    running.settle()  # given up: nothing is left in the outbox
    failed = slack.calls_to("chat.postMessage")[-1]
    assert failed.token is None and failed.failed


def _thanks(running: Running, sender: SlackSender, poll_id: int) -> str:
    before = len(running.slack.calls_to("response_url"))
    assert sender.click(f"delight_poll:{poll_id}", "2", user="UZ").status == 200
    return running.slack.wait_for("response_url", before + 1)[-1].params["text"]


def test_scheduled_polls_post_with_each_workspace_token(oauth_running: Running) -> None:
    running = oauth_running
    tokens = {team: install(running, team) for team in (TEAM_ID, OTHER)}
    ours, theirs = running.sender, TeamSender(running.sender, OTHER)
    assert ours.command("schedule 17:00").status == 200
    assert theirs.command("schedule 17:00 Europe/Berlin").status == 200
    jobs = running.runtime.jobs
    assert DueKind.POLL in jobs.instants(OTHER, CHANNEL)
    running.clock.now = datetime(2026, 11, 18, 16, 0, 5, tzinfo=UTC)  # 17:00 in Berlin
    jobs.run_poll(OTHER, CHANNEL)
    jobs.run_poll(TEAM_ID, CHANNEL)  # not due yet in UTC
    running.settle()
    running.clock.now = datetime(2026, 11, 18, 17, 0, 5, tzinfo=UTC)
    jobs.run_poll(TEAM_ID, CHANNEL)
    running.settle()
    posts = running.slack.calls_to("chat.postMessage")
    assert [call.token for call in posts] == [tokens[OTHER], tokens[TEAM_ID]]


# Token rotation


def test_expiring_token_is_refreshed_before_a_scheduled_post(oauth_running: Running) -> None:
    running, slack = oauth_running, oauth_running.slack
    old = install(running, TEAM_ID, rotating=True, expires_in=60)
    assert old.startswith("xoxe.xoxb-")
    slack.retire(old)  # it has expired: a call with it would fail
    poll = running.runtime.delight.polls.request(TEAM_ID, CHANNEL).poll
    running.settle()
    assert running.runtime.storage.get_poll(poll.id).message_ts is not None
    (refresh,) = refreshes(running)
    assert refresh["refresh_token"].startswith("xoxe-1-T0TEAM-")
    assert refresh["client_id"] == CLIENT_ID and refresh["client_secret"] == CLIENT_SECRET
    (new,) = slack.tokens_of(TEAM_ID)
    assert slack.calls_to("chat.postMessage")[-1].token == new
    bot = running.runtime.installs.store.find_team_bot(TEAM_ID)
    assert bot.bot_token == new and bot.bot_refresh_token != refresh["refresh_token"]
    assert bot.bot_token_expires_at > datetime.now(UTC).timestamp() + 11 * 3600
    # No copy of the spent token or refresh token is kept.
    assert rows(running, "SELECT bot_token, bot_refresh_token FROM bots") == [
        (new, bot.bot_refresh_token)
    ]
    assert old.encode() not in on_disk(running)
    assert refresh["refresh_token"].encode() not in on_disk(running)
    # The new token is good for 12 hours: the next post refreshes nothing.
    running.runtime.delight.digests.request(TEAM_ID, CHANNEL)
    running.settle()
    assert len(refreshes(running)) == 1


def test_a_request_refreshes_an_expired_token_once(oauth_running: Running) -> None:
    running, slack = oauth_running, oauth_running.slack
    old = install(running, TEAM_ID, rotating=True, expires_in=60)
    slack.retire(old)
    reply = running.sender.command("poll")
    assert reply.status == 200
    (new,) = slack.tokens_of(TEAM_ID)
    # Bolt's authorize refreshed it for the request, and the post used the stored result.
    assert slack.wait_for("chat.postMessage")[-1].token == new
    assert slack.calls_to("auth.test")[-1].token == new
    assert len(refreshes(running)) == 1


def test_threads_that_find_the_token_expiring_together_refresh_it_once(
    oauth_running: Running,
) -> None:
    running, slack = oauth_running, oauth_running.slack
    install(running, TEAM_ID, rotating=True, expires_in=60)
    workspaces = running.runtime.installs.workspaces
    start = threading.Barrier(8)
    tokens: list[str | None] = []

    def post() -> None:
        start.wait()
        tokens.append(workspaces.client_for(TEAM_ID).token)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    _old, new = slack.tokens_of(TEAM_ID)  # the old one is still good until it expires
    assert tokens == [new] * 8
    assert len(refreshes(running)) == 1  # Slack spends a refresh token once


def test_a_refused_refresh_fails_the_post_not_the_job(oauth_running: Running) -> None:
    running, slack = oauth_running, oauth_running.slack
    old = install(running, TEAM_ID, rotating=True, expires_in=60)
    slack.retire(old)
    slack.fail("oauth.v2.access", "invalid_refresh_token")
    poll = running.runtime.delight.polls.request(TEAM_ID, CHANNEL).poll
    running.settle()  # given up: nothing is left in the outbox
    failed = slack.calls_to("chat.postMessage")[-1]
    assert failed.token == old and failed.failed
    assert running.runtime.storage.get_poll(poll.id).message_ts is None
    assert running.runtime.installs.store.find_team_bot(TEAM_ID).bot_token == old


def test_no_token_or_secret_reaches_the_logs(
    oauth_running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    running, slack = oauth_running, oauth_running.slack
    old = install(running, TEAM_ID, rotating=True, expires_in=60)
    assert running.sender.command("poll").status == 200
    slack.wait_for("chat.postMessage")
    (refresh,) = refreshes(running)
    new = slack.tokens_of(TEAM_ID)[-1]
    assert "refreshed the bot token of team T0TEAM" in caplog.text
    for secret in (old, new, refresh["refresh_token"], CLIENT_SECRET, "xoxe", "xoxb"):
        assert secret not in caplog.text


# Bolt's authorize: auth.test once per token


def auth_tests(running: Running) -> list[str | None]:
    return [call.token for call in running.slack.calls_to("auth.test")]


def cached_tokens(running: Running) -> set[str]:
    return set(running.runtime.installs.authorize.authorize_result_cache)


def test_requests_from_a_workspace_check_its_token_with_slack_once(oauth_running: Running):
    running = oauth_running
    token = install(running, TEAM_ID)
    assert auth_tests(running) == [token]  # the install's own
    poll_id = running.runtime.delight.polls.request(TEAM_ID, CHANNEL).poll.id
    running.settle()
    for n in range(6):
        assert running.sender.command("tally").status == 200
        assert (
            running.sender.click(f"delight_poll:{poll_id}", str(n % 6), user=f"U{n}").status == 200
        )
    assert auth_tests(running) == [token, token]  # one for twelve requests
    assert cached_tokens(running) == {token}
    assert running.runtime.storage.poll_total(poll_id).responders == 6


def test_a_refreshed_token_is_checked_once_and_the_old_one_forgotten(oauth_running: Running):
    running, slack = oauth_running, oauth_running.slack
    old = install(running, TEAM_ID, rotating=True, expires_in=24 * 3600)
    assert running.sender.command("tally").status == 200
    assert cached_tokens(running) == {old}
    slack.retire(old)  # it expired: the next request refreshes it
    store = running.runtime.installs.store
    bot = store.find_team_bot(TEAM_ID)
    bot.bot_token_expires_at = 0
    store.save_bot(bot)
    for _ in range(3):
        assert running.sender.command("poll").status == 200
    (new,) = slack.tokens_of(TEAM_ID)
    assert len(refreshes(running)) == 1
    assert auth_tests(running) == [old, old, new]
    assert cached_tokens(running) == {new}
    assert slack.wait_for("chat.postMessage")[-1].token == new


@pytest.mark.parametrize(
    "event",
    [{"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}}],
    ids=["uninstalled", "tokens-revoked"],
)
def test_after_an_uninstall_no_request_is_served_with_the_cached_token(
    oauth_running: Running, event: dict
) -> None:
    running, slack = oauth_running, oauth_running.slack
    token = install(running, TEAM_ID)
    assert running.sender.command("tally").status == 200
    assert cached_tokens(running) == {token}
    assert running.sender.event(event, "EvGone").status == 200
    # The store drops its cached answers just after deleting the rows: wait for both.
    eventually(
        lambda: (
            running.runtime.installs.store.find_team_bot(TEAM_ID) is None
            and not cached_tokens(running)
        )
    )
    assert token.encode() not in on_disk(running)  # overwritten, not left in a free page
    slack.uninstall(TEAM_ID)
    checks = len(auth_tests(running))
    assert running.sender.command("poll").status == 200
    # Bolt tells the person, through the command's response_url, to reinstall.
    answer = slack.wait_for("response_url")[-1]
    assert "reinstall" in answer.params["text"]
    assert slack.calls_to("chat.postMessage") == []
    assert len(auth_tests(running)) == checks  # the store said no install: nothing to check


def test_a_cached_answer_dropped_mid_read_is_still_read() -> None:
    """Bolt checks ``token in cache``, then reads ``cache[token]``: a workspace forgotten in
    between (another thread saving or deleting its tokens) must not turn the read into a
    KeyError, which would be a 500."""
    cache = AuthTestCache()
    answer = AuthorizeResult(enterprise_id=None, team_id=TEAM_ID, bot_token="xoxb-1")
    cache["xoxb-1"] = answer
    assert "xoxb-1" in cache
    cache.forget(TEAM_ID)
    assert "xoxb-1" not in cache and cache["xoxb-1"] is answer
    cache.forget(OTHER)  # a forget that drops nothing keeps the grace
    assert cache["xoxb-1"] is answer
    cache["xoxb-2"] = AuthorizeResult(enterprise_id=None, team_id=OTHER, bot_token="xoxb-2")
    cache.forget(OTHER)
    with pytest.raises(KeyError):
        cache["xoxb-1"]


# Enterprise Grid


def test_a_workspace_in_a_grid_org_installs_posts_and_uninstalls(oauth_running: Running) -> None:
    running, slack = oauth_running, oauth_running.slack
    token = install(running, "T2GRID", enterprise_id="E0ORG")
    store = running.runtime.installs.store
    assert store.find_bot(enterprise_id="E0ORG", team_id="T2GRID").bot_token == token
    grid = TeamSender(running.sender, "T2GRID", enterprise_id="E0ORG")
    assert grid.command("poll").status == 200
    assert slack.wait_for("chat.postMessage")[-1].token == token
    assert slack.calls_to("auth.test")[-1].token == token
    # Scheduled jobs know only the team id; the org is looked up.
    assert running.runtime.installs.workspaces.client_for("T2GRID").token == token
    assert grid.event({"type": "app_uninstalled"}, "EvU2").status == 200
    eventually(lambda: rows(running, "SELECT COUNT(*) FROM bots") == [(0,)])
    assert store.find_team_bot("T2GRID") is None


# The manifest


def test_install_asks_for_exactly_the_manifest_scopes() -> None:
    manifest = yaml.safe_load(
        (Path(__file__).resolve().parents[3] / "manifest.yml").read_text(encoding="utf-8")
    )
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]
    (redirect,) = manifest["oauth_config"]["redirect_urls"]
    assert redirect.endswith("/slack/oauth_redirect")
