"""A burst of clicks on one poll: every answer counts, and the live tally is edited at the
coalescing pace (the poll's one pending edit in the outbox, bot/slack/delivery.py), never once per
click and within Tier 3, ending on the
last step of the live tally (bot/domain/live.py) and, once closed, the final numbers.

The clicks are signed and sent over HTTP from a thread pool, as Slack would deliver them when a
whole company answers at once.
"""

from __future__ import annotations

import itertools
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from bot.slack.delivery import EDIT_BURST, EDIT_RATE
from tests.blockkit import assert_valid_call
from tests.conftest import FakeClock, Running, post_poll, serve
from tests.fake_slack import Call, FakeSlack

CHANNEL = "C0TEAM"
PEOPLE = 500
SENDERS = 24
# Long enough for the bound below to mean something, short enough for a quick test.
REFRESH = 0.25
# The delivery worker starts the edits of one poll at least REFRESH apart, the first at the first
# click at the earliest and the one before last at the last click at the latest (the last one
# reads what came in while it ran): at most burst / REFRESH + 2 edits.
EXTRA_EDITS = 2


def updates_of(slack: FakeSlack, ts: str) -> list[Call]:
    return [c for c in slack.calls_to("chat.update") if c.params.get("ts") == ts]


def responders_shown(call: Call) -> int:
    """How many answers a live-tally edit says there are."""
    text = call.params["text"]
    match = re.search(r"([\d,]+) of us answered|([\d,]+) answers? so far", text)
    if match:
        return int((match.group(1) or match.group(2)).replace(",", ""))
    assert "No answers yet" in text, text
    return 0


def click_all(
    app: Running, block_id: str, values: dict[str, str]
) -> tuple[list[tuple[int, float]], float]:
    """Send every person's click at once; returns (status, seconds) per click and the burst's
    duration (first click sent to last answer received)."""

    def click(user: str) -> tuple[int, float]:
        started = time.monotonic()
        status = app.sender.click(block_id, values[user], user=user).status
        return status, time.monotonic() - started

    started = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        results = list(pool.map(click, values))
    return results, time.monotonic() - started


@pytest.mark.timing
def test_500_clicks_coalesce_into_few_tally_edits_ending_on_the_last_step(
    slack: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    # chat.update paced as in production: Tier 3 per workspace.
    tier_3 = (EDIT_RATE, EDIT_BURST)
    with serve(
        slack, clock, tmp_path / "delight.db", refresh_interval=REFRESH, edit_limit=tier_3
    ) as app:
        poll = post_poll(app)
        poll_id, block_id, ts = poll.id, poll.block_id, poll.ts
        values = {f"U{n:04d}": str(n % 6) for n in range(PEOPLE)}
        results, burst = click_all(app, block_id, values)
        app.settle()

        assert [status for status, _ in results] == [200] * PEOPLE
        day = app.runtime.storage.poll_total(poll_id)
        expected_total = sum(int(v) for v in values.values())
        assert (day.responders, day.total) == (PEOPLE, expected_total)
        # Everyone got their ephemeral thank-you.
        thanks = slack.wait_for("response_url", PEOPLE, timeout=10)
        assert len({call.params["_path"] for call in thanks}) == PEOPLE

        updates = updates_of(slack, ts)
        assert updates, "the live tally was never edited"
        assert all(call.ok for call in updates)
        bound = burst / REFRESH + EXTRA_EDITS
        gaps = [b.at - a.at for a, b in itertools.pairwise(updates)]
        # Edit i reached Slack before edit i+1 started, and i+2 started REFRESH after i+1:
        # arrivals two apart are more than an interval apart, however late one arrival was
        # (a connect to the busy fake can take a SYN retransmit, 1 s).
        spans = [c.at - a.at for a, c in zip(updates, updates[2:], strict=False)]
        acks = sorted(seconds for _, seconds in results)
        print(
            f"\n{PEOPLE} clicks in {burst:.2f} s ({PEOPLE / burst:.0f}/s); "
            f"ack p50 {acks[len(acks) // 2] * 1000:.0f} ms, max {acks[-1] * 1000:.0f} ms; "
            f"{len(updates)} chat.update (bound {bound:.1f}); "
            f"gaps {', '.join(f'{gap * 1000:.0f}' for gap in gaps)} ms"
        )
        assert len(updates) <= bound
        # One edit at a time, in order: the numbers shown never go back, and the edits keep
        # the coalescing pace.
        shown = [responders_shown(call) for call in updates]
        assert shown == sorted(shown)
        assert all(span > REFRESH for span in spans), gaps
        # The last live edit shows the last step of 3 answers (bot/domain/live.py) ...
        last_step = PEOPLE - PEOPLE % 3
        assert shown[-1] == last_step
        assert (
            f"{last_step} of us answered · {PEOPLE % 3} more answers since"
            in (updates[-1].params["text"])
        )
        # ... and the closed poll its exact final team numbers.
        app.clock.now += timedelta(hours=25)
        app.runtime.jobs.fire_due()
        app.settle()
        assert (
            f"Final: we delighted {expected_total:,} customers · {PEOPLE} of us answered"
            in slack.calls_to("chat.update")[-1].params["text"]
        )
        # Within Tier 3: no minute holds more than about 50 edits of the workspace.
        edits = [c.at for c in slack.calls_to("chat.update")]
        assert all(sum(1 for t in edits if start <= t < start + 60) <= 50 for start in edits)
    for call in list(slack.calls):
        assert_valid_call(call)


def test_clicks_while_an_edit_is_with_slack_coalesce_into_one_more_edit(
    slack: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    """The burst test above without a stopwatch: what keeps the edits few. Slack holds the
    live tally's first edit while everyone else clicks; the poll's one pending edit takes
    every click in, so exactly one more edit follows, on the last step of the live tally,
    and closing the poll shows the final numbers."""
    with serve(slack, clock, tmp_path / "delight.db") as app:
        poll = post_poll(app)
        values = {f"U{n:04d}": str(n % 6) for n in range(PEOPLE)}
        first, *others = values
        edits = slack.hold("chat.update")
        try:
            assert app.sender.click(poll.block_id, values[first], user=first).status == 200
            edits.wait_arrived()
            with ThreadPoolExecutor(SENDERS) as pool:
                clicks = pool.map(
                    lambda user: app.sender.click(poll.block_id, values[user], user=user), others
                )
                assert [reply.status for reply in clicks] == [200] * (PEOPLE - 1)
            assert edits.arrived == 1  # one edit of the message at a time
        finally:
            edits.release()
        app.settle()

        day = app.runtime.storage.poll_total(poll.id)
        expected_total = sum(int(v) for v in values.values())
        assert (day.responders, day.total) == (PEOPLE, expected_total)
        thanks = slack.wait_for("response_url", PEOPLE, timeout=10)
        assert len({call.params["_path"] for call in thanks}) == PEOPLE
        updates = updates_of(slack, poll.ts)
        last_step = PEOPLE - PEOPLE % 3
        assert [responders_shown(call) for call in updates] == [1, last_step]
        assert (
            f"{last_step} of us answered · {PEOPLE % 3} more answers since"
            in updates[-1].params["text"]
        )
        # The next day's poll closes this one with its exact final team numbers.
        app.clock.now += timedelta(days=1)
        assert app.sender.command("poll").status == 200
        slack.wait_for("chat.postMessage", 3)  # this poll, the result line, the next poll
        app.settle()
        assert (
            f"Final: we delighted {expected_total:,} customers · {PEOPLE} of us answered"
            in updates_of(slack, poll.ts)[-1].params["text"]
        )
    assert not edits.outlasted
    for call in list(slack.calls):
        assert_valid_call(call)


def test_tally_edits_never_overlap_while_slack_is_slow_to_answer(running: Running) -> None:
    """With chat.update taking longer than the refresh interval, a second edit of the same
    message is only sent once the first was answered: arrivals are at least that long apart.
    """
    slack = running.slack
    poll = post_poll(running)
    block_id, ts = poll.block_id, poll.ts
    slow = 0.3
    slack.slow("chat.update", slow)
    values = {f"U{n:03d}": str(n % 6) for n in range(60)}
    results, burst = click_all(running, block_id, values)
    running.settle()

    assert all(status == 200 for status, _ in results)
    updates = updates_of(slack, ts)
    gaps = [b.at - a.at for a, b in itertools.pairwise(updates)]
    print(f"\n60 clicks in {burst:.2f} s; {len(updates)} chat.update, gaps {gaps}")
    assert len(updates) >= 2
    assert all(gap >= slow for gap in gaps), gaps
    shown = [responders_shown(call) for call in updates]
    assert shown == sorted(shown) and shown[-1] == 60
