"""The App Home tab and uninstalling, through signed events and clicks."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.domain.due import DueKind
from handlers.events import bot_token_revoked
from tests.conftest import Running, answer, eventually, open_home, post_poll, published

pytestmark = pytest.mark.both_transports

TEAM = "T0TEAM"


def test_home_without_channels_teaches_how_to_start(running: Running) -> None:
    open_home(running)
    params = published(running)
    assert params["user_id"] == "U0ALICE"
    text = json.dumps(params["view"])
    assert "Get started in three steps" in text
    assert "/invite @Delight" in text and "/delight schedule 17:00" in text
    # With no channel known, Slack is not even asked for the person's channels.
    assert running.slack.calls_to("users.conversations") == []


def test_home_shows_team_numbers_for_shared_channels_only(running: Running) -> None:
    running.slack.join("C0TEAM", "U0ALICE", "UA", "UB", "UC")
    running.slack.join("C0SECRET", "UB")  # a private channel Alice is not in
    running.sender.command("goal 50")
    running.sender.command("customer Shop owners")
    running.sender.command("schedule 17:00 Europe/Berlin mon-thu")
    poll_id = post_poll(running).id
    answer(running, poll_id, "5", "4", "3", users="ABC")
    running.sender.command("win new Signed Initech")
    running.sender.command("goal 7", channel="C0SECRET")
    open_home(running)
    view = published(running)["view"]
    text = json.dumps(view, ensure_ascii=False)
    assert "<#C0TEAM>" in text and "C0SECRET" not in text
    assert "This week we delighted *12 customers* over 1 day · 1 win logged" in text
    assert "We're at 12 of 50 this week" in text
    assert "Our customer: Shop owners" in text
    assert "Poll 17:00 Europe/Berlin, Mon, Tue, Wed, Thu · digest Thu 16:00" in text
    assert "tally at 3+ answers" in text
    # Team numbers only: no user ids, no one's own answer.
    for user in ("UA", "UB", "UC", "U0ALICE"):
        assert user not in text
    button = view["blocks"][3]["accessory"]
    assert button == {
        "type": "button",
        "action_id": "home_log_win",
        "text": {"type": "plain_text", "text": "Log a customer win", "emoji": True},
        "value": "C0TEAM",
    }


def test_home_reads_every_page_of_the_persons_channels(running: Running) -> None:
    for n in range(2500):
        running.slack.join(f"C{n:05d}", "U0ALICE")
    running.slack.join("CZZZZ", "U0ALICE")  # sorts last: on the third page
    running.sender.command("goal 5", channel="CZZZZ")
    open_home(running)
    assert "<#CZZZZ>" in json.dumps(published(running)["view"])
    assert len(running.slack.calls_to("users.conversations")) == 3


def test_home_when_slack_cannot_list_channels_shows_no_numbers(running: Running) -> None:
    running.sender.command("goal 5")
    running.slack.fail("users.conversations", "missing_scope", times=1)
    open_home(running)
    text = json.dumps(published(running)["view"])
    assert "couldn't load your channels" in text
    assert "C0TEAM" not in text


def test_messages_tab_is_left_alone(running: Running) -> None:
    open_home(running, tab="messages")
    open_home(running, event_id="Ev2")
    published(running)
    assert len(running.slack.calls_to("views.publish")) == 1


def test_home_button_opens_the_win_modal_for_that_channel(running: Running) -> None:
    reply = running.sender.home_click("home_log_win", "C0TEAM")
    assert reply.status == 200
    (call,) = running.slack.wait_for("views.open")
    view = call.params["view"]
    assert view["callback_id"] == "log_win"
    assert json.loads(view["private_metadata"]) == {"channel_id": "C0TEAM"}


def test_app_uninstalled_removes_the_workspace_data_and_jobs(running: Running) -> None:
    running.sender.command("schedule 17:00")
    running.sender.command("goal 5")
    poll_id = post_poll(running).id
    answer(running, poll_id, "5", "4", "3", users="ABC")
    running.sender.command("win new Signed Initech")
    jobs = running.runtime.jobs
    assert DueKind.POLL in jobs.instants(TEAM, "C0TEAM")
    for attempt in (0, 1):  # Slack's retry of the same event changes nothing more
        reply = running.sender.event(
            {"type": "app_uninstalled"}, "EvU", headers={"X-Slack-Retry-Num": str(attempt)}
        )
        assert reply.status == 200
    eventually(lambda: running.runtime.storage.known_channels(TEAM) == [])
    assert jobs.instants(TEAM, "C0TEAM") == {}
    storage = running.runtime.storage
    assert storage.get_poll(poll_id) is None
    assert storage.channel_profile(TEAM, "C0TEAM").goal is None


def test_tokens_revoked_for_the_bot_removes_the_data(running: Running) -> None:
    running.sender.command("goal 5")
    reply = running.sender.event({"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}}, "EvT")
    assert reply.status == 200
    eventually(lambda: running.runtime.storage.known_channels(TEAM) == [])


@pytest.mark.parametrize(
    ("event", "removed"),
    [
        ({"tokens": {"bot": ["U0BOT"]}}, True),
        ({"tokens": {"oauth": ["UA"], "bot": ["U0BOT"]}}, True),
        ({"tokens": {"oauth": ["UA"]}}, False),  # only a person's token: not ours to act on
        ({"tokens": {"bot": []}}, False),
        ({"tokens": "garbage"}, False),
        ({}, False),
    ],
)
def test_only_a_revoked_bot_token_means_uninstalled(event: dict, removed: bool) -> None:
    assert bot_token_revoked(event) is removed


def test_redelivered_events_have_no_second_effect(running: Running) -> None:
    open_home(running, event_id="EvSame")
    published(running)
    for retry in ("1", "2", "3"):
        reply = running.sender.event(
            {"type": "app_home_opened", "user": "U0ALICE", "tab": "home"},
            "EvSame",
            headers={"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert reply.status == 200
    open_home(running, event_id="EvNew")  # a new delivery still works, and comes after
    published(running, 2)
    assert len(running.slack.calls_to("views.publish")) == 2


def test_old_event_ids_are_forgotten(running: Running) -> None:
    storage = running.runtime.storage
    assert storage.first_delivery("EvOld", running.clock() - timedelta(days=2))
    assert not storage.first_delivery("EvOld", running.clock())
    running.runtime.jobs.fire_due()
    assert storage.first_delivery("EvOld", running.clock())
