"""Issue 13 through the real app: the live tally moves in steps of the privacy threshold on
every surface (poll, ``/delight tally``, goal progress, Home tab), ``forget me`` waits for the
next step, the close shows the exact numbers, and a closed poll keeps team numbers alone."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import timedelta

import pytest

from tests.conftest import Running, open_home, post_poll, published

pytestmark = pytest.mark.both_transports

CHANNEL = "C0TEAM"


def last_edit(running: Running) -> str:
    running.settle()
    return running.slack.calls_to("chat.update")[-1].params["text"]


def click(running: Running, poll_id: int, user: str, value: str) -> None:
    assert running.sender.click(f"delight_poll:{poll_id}", value, user=user).status == 200


def test_click_by_click_the_tally_moves_only_every_three_answers(running: Running) -> None:
    running.slack.join(CHANNEL, "U0ALICE")
    running.sender.command("goal 50")
    poll_id = post_poll(running).id
    question = "How many customers did we delight today?"

    steps = [
        ("U1", "2", "1 answer so far — the tally appears at 3"),
        ("U2", "4", "2 answers so far — the tally appears at 3"),
        ("U3", "5", "We delighted 11 customers today · 3 of us answered · updates every 3 answers"),
        # The 4th person's 5 does not show: "11 · 3" and "16 · 4" would give it away.
        ("U4", "5", "We delighted 11 customers today · 3 of us answered · 1 more answer since"),
    ]
    for user, value, line in steps:
        click(running, poll_id, user, value)
        assert last_edit(running).startswith(f"{question} {line}")
    # Every surface shows the same step.
    tally = running.sender.command("tally").text
    assert tally.startswith(
        "Today: We delighted 11 customers today · 3 of us answered · 1 more answer since"
        " · updates every 3 answers\nThis week: we delighted 11 customers over 1 day."
    )
    assert "We're at 11 of 50 this week" in tally
    open_home(running)
    assert "This week we delighted *11 customers*" in json.dumps(
        published(running)["view"], ensure_ascii=False
    )

    # forget me takes effect at the next step: no redraw with new numbers.
    assert "deleted 1 answer of yours" in running.sender.command("forget me", user="U2").text
    assert "11 customers today · 3 of us answered · 2 more answers since" in last_edit(running)
    # A third changed answer completes the step: U1 2 -> 0, U2 gone, U4 in: 0 + 5 + 5.
    click(running, poll_id, "U1", "0")
    edit = last_edit(running)
    assert "We delighted 10 customers today · 3 of us answered · updates every 3 answers" in edit
    assert (
        "We're at 10 of 50 this week"
        in running.slack.calls_to("chat.update")[-1].params["blocks"][-1]["elements"][0]["text"]
    )
    click(running, poll_id, "U5", "3")
    assert "10 customers today · 3 of us answered · 1 more answer since" in last_edit(running)

    # Only the steps were ever shown while open; the close shows the exact numbers.
    tallies = [
        re.search(r"We delighted (\d+) customers today · (\d+) of us", call.params["text"])
        for call in running.slack.calls_to("chat.update")
    ]
    assert {match.groups() for match in tallies if match} == {("11", "3"), ("10", "3")}
    running.clock.now += timedelta(hours=25)
    running.runtime.jobs.fire_due()
    assert "Final: we delighted 13 customers · 4 of us answered" in last_edit(running)


def test_after_close_the_database_holds_team_numbers_only(running: Running) -> None:
    poll_id = post_poll(running).id
    for user, value in [("U1", "2"), ("U2", "4"), ("U3", "5"), ("U4", "1")]:
        click(running, poll_id, user, value)
    running.settle()
    running.clock.now += timedelta(days=1)  # Thursday: today's poll closes Wednesday's
    assert running.sender.command("poll").status == 200
    running.slack.wait_for("chat.postMessage", 3)  # Thursday's poll, Wednesday's result
    running.settle()

    conn = sqlite3.connect(running.runtime.settings.db_path)
    try:
        assert conn.execute("SELECT * FROM answers WHERE poll_id = ?", [poll_id]).fetchall() == []
        row = conn.execute(
            "SELECT local_date, responders, total FROM polls WHERE id = ?", [poll_id]
        ).fetchone()
    finally:
        conn.close()
    assert row == ("2026-11-18", 4, 12)
    # History reads the folded numbers: the week, the thread's result line, the digest.
    assert (
        "This week: we delighted 12 customers over 1 day." in running.sender.command("tally").text
    )
    thread = [c for c in running.slack.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert "we delighted 12 customers · 4 of us answered" in thread[-1].params["text"]
    running.sender.command("digest")
    digest = json.dumps(
        running.slack.wait_for("chat.postMessage", 4)[-1].params, ensure_ascii=False
    )
    assert "12 customers" in digest
