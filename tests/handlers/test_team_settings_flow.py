"""``/delight customer``, ``goal``, ``privacy`` and ``forget me``, through signed requests."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.domain.models import ChannelProfile
from tests.blockkit import assert_valid_message
from tests.conftest import Running, answer, poll_in, post_poll

pytestmark = pytest.mark.both_transports

TEAM, CHANNEL = "T0TEAM", "C0TEAM"


def is_public(reply) -> bool:
    """Whether the command's answer was posted for the whole channel to see."""
    return reply.body.startswith("{") and reply.json.get("response_type") == "in_channel"


def rendered(params: dict) -> str:
    return json.dumps(params["blocks"], ensure_ascii=False)


# Our customer


def test_customer_is_announced_and_shown_on_polls_and_digests(running: Running) -> None:
    assert "Who is our customer?" in running.sender.command("customer").text
    reply = running.sender.command("customer Shop owners & <their> customers")
    assert is_public(reply)
    assert "Our customer: Shop owners &amp; &lt;their&gt; customers" in reply.text
    assert running.runtime.storage.channel_profile(TEAM, CHANNEL).customer == (
        "Shop owners & <their> customers"
    )
    poll = post_poll(running)
    poll_id, params = poll.id, poll.params
    assert_valid_message({"text": params["text"], "blocks": params["blocks"]})
    assert "Our customer: Shop owners &amp; &lt;their&gt; customers" in rendered(params)
    running.sender.command("digest")
    digest = running.slack.wait_for("chat.postMessage", 2)[-1].params
    assert "Our customer: Shop owners" in rendered(digest)
    assert poll_id > 0


def test_customer_change_redraws_the_open_poll(running: Running) -> None:
    post_poll(running)
    running.sender.command("customer The support team, so they answer fast")
    running.settle()
    (update,) = running.slack.wait_for("chat.update")
    assert "Our customer: The support team, so they answer fast" in rendered(update.params)


def test_customer_off_removes_it(running: Running) -> None:
    running.sender.command("customer Finance")
    reply = running.sender.command("customer off")
    assert "removed" in reply.text
    assert running.runtime.storage.channel_profile(TEAM, CHANNEL).customer is None
    params = post_poll(running).params
    assert "Our customer" not in rendered(params)


def test_customer_too_long_is_refused(running: Running) -> None:
    reply = running.sender.command("customer " + "x" * 151)
    assert "151 characters" in reply.text
    assert not is_public(reply)
    assert running.runtime.storage.channel_profile(TEAM, CHANNEL) == ChannelProfile()


# Team goal


def test_goal_progress_on_poll_tally_and_digest(running: Running) -> None:
    assert "No weekly goal yet" in running.sender.command("goal").text
    reply = running.sender.command("goal 50")
    assert is_public(reply)
    assert "New weekly team goal: 50 customers" in reply.text
    assert "We're at 0 of 50 this week" in reply.text
    poll = post_poll(running)
    poll_id, params = poll.id, poll.params
    assert "We're at 0 of 50 this week" in rendered(params)
    answer(running, poll_id, "5", "5", "4")
    running.settle()
    assert "We're at 14 of 50 this week" in rendered(
        running.slack.calls_to("chat.update")[-1].params
    )
    assert "We're at 14 of 50 this week" in running.sender.command("tally").text
    assert "We're at 14 of 50 this week" in running.sender.command("goal").text
    running.sender.command("digest")
    digest = running.slack.wait_for("chat.postMessage", 2)[-1].params
    assert "We're at 14 of 50 this week" in rendered(digest)


def test_goal_reached(running: Running) -> None:
    running.sender.command("goal 10")
    poll_id = post_poll(running).id
    answer(running, poll_id, "5", "5", "4")
    assert "We reached our goal: 14 of 10 this week!" in running.sender.command("tally").text


def test_goal_below_the_threshold_shows_no_partial_number(running: Running) -> None:
    running.sender.command("goal 10")
    poll_id = post_poll(running).id
    answer(running, poll_id, "5", "4")
    assert "We're at 0 of 10 this week" in running.sender.command("tally").text


def test_goal_off(running: Running) -> None:
    running.sender.command("goal 10")
    assert "The weekly goal is off" in running.sender.command("goal off").text
    assert running.runtime.storage.channel_profile(TEAM, CHANNEL).goal is None
    assert "of 10" not in running.sender.command("tally").text


@pytest.mark.parametrize("text", ["goal 0", "goal -5", "goal lots", "goal 100001", "goal 5 6"])
def test_bad_goal_is_explained(running: Running, text: str) -> None:
    reply = running.sender.command(text)
    assert "/delight goal 50" in reply.text
    assert running.runtime.storage.channel_profile(TEAM, CHANNEL).goal is None


# Privacy threshold


def test_privacy_shows_the_rules(running: Running) -> None:
    text = running.sender.command("privacy").text
    assert "A tally shows once 3 of us have answered" in text
    assert "forget me" in text


def test_raising_the_threshold_hides_a_live_tally_at_once(running: Running) -> None:
    poll_id = post_poll(running).id
    answer(running, poll_id, "1", "2", "3")
    running.settle()
    assert "We delighted 6 customers today" in rendered(
        running.slack.calls_to("chat.update")[-1].params
    )
    reply = running.sender.command("privacy threshold 5")
    assert is_public(reply)
    assert "once 5 people have answered" in reply.text
    running.settle()
    last = rendered(running.slack.calls_to("chat.update")[-1].params)
    assert "3 answers so far — the tally appears at 5" in last
    assert "6 customers" not in last
    assert "This week: we delighted 0 customers" in running.sender.command("tally").text


def test_lowering_the_threshold_keeps_todays_promise(running: Running) -> None:
    poll_id = post_poll(running).id
    answer(running, poll_id, "4")
    running.sender.command("privacy threshold 1")
    # Today's poll was answered under a threshold of 3: one answer still shows no number.
    text = running.sender.command("tally").text
    assert "1 answer so far — the tally appears at 3" in text
    assert running.runtime.storage.get_poll(poll_id) is not None
    # The next poll is posted under the new threshold of 1.
    running.clock.now = running.clock.now.replace(day=19)
    next_id = post_poll(running).id
    answer(running, next_id, "2")
    assert (
        "We delighted 2 customers today · 1 of us answered" in running.sender.command("tally").text
    )


@pytest.mark.parametrize(
    "text", ["privacy threshold 0", "privacy threshold -1", "privacy threshold", "privacy x 3"]
)
def test_bad_threshold_is_explained(running: Running, text: str) -> None:
    reply = running.sender.command(text)
    assert "/delight privacy threshold 5" in reply.text
    assert running.runtime.storage.channel_profile(TEAM, CHANNEL).threshold == 3


# Forget me


def test_forget_me_deletes_my_answers_everywhere_in_the_workspace(running: Running) -> None:
    first = post_poll(running).id
    other = running.sender.command("poll", channel="C0OTHER")
    assert other.status == 200
    second = poll_in(running.slack.wait_for("chat.postMessage", 2)[-1].params)
    answer(running, first, "5", "1", "1", users="ABC")
    answer(running, second, "3", users="A", channel="C0OTHER")
    reply = running.sender.command("forget me", user="UA")
    assert not is_public(reply)
    assert "deleted 2 answers of yours" in reply.text
    storage = running.runtime.storage
    assert storage.poll_total(first).responders == 2
    assert storage.poll_total(second).responders == 0
    running.settle()
    # The visible tally keeps its numbers until its next step (redrawing it without the
    # answer would show what it was); the one below its threshold shows its count.
    updates = [c.params for c in running.slack.calls_to("chat.update")]
    assert "We delighted 7 customers today · 3 of us answered · 1 more answer since" in rendered(
        [u for u in updates if u["channel"] == CHANNEL][-1]
    )
    assert "No answers yet" in rendered([u for u in updates if u["channel"] == "C0OTHER"][-1])
    again = running.sender.command("forget me", user="UA")
    assert "no answers of yours" in again.text


def test_forget_me_leaves_other_workspaces_alone(running: Running) -> None:
    poll_id = post_poll(running).id
    answer(running, poll_id, "5", users="A")
    storage = running.runtime.storage
    other = storage.claim_poll("T0OTHER", "C0X", date(2026, 11, 18), running.clock())
    storage.set_poll_message(other[0].id, "1.1")
    storage.record_answer(other[0].id, running.runtime.delight.polls._pseudonym("T0OTHER", "UA"), 2)
    running.sender.command("forget me", user="UA")
    assert storage.poll_total(other[0].id).responders == 1


@pytest.mark.parametrize("text", ["forget", "forget everyone", "forget U0BOB"])
def test_forget_needs_exactly_me(running: Running, text: str) -> None:
    reply = running.sender.command(text)
    assert "Type it just like that" in reply.text


# The digest's response rate


def test_digest_response_rate_is_a_team_percentage(running: Running) -> None:
    running.slack.join(CHANNEL, *[f"U{c}" for c in "ABCDEF"])  # six of us, plus Delight
    poll_id = post_poll(running).id
    answer(running, poll_id, "1", "2", "3")
    assert running.sender.command("digest").status == 200
    digest = running.slack.wait_for("chat.postMessage", 2)[-1].params
    assert "On an average poll day 50% of us answered." in rendered(digest)
    (info,) = running.slack.calls_to("conversations.info")
    assert info.params["channel"] == CHANNEL


def test_digest_without_a_member_count_leaves_the_rate_out(running: Running) -> None:
    running.slack.fail("conversations.info", "missing_scope")
    poll_id = post_poll(running).id
    answer(running, poll_id, "1", "2", "3")
    assert running.sender.command("digest").status == 200
    digest = running.slack.wait_for("chat.postMessage", 2)[-1].params
    assert digest["text"].startswith("This week we delighted 6 customers")
    assert "average poll day" not in rendered(digest)
