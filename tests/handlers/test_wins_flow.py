"""Wins from wherever they happen (issue 15): the message shortcut, the global shortcut and
the "Log a win" buttons, through the real app over both transports."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from bot.slack import ids
from tests.conftest import Running, post_poll
from tests.fake_slack import TEAM_ID

pytestmark = pytest.mark.both_transports

WEEK = (date(2026, 11, 16), date(2026, 11, 22))


def opened_view(running: Running, count: int = 1) -> dict:
    return running.slack.wait_for("views.open", count)[-1].params["view"]


def submit(
    running: Running,
    view: dict,
    story: str | None,
    kind: str | None = "kept",
    view_id: str = "V0WIN",
    channel: str | None = None,
):
    values: dict = {
        ids.WIN_STORY_BLOCK: {ids.WIN_STORY_ACTION: {"type": "plain_text_input", "value": story}},
        ids.WIN_KIND_BLOCK: {
            ids.WIN_KIND_ACTION: {
                "type": "radio_buttons",
                "selected_option": {"value": kind} if kind else None,
            }
        },
    }
    if channel is not None:
        values[ids.WIN_CHANNEL_BLOCK] = {
            ids.WIN_CHANNEL_ACTION: {
                "type": "static_select",
                "selected_option": {"value": channel} if channel else None,
            }
        }
    return running.sender.submit(ids.WIN_VIEW, values, view["private_metadata"], view_id)


def win_rows(running: Running) -> list[tuple]:
    with sqlite3.connect(running.runtime.settings.db_path) as db:
        return db.execute("SELECT * FROM wins ORDER BY id").fetchall()


def initial_story(view: dict) -> str | None:
    (story,) = [b for b in view["blocks"] if b.get("block_id") == ids.WIN_STORY_BLOCK]
    return story["element"].get("initial_value")


# The message shortcut


def test_message_shortcut_prefills_a_readable_story_and_keeps_the_link(running: Running) -> None:
    text = (
        "Huge thanks <@U0CAROL|carol> and <@U0DAVE>! Acme said &quot;wow&quot; &amp; renewed "
        "in <#C0SALES|sales> <!here>"
    )
    reply = running.sender.message_shortcut(ids.MESSAGE_SHORTCUT, text, message_ts="1.000042")
    assert reply.status == 200
    view = opened_view(running)
    assert view["callback_id"] == ids.WIN_VIEW
    assert initial_story(view) == (
        'Huge thanks @carol and @someone! Acme said "wow" & renewed in #sales @here'
    )
    assert "U0CAROL" not in json.dumps(view) and "U0DAVE" not in json.dumps(view)
    story = initial_story(view)
    reply = submit(running, view, story, "kept")
    assert reply.json["response_action"] == "update"
    assert "Logged for the team (customer kept)" in json.dumps(reply.json["view"])
    running.slack.wait_for("chat.getPermalink")
    (win,) = running.runtime.storage.wins_between(TEAM_ID, "C0TEAM", *WEEK)
    assert win.story == story
    assert win.permalink == "https://fake.slack.test/archives/C0TEAM/p1000042"
    # No author: nobody's id is anywhere in the row, not the author's, not the logger's.
    (row,) = win_rows(running)
    assert not any(u in str(row) for u in ("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"))
    running.sender.command("digest")
    digest = running.slack.wait_for("chat.postMessage")[-1].params
    rendered = json.dumps(digest["blocks"])
    assert "<https://fake.slack.test/archives/C0TEAM/p1000042|the message>" in rendered
    assert "<!here>" not in rendered and "<@" not in rendered


def test_message_shortcut_trims_a_long_message_to_the_story_limit(running: Running) -> None:
    running.sender.message_shortcut(ids.MESSAGE_SHORTCUT, "word " * 1000)
    story = initial_story(opened_view(running))
    assert story is not None and len(story) == 2000 and story.endswith("…")


def test_the_same_message_logged_twice_logs_one_win(running: Running) -> None:
    running.sender.message_shortcut(ids.MESSAGE_SHORTCUT, "Acme is live", message_ts="2.1")
    running.sender.message_shortcut(ids.MESSAGE_SHORTCUT, "Acme is live", message_ts="2.1")
    first, second = (c.params["view"] for c in running.slack.wait_for("views.open", 2))
    # Two forms open on the same message at once: the first submitted logs it.
    assert submit(running, first, "Acme is live", view_id="V1").json["response_action"] == "update"
    reply = submit(running, second, "Acme is live, again", view_id="V2")
    assert "already logged" in json.dumps(reply.json["view"])
    # Once logged, the shortcut says so instead of opening the form.
    running.sender.message_shortcut(ids.MESSAGE_SHORTCUT, "Acme is live", message_ts="2.1")
    third = opened_view(running, 3)
    assert "callback_id" not in third
    assert "already logged" in json.dumps(third)
    assert [w.story for w in running.runtime.storage.wins_between(TEAM_ID, "C0TEAM", *WEEK)] == [
        "Acme is live"
    ]


def test_a_win_is_kept_when_slack_gives_no_link(running: Running) -> None:
    running.slack.fail("chat.getPermalink", "message_not_found")
    running.sender.message_shortcut(ids.MESSAGE_SHORTCUT, "Globex signed", message_ts="3.1")
    submit(running, opened_view(running), "Globex signed", "new")
    running.slack.wait_for("chat.getPermalink")
    (win,) = running.runtime.storage.wins_between(TEAM_ID, "C0TEAM", *WEEK)
    assert (win.story, win.permalink) == ("Globex signed", None)


def test_message_shortcut_in_a_direct_message_is_refused(running: Running) -> None:
    running.sender.message_shortcut(ids.MESSAGE_SHORTCUT, "hi", channel="D0DIRECT")
    view = opened_view(running)
    assert "team's channel" in json.dumps(view) and "callback_id" not in view


def test_message_shortcut_without_a_message_is_refused(running: Running) -> None:
    payload = {
        "type": "message_action",
        "callback_id": ids.MESSAGE_SHORTCUT,
        "team": {"id": TEAM_ID},
        "user": {"id": "U0ALICE"},
        "channel": {"id": "C0TEAM"},
        "trigger_id": "1.2.t",
    }
    reply = running.sender.interaction(payload)
    assert reply.status in (200, 400)
    assert running.slack.calls_to("views.open") == []


# The global shortcut


def test_global_shortcut_offers_only_the_channels_delight_is_in(running: Running) -> None:
    running.slack.join("C0TEAM", "U0ALICE")
    running.slack.join("C0SALES")
    running.slack.members["C0ELSEWHERE"] = {"U0ALICE"}  # Delight is not in it
    assert running.sender.global_shortcut(ids.GLOBAL_SHORTCUT).status == 200
    assert "Loading" in json.dumps(opened_view(running))
    (update,) = running.slack.wait_for("views.update")
    assert update.params["view_id"] == "V0VIEW" and update.params["hash"] == "h1"
    view = update.params["view"]
    (picker,) = [b for b in view["blocks"] if b.get("block_id") == ids.WIN_CHANNEL_BLOCK]
    options = picker["element"]["options"]
    assert [(o["value"], o["text"]["text"]) for o in options] == [
        ("C0SALES", "#c0sales"),
        ("C0TEAM", "#c0team"),
    ]
    reply = submit(running, view, "Closed the books early", "internal", channel="C0SALES")
    assert reply.json["response_action"] == "update"
    (win,) = running.runtime.storage.wins_between(TEAM_ID, "C0SALES", *WEEK)
    assert win.story == "Closed the books early"
    assert reply.json["view"]["type"] == "modal"


def test_global_shortcut_needs_a_channel_picked(running: Running) -> None:
    running.slack.join("C0TEAM", "U0ALICE")
    running.slack.join("C0SALES")
    running.sender.global_shortcut(ids.GLOBAL_SHORTCUT)
    view = running.slack.wait_for("views.update")[-1].params["view"]
    reply = submit(running, view, "A story", "new", channel="")
    assert reply.json == {
        "response_action": "errors",
        "errors": {ids.WIN_CHANNEL_BLOCK: "Pick the team's channel this win is for."},
    }


def test_global_shortcut_when_delight_is_in_no_channel(running: Running) -> None:
    running.sender.global_shortcut(ids.GLOBAL_SHORTCUT)
    view = running.slack.wait_for("views.update")[-1].params["view"]
    assert "/invite @Delight" in json.dumps(view) and "submit" not in view


def test_global_shortcut_when_slack_wont_list_channels(running: Running) -> None:
    running.slack.fail("users.conversations", "internal_error", status=500)
    running.sender.global_shortcut(ids.GLOBAL_SHORTCUT)
    view = running.slack.wait_for("views.update")[-1].params["view"]
    assert "couldn't load my channels" in json.dumps(view)


# The buttons on the poll and on its result line


def test_poll_button_opens_the_form_for_that_channel(running: Running) -> None:
    poll_id = post_poll(running).id
    reply = running.sender.click(
        f"{ids.POLL_BLOCK_PREFIX}{poll_id}", "win", action_id=ids.LOG_WIN_ACTION
    )
    assert reply.status == 200
    view = opened_view(running)
    assert view["callback_id"] == ids.WIN_VIEW
    assert json.loads(view["private_metadata"]) == {"channel_id": "C0TEAM"}
    assert running.runtime.storage.poll_total(poll_id).responders == 0  # not an answer


def test_result_line_has_the_button_too(running: Running) -> None:
    poll_id = post_poll(running).id
    for user, value in [("U1", "2"), ("U2", "3"), ("U3", "4")]:
        running.sender.click(f"{ids.POLL_BLOCK_PREFIX}{poll_id}", value, user=user)
    running.clock.now += timedelta(days=1)
    running.sender.command("poll")
    running.slack.wait_for("chat.postMessage", 3)
    (result,) = [c for c in running.slack.posted() if c.params.get("thread_ts")]
    (section,) = result.params["blocks"]
    assert section["text"]["text"] == result.params["text"]
    assert section["accessory"]["action_id"] == ids.LOG_WIN_ACTION
    running.sender.click("result", "win", action_id=ids.LOG_WIN_ACTION)
    assert json.loads(opened_view(running)["private_metadata"]) == {"channel_id": "C0TEAM"}
