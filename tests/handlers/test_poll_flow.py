"""The daily poll end to end: signed requests in, Web API calls out to the fake Slack."""

from __future__ import annotations

import pytest

from tests.conftest import Running, eventually, post_poll

pytestmark = pytest.mark.both_transports


def test_poll_posts_question_buttons_and_empty_tally(running: Running) -> None:
    params = post_poll(running).params
    assert params["channel"] == "C0TEAM"
    assert "How many customers did we delight today?" in params["text"]
    buttons = params["blocks"][2]["elements"]
    assert [b["value"] for b in buttons] == ["0", "1", "2", "3", "4", "5", "more", "win"]
    assert params["blocks"][3]["elements"][0]["text"].endswith(
        "No answers yet. Be the first to count!"
    )
    assert running.slack.calls_to("chat.postMessage")[0].token == "xoxb-test-token"


def test_second_poll_same_day_links_to_first(running: Running) -> None:
    poll_id = post_poll(running).id
    storage = running.runtime.storage
    eventually(lambda: storage.get_poll(poll_id).permalink)  # stored just after Slack answers
    reply = running.sender.command("poll")
    assert reply.status == 200
    assert "We already have today's poll" in reply.text
    assert "https://fake.slack.test/archives/C0TEAM/p1700000000" in reply.text
    assert len(running.slack.calls_to("chat.postMessage")) == 1


def test_clicks_update_team_tally_after_three_answers(running: Running) -> None:
    poll_id = post_poll(running).id
    block = f"delight_poll:{poll_id}"
    assert running.sender.click(block, "2", user="U1").status == 200
    assert running.sender.click(block, "4", user="U2").status == 200
    running.settle()
    last = running.slack.calls_to("chat.update")[-1].params
    assert "2 answers so far — the tally appears at 3" in last["text"]
    assert running.sender.click(block, "5", user="U3").status == 200
    running.settle()
    last = running.slack.calls_to("chat.update")[-1].params
    assert "We delighted 11 customers today · 3 of us answered" in last["text"]


def test_changing_an_answer_replaces_it(running: Running) -> None:
    """A change counts toward the live tally's next step (tests/handlers/test_live_steps.py)."""
    poll_id = post_poll(running).id
    block = f"delight_poll:{poll_id}"
    clicks = [("U1", "1"), ("U2", "1"), ("U3", "1"), ("U1", "5"), ("U4", "1"), ("U5", "1")]
    for user, value in clicks:
        assert running.sender.click(block, value, user=user).status == 200
    running.settle()
    last = running.slack.calls_to("chat.update")[-1].params
    assert "We delighted 9 customers today · 5 of us answered" in last["text"]


def test_clicker_gets_ephemeral_thanks_saying_their_answer(running: Running) -> None:
    poll_id = post_poll(running).id
    running.sender.click(f"delight_poll:{poll_id}", "3")
    (thanks,) = running.slack.wait_for("response_url")
    assert thanks.params["text"].startswith("Thank you! You counted 3 customers delighted today.")
    assert thanks.params["response_type"] == "ephemeral"
    assert thanks.params["replace_original"] is False
