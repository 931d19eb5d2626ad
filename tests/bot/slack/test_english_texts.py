"""What a new user tripped over in the English texts (issue 16), and the voice: the team is
"we"; Delight speaks of itself as "I" only about what it does (posting, being in a channel)."""

from __future__ import annotations

import pytest

from bot.domain.models import ChannelProfile
from bot.slack import poll_blocks, profile_texts, reply_texts
from tests.conftest import Running

pytestmark = pytest.mark.both_transports


def test_a_single_day_schedule_is_a_weekly_poll_announced_to_the_channel(running: Running) -> None:
    reply = running.sender.command("schedule 17:00 sat-sat")
    assert reply.json["response_type"] == "in_channel"
    assert reply.text.startswith("Weekly poll at *17:00* (UTC), every Saturday.")
    assert "Daily poll" not in reply.text
    shown = running.sender.command("schedule")
    assert shown.json["response_type"] == "ephemeral"  # looking is private; changing is not


def test_schedule_off_confirms_and_is_announced(running: Running) -> None:
    running.sender.command("schedule 17:00")
    reply = running.sender.command("schedule off")
    assert reply.json["response_type"] == "in_channel"
    assert reply.text == (
        "Daily polls are off in this channel. Answers so far are kept in our numbers; "
        "`/delight schedule 17:00` starts the polls again."
    )
    again = running.sender.command("schedule off")
    assert again.text.startswith("This channel has no daily poll yet.")


@pytest.mark.parametrize("command", ["pause", "resume", "nudge 30m", "digest schedule fri 16:00"])
def test_schedule_changes_are_announced(running: Running, command: str) -> None:
    running.sender.command("schedule 17:00")
    assert running.sender.command(command).json["response_type"] == "in_channel"


def test_a_past_skip_date_gets_an_example(running: Running) -> None:
    running.sender.command("schedule 17:00")
    reply = running.sender.command("skip 2020-01-01")
    assert reply.text == (
        "2020-01-01 has already passed here; give a date from today on. "
        "Try `/delight skip 2026-12-24`."
    )


def test_forgetting_one_answer_speaks_of_one() -> None:
    one = reply_texts.forgotten_text(1)
    assert one.startswith("Done: I deleted 1 answer of yours from this workspace.")
    assert "Its poll leaves you out from its next live-tally step" in one
    assert "Their" not in one and "them" not in one
    assert "Their polls leave you out" in reply_texts.forgotten_text(2)


def test_no_text_says_i_for_the_team() -> None:
    """The team's numbers and wins are always "we"/"our"; a reply never says "my tally"."""
    texts = [
        reply_texts.help_text(),
        profile_texts.privacy_text(ChannelProfile()),
        poll_blocks.nudge_text(30),
    ]
    for text in texts:
        assert " my " not in text and "I delighted" not in text
