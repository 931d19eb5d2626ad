"""Nothing personal in the logs, from any logger at INFO, over either transport: no user id,
nothing a person typed, no answer value, no response_url, trigger_id or token.

One test drives every kind of request Delight handles, good and bad, then reads every record
every logger wrote (Bolt's and slack_sdk's included) and looks for what it sent.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from tests.conftest import SIGNING_SECRET, Running, open_home, post_poll

pytestmark = pytest.mark.both_transports

USERS = ["U0SECRETA", "U0SECRETB", "U0SECRETC", "U0SECRETD"]
STORY = "Zebracorn renewal saved by Quentin"
FORM_STORY = "Marmalade migration finished overnight"
CUSTOMER = "Perpetua's bakery chain"
TYPED = ["xyzzyplugh", "frobnicate"]
# Answers: the buttons' and the more... form's, unlikely to appear as a token by chance.
ANSWERS = ["437", "answer_3", "answer_4", "answer_5"]


def drive_everything(running: Running) -> None:
    sender = running.sender
    poll_id = post_poll(running).id
    block = f"delight_poll:{poll_id}"
    for user, value in zip(USERS, ["3", "4", "5", "3"], strict=True):
        assert sender.click(block, value, user=user).status == 200
    sender.click(block, "more", action_id="answer_more", user=USERS[0])
    view = running.slack.wait_for("views.open")[-1].params["view"]
    values = {"count": {"count_input": {"type": "number_input", "value": "437"}}}
    sender.submit("answer_more_form", values, view["private_metadata"], user=USERS[0])
    sender.submit("answer_more_form", {"count": {"count_input": {"value": "-9"}}}, "{}")
    sender.click("delight_poll:999", "3", user=USERS[1])  # a poll that is gone
    for text in (
        f"win new {STORY}",
        "win",
        f"customer {CUSTOMER}",
        "goal 77",
        "privacy threshold 2",
        "schedule 17:00 Europe/Berlin mon-fri",
        "skip 2030-12-24",
        "nudge 30m",
        "tally",
        "digest",
        "help",
        " ".join(TYPED),
        "forget me",
    ):
        assert sender.command(text, user=USERS[2]).status == 200
    win_values = {
        "story": {"story_input": {"type": "plain_text_input", "value": FORM_STORY}},
        "kind": {"kind_input": {"type": "static_select", "selected_option": {"value": "new"}}},
    }
    sender.submit("log_win", win_values, json.dumps({"channel_id": "C0TEAM"}), user=USERS[3])
    open_home(running, user=USERS[3], event_id="EvPriv1")
    open_home(running, user=USERS[3], event_id="EvPriv1")  # a redelivery
    sender.interaction({"type": "block_actions", "user": {"id": USERS[1]}, "actions": []})
    # Kinds of request nobody listens for: acknowledged, and not logged with their bodies.
    sender.click(block, "3", action_id="someone_elses_button", user=USERS[1])
    sender.submit("someone_elses_view", {}, "{}", user=USERS[1])
    sender.interaction(
        {
            "type": "shortcut",
            "callback_id": "someone_elses_shortcut",
            "team": {"id": "T0TEAM"},
            "user": {"id": USERS[1]},
            "trigger_id": "9.9.trigger",
        }
    )
    sender.event({"type": "message", "user": USERS[1], "text": STORY}, "EvPrivMsg")
    running.settle()


def test_no_log_line_carries_anything_personal(
    running: Running, transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        drive_everything(running)
        if transport == "http":
            body = f"command=%2Fdelight&text=win+{STORY}&user_id={USERS[0]}".encode()
            form = "application/x-www-form-urlencoded"
            forged = running.sender.post(body, form, signature="v0=f")
            assert forged.status == 401
            stale = running.sender.post(body, form, timestamp="9")
            assert stale.status == 401
        running.settle()
    lines = [record.getMessage() for record in caplog.records]
    lines += [caplog.text]  # formatted, with any traceback
    text = "\n".join(lines)
    assert "request via=" in text  # the request log did write
    for secret in [*USERS, STORY, *STORY.split()[:2], FORM_STORY, CUSTOMER, *TYPED]:
        assert secret not in text, secret
    for secret in (running.sender.response_url, "trigger", "xoxb-", SIGNING_SECRET):
        assert secret not in text, secret
    tokens = set(re.split(r"[\s=,;()\"']+", text))
    for answer in ANSWERS:
        assert answer not in tokens, answer
    if transport == "http":
        assert "bad signature (check SLACK_SIGNING_SECRET)" in text
        assert "timestamp too far off (check this machine's clock)" in text
