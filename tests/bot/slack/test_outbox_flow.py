"""The outbox end to end (issue 12): the real app, the fake Slack with faults per channel.

Every kind of message goes through one outbox: whatever Slack does in between (10 429s in a
row, 5xx, connections dropped before Slack acted, timeouts), each ends delivered exactly
once. What the person who asked sees: "Posting in a moment" when a poll can't go out at
once, "on its way" for a second `/delight poll` meanwhile, and the reason when it is given up.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.ops import check
from bot.storage.store import Storage
from tests.conftest import FakeClock, Running, eventually, make_settings, serve
from tests.fake_slack import TEAM_ID, Call, FakeSlack

WEDNESDAY = date(2026, 11, 18)
MANUAL, SCHEDULED, DIGEST, EDITED = "C0MANUAL", "C0SCHEDULED", "C0DIGEST", "C0EDITED"


def tops(slack: FakeSlack, channel: str) -> list[Call]:
    """Top-level messages Slack posted in the channel."""
    return [c for c in slack.posted(channel) if "thread_ts" not in c.params]


def poll_ts(app: Running, channel: str) -> str | None:
    poll = app.runtime.storage.poll_on(TEAM_ID, channel, WEDNESDAY)
    return None if poll is None else poll.message_ts


def block_id_of(call: Call) -> str:
    (actions,) = [b for b in call.params["blocks"] if b["type"] == "actions"]
    return actions["block_id"]


FAULTS: dict[str, Callable[[FakeSlack, str, str], None]] = {
    "ten 429s in a row": lambda slack, method, channel: slack.fail(
        method, "ratelimited", 429, times=10, headers={"Retry-After": "1"}, channel=channel
    ),
    "5xx": lambda slack, method, channel: slack.fail(
        method, "internal_error", 500, times=5, channel=channel
    ),
    "dropped before Slack acted": lambda slack, method, channel: slack.drop(
        method, times=5, channel=channel
    ),
    "timeouts": lambda slack, method, channel: slack.hang(method, 1.0, times=3, channel=channel),
}


@contextmanager
def app_with_short_timeouts(slack: FakeSlack, clock: FakeClock, tmp_path: Path) -> Iterator:
    """The real app, whose Web API client gives up on an answer after 0.3 s (10 s in
    production), so a hung call is a timeout within the test."""
    with serve(slack, clock, tmp_path / "delight.db") as app:
        app.runtime.client.timeout = 0.3
        yield app


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_kind_of_message_is_delivered_once_through_a_fault(
    slack: FakeSlack, clock: FakeClock, tmp_path: Path, fault: str
) -> None:
    """Four channels at once, each with the fault on its own message: a `/delight poll`, a
    scheduled poll, a `/delight digest`, and a live-tally edit."""
    inject = FAULTS[fault]
    with app_with_short_timeouts(slack, clock, tmp_path) as app:
        sender, jobs = app.sender, app.runtime.jobs
        assert sender.command("schedule 17:00", channel=SCHEDULED).status == 200
        assert sender.command("poll", channel=EDITED).status == 200
        eventually(lambda: poll_ts(app, EDITED))
        edited_ts = poll_ts(app, EDITED)
        app.settle()
        clock.now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)

        for channel in (MANUAL, SCHEDULED, DIGEST):
            inject(slack, "chat.postMessage", channel)
        inject(slack, "chat.update", EDITED)
        assert sender.command("poll", channel=MANUAL).status == 200
        jobs.run_poll(TEAM_ID, SCHEDULED)
        assert sender.command("digest", channel=DIGEST).status == 200
        block_id = block_id_of(tops(slack, EDITED)[0])
        assert sender.click(block_id, "3", user="U1", channel=EDITED).status == 200
        eventually(lambda: poll_ts(app, MANUAL) and poll_ts(app, SCHEDULED), timeout=60)
        eventually(lambda: app.runtime.storage.outbox_pending() == {}, timeout=60)
        app.settle()
        print(f"\n{fault}: {len(slack.calls)} calls, {len(slack.calls_to('chat.update'))} edits")
    for channel in (MANUAL, SCHEDULED, DIGEST):
        assert len(tops(slack, channel)) == 1, channel
    assert tops(slack, DIGEST)[0].params["text"].startswith("This week's numbers")
    edits = [c for c in slack.calls_to("chat.update") if c.ok and c.params["ts"] == edited_ts]
    assert len(edits) == 1 and "1 answer so far" in edits[0].params["text"]


@pytest.mark.both_transports
def test_a_poll_that_cant_go_out_at_once_says_so_and_posts_once(running: Running) -> None:
    slack = running.slack
    slack.fail("chat.postMessage", "ratelimited", 429, times=3, headers={"Retry-After": "1"})
    first = running.sender.command("poll")
    assert first.status == 200 and first.text == ""
    (note,) = slack.wait_for("response_url", timeout=10)
    assert note.params["text"].startswith("Posting in a moment")
    assert running.runtime.storage.outbox_pending().get("poll") == 1
    # Meanwhile a second `/delight poll` says it is on its way, and queues nothing.
    second = running.sender.command("poll", user="U2")
    assert "being posted right now" in second.text
    eventually(lambda: poll_ts(running, "C0TEAM"))
    running.settle()
    assert len(slack.posted("C0TEAM")) == 1
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429] * 3 + [200]
    assert len(slack.calls_to("response_url")) == 1  # told once


@pytest.mark.both_transports
def test_a_poll_given_up_tells_the_person_why_and_turns_nothing_off(running: Running) -> None:
    slack = running.slack
    slack.fail("chat.postMessage", "restricted_action", times=1)
    assert running.sender.command("poll").status == 200
    (told,) = slack.wait_for("response_url", timeout=10)
    assert told.params["text"] == "This workspace doesn't let me post in this channel."
    running.settle()
    assert running.runtime.storage.outbox_pending() == {}
    # Given up, not lost for good: asking again posts it, under the same poll.
    assert running.sender.command("poll").status == 200
    eventually(lambda: poll_ts(running, "C0TEAM"))
    assert len(slack.posted("C0TEAM")) == 1


@pytest.mark.both_transports
def test_a_poll_in_a_channel_without_the_bot_says_how_to_fix_it(running: Running) -> None:
    slack = running.slack
    running.sender.command("schedule 17:00")
    slack.fail("chat.postMessage", "not_in_channel", times=1)
    assert running.sender.command("poll").status == 200
    (told,) = slack.wait_for("response_url", timeout=10)
    assert told.params["text"].startswith("I'm not in this channel yet.")
    running.settle()
    assert "not_in_channel" in running.sender.command("schedule").text


def test_readyz_reports_a_backlog_that_is_too_old(running: Running) -> None:
    def readyz() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(running.base_url + "/readyz", timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    slack = running.slack
    slack.fail("chat.postMessage", "internal_error", 500)  # Slack is down
    assert running.sender.command("poll").status == 200
    eventually(lambda: slack.calls_to("chat.postMessage"))
    assert readyz() == (200, "ready")
    running.clock.now += timedelta(minutes=6)
    status, body = readyz()
    assert status == 503 and "outbox's oldest message has waited 6 min" in body
    slack.heal()
    running.settle()
    assert readyz() == (200, "ready")


def test_check_shows_what_waits_in_the_outbox(slack: FakeSlack, tmp_path: Path) -> None:
    db = tmp_path / "delight.db"
    storage = Storage(db)
    now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    for channel in ("C1", "C2"):
        storage.request_poll(TEAM_ID, channel, WEDNESDAY, now, 3, now + timedelta(hours=7))
    storage.claim_digest(TEAM_ID, "C1", date(2026, 11, 16), now, now + timedelta(days=5))
    storage.close()
    lines: list[str] = []
    assert check.run(make_settings(slack, db), out=lines.append) == 0
    assert "outbox pending: 1 digest, 2 poll" in lines[1]
