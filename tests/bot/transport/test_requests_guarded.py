"""Forged, stale and malformed requests get a clear 4xx, never a 500 or a stack trace."""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from slack_bolt.request import request as bolt_request

from tests.conftest import Running, post_poll


def test_healthz_answers_ok(running: Running) -> None:
    url = running.sender.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert (response.status, response.read()) == (200, b"ok")


def get(running: Running, path: str) -> tuple[int, bytes]:
    url = running.sender.url.replace("/slack/events", path)
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_readyz_checks_the_database_and_the_scheduler(running: Running) -> None:
    assert get(running, "/readyz") == (200, b"ready")
    running.runtime.jobs.shutdown()
    assert get(running, "/readyz") == (503, b"not ready: the scheduler is not running")


def test_readyz_when_the_database_is_locked(running: Running) -> None:
    import sqlite3

    blocker = sqlite3.connect(running.runtime.storage.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        running.runtime.storage._busy_timeout_ms = 50
        status, body = get(running, "/readyz")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert (status, body) == (503, b"not ready: the database does not take writes")
    assert get(running, "/readyz") == (200, b"ready")


def test_unknown_path_is_404(running: Running) -> None:
    url = running.sender.url.replace("/slack/events", "/nope")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(url, timeout=5)
    assert error.value.code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {"signature": "v0=" + "0" * 64},
        {"timestamp": str(int(time.time()) - 600)},
        {"timestamp": str(int(time.time()) + 600)},
        {"timestamp": "yesterday"},
        {"timestamp": ""},
        {"signature": ""},
    ],
    ids=["forged", "stale", "future", "non-numeric-timestamp", "no-timestamp", "no-signature"],
)
def test_bad_signatures_get_401_and_change_nothing(running: Running, headers: dict) -> None:
    reply = running.sender.command("win new Forged win", **headers)
    assert reply.status == 401
    reply = running.sender.interaction({"type": "block_actions", "actions": []}, **headers)
    assert reply.status == 401
    assert running.slack.calls_to("chat.postMessage") == []


def test_stale_signature_is_rejected_even_when_correctly_signed(running: Running) -> None:
    old = str(int(time.time()) - 301)
    assert running.sender.command("poll", timestamp=old).status == 401


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (
            {
                "type": "block_actions",
                "team": {"id": "T0TEAM"},
                "user": {"id": "U1"},
                "actions": [],
            },
            "actions",
        ),
        (
            {
                "type": "block_actions",
                "team": {"id": "T0TEAM"},
                "user": {"id": "U1"},
                "actions": [{"value": "3"}],
            },
            "action_id",
        ),
        ({"type": "block_actions", "actions": [{"action_id": "answer_3"}]}, "team.id"),
        (
            {
                "type": "view_submission",
                "team": {"id": "T0TEAM"},
                "user": {"id": "U1"},
                "view": {"id": "V1", "callback_id": "log_win"},
            },
            "view.type",
        ),
        ({"team": {"id": "T0TEAM"}}, "type"),
        (["not", "an", "object"], "object"),
    ],
)
def test_malformed_payloads_get_400(running: Running, payload, problem: str) -> None:
    reply = running.sender.interaction(payload)
    assert reply.status == 400
    assert problem in reply.body


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b"command=%2Fdelight&text=poll", "application/x-www-form-urlencoded"),
        (b"hello=world", "application/x-www-form-urlencoded"),
        (b'{"type": "event_callback", "event": {}}', "application/json"),
    ],
    ids=[
        "payload-not-json",
        "json-not-json",
        "command-missing-fields",
        "not-slack",
        "event-without-id",
    ],
)
def test_malformed_bodies_get_400_when_signed(running: Running, body: bytes, content_type: str):
    assert running.sender.post(body, content_type).status == 400
    assert running.sender.post(body, content_type, signature="v0=bad").status == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            {
                "type": "event_callback",
                "event_id": "Ev1",
                "team_id": "T0TEAM",
                "event": {"type": "app_home_opened", "user": "U1"},
                "authorizations": [5],
            },
            "application/json",
        ),
        (
            {
                "type": "block_actions",
                "team": {"id": "T0TEAM"},
                "user": {"id": "U1"},
                "actions": [{"action_id": "answer_3"}],
                "channel": 5,
            },
            "application/x-www-form-urlencoded",
        ),
    ],
    ids=["authorization-not-an-object", "channel-not-an-object"],
)
def test_bodies_bolt_cannot_read_get_400_not_500(running: Running, body: dict, content_type):
    data = (
        json.dumps(body).encode()
        if content_type == "application/json"
        else urlencode({"payload": json.dumps(body)}).encode()
    )
    reply = running.sender.post(data, content_type)
    assert (reply.status, reply.body) == (400, "bad request: fields of unexpected types")
    assert running.sender.post(data, content_type, signature="v0=bad").status == 401


def test_a_click_is_parsed_once(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    """The edge, the guard, Bolt and the request log share one parse (bench/ack_latency.py)."""
    poll_id = post_poll(running).id
    parses = []

    def counting(module):
        def parse_body(body, content_type):
            parses.append(module.__name__)
            return real(body, content_type)

        return parse_body

    real = bolt_request.parse_body
    monkeypatch.setattr(bolt_request, "parse_body", counting(bolt_request))
    assert running.sender.click(f"delight_poll:{poll_id}", "3").status == 200
    assert parses == ["slack_bolt.request.request"]
    assert running.runtime.storage.poll_total(poll_id).responders == 1


def test_click_on_a_poll_that_does_not_exist(running: Running) -> None:
    assert running.sender.click("delight_poll:999", "3").status == 200
    (answer,) = running.slack.wait_for("response_url")
    assert "can't find that poll" in answer.params["text"]


@pytest.mark.parametrize(
    ("block_id", "value", "action_id"),
    [
        ("delight_poll:1", "7", "answer_7"),
        ("delight_poll:1", "-1", "answer_3"),
        ("delight_poll:1", "three", "answer_3"),
        ("delight_poll:abc", "3", "answer_3"),
        ("someone_elses_block", "3", "answer_3"),
    ],
)
def test_click_with_odd_values_is_answered_not_recorded(running, block_id, value, action_id):
    post_poll(running)
    assert running.sender.click(block_id, value, action_id=action_id).status == 200
    (answer,) = running.slack.wait_for("response_url")
    assert "can't find that poll" in answer.params["text"]
    assert running.runtime.storage.poll_total(1).responders == 0


def test_click_on_a_poll_in_another_channel_is_not_counted(running: Running) -> None:
    poll_id = post_poll(running).id
    running.sender.click(f"delight_poll:{poll_id}", "3", channel="C0OTHER")
    running.slack.wait_for("response_url")
    assert running.runtime.storage.poll_total(poll_id).responders == 0


def test_more_button_opens_count_modal_and_submission_counts(running: Running) -> None:
    poll_id = post_poll(running).id
    block = f"delight_poll:{poll_id}"
    assert running.sender.click(block, "more", action_id="answer_more").status == 200
    (opened,) = running.slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "answer_more_form"

    def submit(value):
        values = {"count": {"count_input": {"type": "number_input", "value": value}}}
        return running.sender.submit("answer_more_form", values, view["private_metadata"])

    for bad in ("", "abc", "-3", "2.5", "1001"):
        reply = submit(bad)
        assert reply.json["response_action"] == "errors", bad
        assert set(reply.json["errors"]) == {"count"}
    reply = submit("42")
    assert reply.json["response_action"] == "update"
    assert "You counted 42 customers" in json.dumps(reply.json["view"])
    assert running.runtime.storage.poll_total(poll_id).total == 42


def test_more_button_on_missing_poll_is_answered(running: Running) -> None:
    running.sender.click("delight_poll:404", "more", action_id="answer_more")
    (answer,) = running.slack.wait_for("response_url")
    assert "can't find that poll" in answer.params["text"]
    assert running.slack.calls_to("views.open") == []


def test_more_submission_for_missing_poll_says_it_expired(running: Running) -> None:
    reply = running.sender.submit("answer_more_form", {}, json.dumps({"poll_id": 404}))
    assert reply.json["response_action"] == "update"
    assert "expired" in json.dumps(reply.json["view"])


def test_concurrent_poll_commands_post_one_poll(running: Running) -> None:
    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(lambda _: running.sender.command("poll"), range(10)))
    assert all(reply.status == 200 for reply in replies)
    running.slack.wait_for("chat.postMessage")
    running.settle()  # any (wrong) second post would have been sent by now
    assert len(running.slack.calls_to("chat.postMessage")) == 1


def test_double_clicks_count_one_answer_per_person(running: Running) -> None:
    poll_id = post_poll(running).id
    block = f"delight_poll:{poll_id}"
    with ThreadPoolExecutor(8) as pool:
        replies = list(
            pool.map(lambda v: running.sender.click(block, str(v % 6), user="U1"), range(24))
        )
    assert all(reply.status == 200 for reply in replies)
    assert running.runtime.storage.poll_total(poll_id).responders == 1


def test_answers_are_stored_under_pseudonyms(running: Running) -> None:
    poll_id = post_poll(running).id
    running.sender.click(f"delight_poll:{poll_id}", "3", user="U0ALICE")
    import sqlite3

    conn = sqlite3.connect(running.runtime.settings.db_path)
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert "U0ALICE" not in dump
    assert "T0TEAM" in dump  # sanity: the dump does hold the poll


def test_body_that_is_not_utf8_gets_400(running: Running) -> None:
    assert running.sender.post(b"\xff\xfe\xfa", "application/x-www-form-urlencoded").status == 400
