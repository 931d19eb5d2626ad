"""A channel's inbound webhook (issue 15): ``/delight webhook`` over both transports, and
``POST /webhooks/wins/<secret>`` on the web server, which Socket Mode runs as well (the
health checks' port)."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.domain.models import WinKind
from tests.conftest import FakeClock, Running, serve
from tests.fake_slack import TEAM_ID, FakeSlack
from tests.slack_requests import Reply

pytestmark = pytest.mark.both_transports

WEEK = (date(2026, 11, 16), date(2026, 11, 22))
_PATH = re.compile(r"/webhooks/wins/[A-Za-z0-9_-]{40,}")


def post(running: Running, path: str, body: object, method: str = "POST") -> tuple[Reply, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        running.base_url + path,
        data=data if method == "POST" else None,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, response.read().decode()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode()), dict(error.headers)


def webhook_path(running: Running, text: str = "webhook", channel: str = "C0TEAM") -> str:
    reply = running.sender.command(text, channel=channel)
    assert reply.status == 200
    (path,) = set(_PATH.findall(reply.text))
    return path


def stories(running: Running, channel: str = "C0TEAM") -> list[str]:
    return [w.story for w in running.runtime.storage.wins_between(TEAM_ID, channel, *WEEK)]


def test_webhook_is_created_once_shown_again_and_only_to_the_asker(running: Running) -> None:
    first = running.sender.command("webhook")
    assert "This channel's webhook is ready." in first.text
    assert "DELIGHT_PUBLIC_URL" in first.text  # not set: the path, and what to set
    assert "curl -X POST" in first.text
    if first.body.startswith("{"):
        assert first.json.get("response_type", "ephemeral") == "ephemeral"
    path = webhook_path(running)
    assert path in first.text
    assert "the same URL as before" in running.sender.command("webhook").text
    assert webhook_path(running, channel="C0SALES") != path  # one per channel
    assert running.slack.calls_to("chat.postMessage") == []


def test_only_the_hash_of_a_secret_is_stored(running: Running) -> None:
    secret = webhook_path(running).rsplit("/", 1)[1]
    with sqlite3.connect(running.runtime.settings.db_path) as db:
        dump = "\n".join(db.iterdump())
    assert secret not in dump


def test_posting_a_win_logs_it_once_per_id(running: Running) -> None:
    path = webhook_path(running)
    win = {"story": "Ticket 123: customer happy", "kind": "kept", "id": "zendesk-123"}
    reply, _ = post(running, path, win)
    assert (reply.status, reply.json) == (201, {"ok": True, "id": "zendesk-123"})
    again, _ = post(running, path, {**win, "story": "edited"})
    assert (again.status, again.json) == (200, {"ok": True, "id": "zendesk-123"})
    (logged,) = running.runtime.storage.wins_between(TEAM_ID, "C0TEAM", *WEEK)
    assert (logged.kind, logged.story) == (WinKind.KEPT, "Ticket 123: customer happy")
    # Without an id each post is a win, and gets an id of its own.
    one, _ = post(running, path, {"story": "Another", "kind": "new"})
    two, _ = post(running, path, {"story": "Another", "kind": "new"})
    assert one.status == two.status == 201 and one.json["id"] != two.json["id"]
    running.sender.command("digest")
    digest = json.dumps(running.slack.wait_for("chat.postMessage")[-1].params["blocks"])
    assert "Ticket 123: customer happy" in digest and "3 customer wins this week" in digest


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (b"\xff\xfe", "body"),
        ({"kind": "new"}, "story"),
        ({"story": "   ", "kind": "new"}, "story"),
        ({"story": 5, "kind": "new"}, "story"),
        ({"story": "x" * 2001, "kind": "new"}, "story"),
        ({"story": "ok", "kind": "vip"}, "kind"),
        ({"story": "ok", "kind": "new", "id": ""}, "id"),
        ({"story": "ok", "kind": "new", "id": ["a"]}, "id"),
        ({"story": "ok", "kind": "new", "id": "x" * 201}, "id"),
    ],
)
def test_a_bad_body_gets_400_naming_the_field(running: Running, body: object, field: str) -> None:
    reply, headers = post(running, webhook_path(running), body)
    assert reply.status == 400
    assert headers["Content-Type"].startswith("application/json")
    assert reply.json["ok"] is False and reply.json["field"] == field
    assert stories(running) == []


def test_an_unknown_rotated_or_removed_secret_gets_404(running: Running) -> None:
    win = {"story": "A win", "kind": "internal"}
    assert post(running, "/webhooks/wins/not-a-secret", win)[0].status == 404
    assert post(running, "/webhooks/wins/", win)[0].status == 404
    old = webhook_path(running)
    rotated = running.sender.command("webhook rotate")
    assert "The old URL stopped working just now." in rotated.text
    (new,) = set(_PATH.findall(rotated.text))
    assert new != old
    assert post(running, old, win)[0].status == 404
    assert post(running, new, win)[0].status == 201
    assert webhook_path(running) == new  # shown again: the rotated one
    assert "webhook is removed" in running.sender.command("webhook off").text
    assert post(running, new, win)[0].status == 404
    assert "no webhook" in running.sender.command("webhook off").text
    assert stories(running) == ["A win"]


def test_a_body_over_64_kb_gets_413(running: Running) -> None:
    path = webhook_path(running)
    big = json.dumps({"story": "x", "kind": "new", "pad": "y" * 65_536}).encode()
    assert post(running, path, big)[0].status == 413
    assert stories(running) == []


def test_more_than_60_a_minute_for_one_channel_gets_429(running: Running) -> None:
    path, other = webhook_path(running), webhook_path(running, channel="C0SALES")
    for n in range(60):
        assert post(running, path, {"story": f"win {n}", "kind": "new"})[0].status == 201
    refused, headers = post(running, path, {"story": "one too many", "kind": "new"})
    assert refused.status == 429 and refused.json["error"] == "rate_limited"
    assert headers["Retry-After"] == "60"  # the clock stands still in tests
    assert post(running, other, {"story": "other team", "kind": "new"})[0].status == 201
    running.clock.now += timedelta(seconds=61)
    assert post(running, path, {"story": "a minute later", "kind": "new"})[0].status == 201
    assert len(stories(running)) == 61


def test_only_post_is_accepted(running: Running) -> None:
    reply, _ = post(running, webhook_path(running), b"", method="GET")
    assert reply.status == 405


def test_the_log_names_the_channel_and_outcome_never_the_story(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    path = webhook_path(running)
    secret = path.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="bot.service.webhooks"):
        post(running, path, {"story": "Secret sauce story", "kind": "new", "id": "crm-42"})
        post(running, path, {"story": "Secret sauce story", "kind": "oops"})
        post(running, "/webhooks/wins/nope", {"story": "Secret sauce story"})
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.service.webhooks"]
    assert lines == [
        "webhook team=T0TEAM channel=C0TEAM status=201 outcome=logged",
        "webhook team=T0TEAM channel=C0TEAM status=400 outcome=invalid_field field=kind",
        "webhook channel=unknown status=404 outcome=not_found",
    ]
    assert not any(s in caplog.text for s in ("Secret sauce", "crm-42", secret))


def test_with_a_public_url_the_whole_url_is_shown(
    slack: FakeSlack, clock: FakeClock, tmp_path: Path, transport: str, request
) -> None:
    socket_mode = request.getfixturevalue("socket_mode") if transport == "socket" else None
    with serve(
        slack,
        clock,
        tmp_path / "d.db",
        socket_mode=socket_mode,
        public_url="https://delight.example.com",
    ) as app:
        text = app.sender.command("webhook").text
        assert "DELIGHT_PUBLIC_URL" not in text
        assert re.search(r"`https://delight\.example\.com/webhooks/wins/[A-Za-z0-9_-]{40,}`", text)
