"""Every ``/delight`` subcommand, through signed HTTP requests to the real app."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.conftest import Running, post_poll

pytestmark = pytest.mark.both_transports


def test_help_lists_every_command(running: Running) -> None:
    reply = running.sender.command("help")
    assert reply.status == 200
    for word in ("poll", "win", "tally", "digest", "help"):
        assert f"/delight {word}" in reply.text


@pytest.mark.parametrize("text", ["dance", "POLLS", "'; DROP TABLE wins; --"])
def test_unknown_subcommand_answers_with_usage(running: Running, text: str) -> None:
    reply = running.sender.command(text)
    assert reply.status == 200
    assert "I don't know" in reply.text
    assert "/delight poll" in reply.text
    assert running.slack.calls_to("chat.postMessage") == []


def test_win_with_story_is_logged_once_per_request(running: Running) -> None:
    reply = running.sender.command("win kept Saved the Acme renewal with a same-day fix")
    assert reply.status == 200
    assert "Logged for the team (customer kept)" in reply.text
    wins = running.runtime.storage.wins_between(
        "T0TEAM", "C0TEAM", *[datetime(2026, 11, 18).date()] * 2
    )
    assert [(w.kind.value, w.story) for w in wins] == [
        ("kept", "Saved the Acme renewal with a same-day fix")
    ]


def test_a_story_that_mentions_a_payload_is_still_a_command(running: Running) -> None:
    """Bolt reads any form body containing "payload" as an interaction (and this one as
    empty); the guard reads it as the slash command it is."""
    reply = running.sender.command("win kept Fixed the payload bug before Acme's launch")
    assert reply.status == 200
    assert "Logged for the team (customer kept)" in reply.text
    wins = running.runtime.storage.wins_between(
        "T0TEAM", "C0TEAM", *[datetime(2026, 11, 18).date()] * 2
    )
    assert [w.story for w in wins] == ["Fixed the payload bug before Acme's launch"]


@pytest.mark.parametrize(
    "story",
    [
        "Helped finance close the books a day early 🎉",
        "ساعدنا العميل في حل مشكلته",
        "Robert'); DROP TABLE wins;--",
        "<!channel> & <https://evil.test|click>",
    ],
)
def test_win_stories_are_stored_verbatim_and_escaped_in_digest(
    running: Running, story: str
) -> None:
    assert running.sender.command(f"win internal {story}").status == 200
    assert running.sender.command("digest").status == 200
    digest = running.slack.wait_for("chat.postMessage")[-1].params
    rendered = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "<!channel>" not in rendered
    stored = running.runtime.storage.wins_between(
        "T0TEAM", "C0TEAM", datetime(2026, 11, 16).date(), datetime(2026, 11, 22).date()
    )
    # Slack sends a typed @channel as <!channel> (should_escape): the story keeps what people
    # read, "@channel", and a typed "<...>" stays as typed.
    readable = story.replace("<!channel>", "@channel")
    assert [w.story for w in stored] == [readable]


def test_huge_win_story_is_refused_with_its_length(running: Running) -> None:
    reply = running.sender.command("win " + "x" * 10_000)
    assert reply.status == 200
    assert "10,000 characters" in reply.text
    assert (
        running.runtime.storage.wins_between(
            "T0TEAM", "C0TEAM", datetime(2026, 1, 1).date(), datetime(2027, 1, 1).date()
        )
        == []
    )


@pytest.mark.parametrize("text", ["win", "", "   "])
def test_win_without_story_opens_the_modal(running: Running, text: str) -> None:
    assert running.sender.command(text).status == 200
    (call,) = running.slack.wait_for("views.open")
    view = call.params["view"]
    assert view["callback_id"] == "log_win"
    assert json.loads(view["private_metadata"]) == {"channel_id": "C0TEAM"}
    assert call.params["trigger_id"].endswith(".1234.trigger")


def submit_win(running: Running, story: str | None, kind: str | None, view_id: str = "V1"):
    values = {
        "story": {"story_input": {"type": "plain_text_input", "value": story}},
        "kind": {
            "kind_input": {
                "type": "radio_buttons",
                "selected_option": {"value": kind} if kind else None,
            }
        },
    }
    return running.sender.submit("log_win", values, json.dumps({"channel_id": "C0TEAM"}), view_id)


def test_win_modal_submission_logs_the_win_and_confirms(running: Running) -> None:
    reply = submit_win(running, "Onboarded Globex in one call", "new")
    assert reply.status == 200
    assert reply.json["response_action"] == "update"
    assert "Logged for the team (new customer won)" in json.dumps(reply.json["view"])
    # Slack retrying the same submission (same view id) does not log it twice.
    assert submit_win(running, "Onboarded Globex in one call", "new").status == 200
    week = [datetime(2026, 11, 16).date(), datetime(2026, 11, 22).date()]
    assert len(running.runtime.storage.wins_between("T0TEAM", "C0TEAM", *week)) == 1


@pytest.mark.parametrize(
    ("story", "kind", "errors"),
    [
        ("", "new", {"story"}),
        ("   ", "kept", {"story"}),
        ("fine story", None, {"kind"}),
        ("fine story", "ceo-favourite", {"kind"}),
        (None, None, {"story", "kind"}),
        ("y" * 2001, "new", {"story"}),
    ],
)
def test_win_modal_bad_input_gets_field_errors(running: Running, story, kind, errors) -> None:
    reply = submit_win(running, story, kind)
    assert reply.status == 200
    assert reply.json["response_action"] == "errors"
    assert set(reply.json["errors"]) == errors


def test_win_modal_with_broken_metadata_says_it_expired(running: Running) -> None:
    reply = running.sender.submit("log_win", {}, "not json")
    assert reply.status == 200
    assert "expired" in json.dumps(reply.json["view"])


def test_tally_shows_team_numbers_today_and_this_week(running: Running) -> None:
    assert "Today: no poll yet" in running.sender.command("tally").text
    poll_id = post_poll(running).id
    block = f"delight_poll:{poll_id}"
    for user, value in [("U1", "2"), ("U2", "3")]:
        running.sender.click(block, value, user=user)
    text = running.sender.command("tally").text
    assert "2 answers so far" in text
    assert "5" not in text.split("\n")[1]  # below the threshold nothing is summed
    running.sender.click(block, "4", user="U3")
    text = running.sender.command("tally").text
    assert "We delighted 9 customers today · 3 of us answered" in text
    assert "This week: we delighted 9 customers over 1 day." in text


def test_tally_week_uses_channel_local_days(running: Running) -> None:
    # Monday 00:30 in UTC is still Sunday in the previous week for a channel in New York.
    running.runtime.storage.set_channel_tz("T0TEAM", "C0TEAM", "America/New_York")
    running.clock.now = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    post_poll(running)
    poll = running.runtime.storage.poll_on("T0TEAM", "C0TEAM", datetime(2026, 11, 22).date())
    assert poll is not None


def test_digest_posts_team_numbers_and_stories(running: Running) -> None:
    poll_id = post_poll(running).id
    for user in ("U1", "U2", "U3"):
        running.sender.click(f"delight_poll:{poll_id}", "2", user=user)
    running.sender.command("win new Signed Initech")
    running.sender.command("win internal Unblocked support with a script")
    assert running.sender.command("digest").status == 200
    digest = running.slack.wait_for("chat.postMessage", 2)[-1].params
    assert digest["text"].startswith("This week we delighted 6 customers")
    rendered = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "1 new customer won · 1 internal customer served" in rendered
    assert "Signed Initech" in rendered and "Unblocked support with a script" in rendered
    assert "U1" not in rendered


def test_poll_in_channel_without_the_bot_explains_how_to_invite(running: Running) -> None:
    running.slack.fail("chat.postMessage", "not_in_channel", times=1)
    assert running.sender.command("poll").status == 200
    (answer,) = running.slack.wait_for("response_url")
    assert "/invite @Delight" in answer.params["text"]
    # The failed claim was released: once invited, the poll can be posted.
    assert running.sender.command("poll").status == 200
    assert len(running.slack.wait_for("chat.postMessage", 2)) == 2


def test_digest_failure_is_explained(running: Running) -> None:
    running.slack.fail("chat.postMessage", "is_archived", times=1)
    assert running.sender.command("digest").status == 200
    (answer,) = running.slack.wait_for("response_url")
    assert "archived" in answer.params["text"]


def test_win_modal_open_failure_is_explained(running: Running) -> None:
    running.slack.fail("views.open", "expired_trigger_id", times=1)
    assert running.sender.command("win").status == 200
    (answer,) = running.slack.wait_for("response_url")
    assert "couldn't open the form" in answer.params["text"]
