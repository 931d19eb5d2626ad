"""``/delight thanks #other-team <story>``: one team thanks another as its internal customer
(issue 15), through the real app over both transports."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.domain.models import WinKind
from tests.conftest import Running
from tests.fake_slack import TEAM_ID

pytestmark = pytest.mark.both_transports

WEEK = (date(2026, 11, 16), date(2026, 11, 22))
OTHER = "<#C0OTHER|platform>"


def digest_of(running: Running, channel: str) -> str:
    before = len(running.slack.calls_to("chat.postMessage"))
    running.sender.command("digest", channel=channel)
    posts = [
        c
        for c in running.slack.wait_for("chat.postMessage", count=before + 1)
        if "This week" in c.params["text"]
    ]
    (post,) = [c for c in posts if c.params["channel"] == channel]
    return json.dumps(post.params["blocks"], ensure_ascii=False)


def test_thanks_posts_there_counts_for_them_and_confirms_here(running: Running) -> None:
    running.sender.command("customer Shop owners who sell with our app")
    reply = running.sender.command(f"thanks {OTHER} Fixed the export for <@U0BOB|bob> & co")
    assert reply.status == 200
    running.slack.wait_for("chat.postMessage", 2)
    thanks, confirmation = running.slack.posted()
    assert thanks.params["channel"] == "C0OTHER"
    text = thanks.params["blocks"][0]["text"]["text"]
    assert "Your internal customers in <#C0TEAM> thank you!" in text
    assert "> Fixed the export for @bob &amp; co" in text  # escaped for mrkdwn
    assert "Shop owners who sell with our app" in json.dumps(thanks.params["blocks"])
    assert confirmation.params["channel"] == "C0TEAM"
    assert "We thanked <#C0OTHER>" in confirmation.params["blocks"][0]["text"]["text"]
    (win,) = running.runtime.storage.wins_between(TEAM_ID, "C0OTHER", *WEEK)
    assert (win.kind, win.story, win.from_channel) == (
        WinKind.INTERNAL,
        "Fixed the export for @bob & co",
        "C0TEAM",
    )
    assert running.runtime.storage.wins_between(TEAM_ID, "C0TEAM", *WEEK) == []


def test_a_thanks_story_never_pings(running: Running) -> None:
    # A typed @channel arrives as <!channel>: stored as people read it, shown escaped.
    running.sender.command(f"thanks {OTHER} <!channel> typed as text <@U0BOB>")
    running.slack.wait_for("chat.postMessage", 2)
    for post in running.slack.posted():
        sent = post.params["text"] + json.dumps(post.params["blocks"])
        assert "<!channel>" not in sent and "U0BOB" not in sent
    (win,) = running.runtime.storage.wins_between(TEAM_ID, "C0OTHER", *WEEK)
    assert win.story == "@channel typed as text @someone"


def test_digests_show_thanks_received_and_teams_thanked(running: Running) -> None:
    running.sender.command(f"thanks {OTHER} Unblocked our release")
    running.sender.command("thanks <#C0DATA|data> Built the dashboard we needed")
    running.sender.command("thanks <#C0DATA|data> And fixed it the same day")
    running.slack.wait_for("chat.postMessage", 6)
    ours = digest_of(running, "C0TEAM")
    assert "We thanked 2 teams who serve us." in ours
    theirs = digest_of(running, "C0DATA")
    assert "2 thank-yous from teams we serve." in theirs
    assert "Thanks from <#C0TEAM> · Built the dashboard we needed" in theirs
    assert "2 internal customers served" in theirs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks <#C0TEAM|team> Thanks, us!", "That's this channel"),
        (f"thanks {OTHER}", "Tell them what they did for us."),
        (f"thanks {OTHER}    ", "Tell them what they did for us."),
        ("thanks #no-such-team Great work", "I can't find a channel called `#no-such-team`"),
        ("thanks", "Which team do we thank?"),
        (f"thanks {OTHER} " + "x" * 2001, "please keep it to 2,000"),
    ],
)
def test_thanks_refusals_are_ephemeral_and_change_nothing(
    running: Running, text: str, expected: str
) -> None:
    reply = running.sender.command(text)
    assert reply.status == 200
    assert expected in reply.text
    assert running.slack.calls_to("chat.postMessage") == []
    assert running.runtime.storage.known_channels(TEAM_ID) == []


def test_thanks_to_a_channel_without_delight_says_how_to_invite(running: Running) -> None:
    running.slack.leave("C0OTHER", "U0BOT")
    assert running.sender.command(f"thanks {OTHER} Great help").status == 200
    (answer,) = running.slack.wait_for("response_url")
    assert "I'm not in <#C0OTHER> yet" in answer.params["text"]
    assert "/invite @Delight" in answer.params["text"]
    assert running.slack.posted() == []
    assert running.runtime.storage.wins_between(TEAM_ID, "C0OTHER", *WEEK) == []


def test_thanks_to_a_private_channel_delight_cant_see(running: Running) -> None:
    running.slack.fail("chat.postMessage", "channel_not_found", times=1)
    running.sender.command(f"thanks {OTHER} Great help")
    (answer,) = running.slack.wait_for("response_url")
    assert "it may be private" in answer.params["text"]
    assert running.runtime.storage.wins_between(TEAM_ID, "C0OTHER", *WEEK) == []


def test_thanks_still_counts_when_this_channel_cant_be_posted_in(running: Running) -> None:
    running.slack.leave("C0TEAM", "U0BOT")
    running.sender.command(f"thanks {OTHER} Great help")
    (answer,) = running.slack.wait_for("response_url")
    assert "Thanked <#C0OTHER>" in answer.params["text"]
    assert len(running.runtime.storage.wins_between(TEAM_ID, "C0OTHER", *WEEK)) == 1


@pytest.mark.parametrize("text", [f"thanks {OTHER} Great help", "webhook", "webhook rotate"])
def test_thanks_and_webhooks_belong_to_a_team_channel(running: Running, text: str) -> None:
    reply = running.sender.command(text, channel="D0DIRECT")
    assert "not in a direct message" in reply.text
    assert running.slack.calls_to("chat.postMessage") == []
    assert running.runtime.storage.webhook_nonce(TEAM_ID, "D0DIRECT") is None
