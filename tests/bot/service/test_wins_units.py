"""The pure parts of issue 15: readable Slack text, the new commands, the webhook's body,
its rate limit and secrets, the shapes of shortcut payloads, and the new Block Kit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.command_text import (
    Invalid,
    LogWin,
    RotateWebhook,
    SendThanks,
    SetCustomer,
    ShowWebhook,
    WebhookOff,
    parse,
)
from bot.domain.digest import build_digest
from bot.domain.models import DayTotal, Win, WinKind
from bot.domain.mrkdwn import clip, readable
from bot.domain.ratelimit import PerMinute
from bot.service.webhooks import Answer, WinRequest, read_win
from bot.settings import Settings, SettingsError
from bot.slack import digest_blocks, ids, modals, poll_blocks, thanks_blocks
from bot.slack.shapes import problem_in
from bot.storage.store import Storage
from bot.transport.requestlog import action_name, describe
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.conftest import FakeClock


@pytest.mark.parametrize(
    ("encoded", "read"),
    [
        ("thanks <@U0BOB|bob>!", "thanks @bob!"),
        ("thanks <@U0BOB>!", "thanks @someone!"),
        ("in <#C0SALES|sales> and <#C0X>", "in #sales and #a-channel"),
        ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
        ("<!subteam^S1|@support> <!subteam^S2>", "@support @a-group"),
        ("<!date^1700000000^{date}|Nov 14>", "Nov 14"),
        ("see <https://acme.test/t/1|the ticket>", "see the ticket (https://acme.test/t/1)"),
        ("<https://acme.test> <mailto:a@b.test|a@b.test>", "https://acme.test a@b.test"),
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("", ""),
    ],
)
def test_readable_spells_out_references(encoded: str, read: str) -> None:
    assert readable(encoded) == read


def test_clip() -> None:
    assert clip("short", 10) == "short"
    assert clip("x" * 20, 10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (
            "thanks <#C0OTHER|platform> Unblocked <@U1|ann> &amp; us",
            SendThanks("C0OTHER", "platform", "Unblocked @ann & us"),
        ),
        ("THANKS <#G0PRIV> Great", SendThanks("G0PRIV", None, "Great")),
        (
            "thanks <#C0OTHER|platform>\nmultiline\nstory",
            SendThanks("C0OTHER", "platform", "multiline\nstory"),
        ),
        ("webhook", ShowWebhook()),
        ("webhook ROTATE", RotateWebhook()),
        ("webhook off", WebhookOff()),
        # Every other subcommand still parses with escaping on; references read naturally.
        (
            "win kept Saved <#C1|acme-support>'s renewal",
            LogWin("Saved #acme-support's renewal", WinKind.KEPT),
        ),
        (
            "customer The <#C1|support> team, so <!subteam^S1|@oncall> can rest",
            SetCustomer("The #support team, so @oncall can rest"),
        ),
    ],
)
def test_parse_with_slack_escaping(text: str, parsed: object) -> None:
    assert parse(text) == parsed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("thanks", "Which team do we thank?"),
        ("thanks platform team", "Which team do we thank?"),
        ("thanks #nope Great", "I can't find a channel called `#nope`"),
        ("thanks <#C0OTHER|x>", "Tell them what they did for us."),
        ("webhook please", "`/delight webhook` shows"),
    ],
)
def test_parse_refusals(text: str, says: str) -> None:
    parsed = parse(text)
    assert isinstance(parsed, Invalid) and says in parsed.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b'{"story": " Happy customer ", "kind": "kept", "id": "t-1"}',
            WinRequest("Happy customer", WinKind.KEPT, "t-1"),
        ),
        (b'{"story": "No kind"}', WinRequest("No kind", WinKind.OTHER, None)),
        (
            b'{"story": "Numeric id", "kind": "internal", "id": 42}',
            WinRequest("Numeric id", WinKind.INTERNAL, "42"),
        ),
    ],
)
def test_read_win(raw: bytes, expected: WinRequest) -> None:
    assert read_win(raw) == expected


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"", "body"),
        (b'"story"', "body"),
        (b'{"story": "x", "id": true}', "id"),
        (b'{"story": "x", "kind": "other "}', "kind"),
    ],
)
def test_read_win_names_the_bad_field(raw: bytes, field: str) -> None:
    answer = read_win(raw)
    assert isinstance(answer, Answer) and answer.status == 400 and answer.body["field"] == field


def test_per_minute_limit_is_a_sliding_window() -> None:
    clock = FakeClock(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    limit = PerMinute(3, clock)
    assert [limit.check("a") for _ in range(3)] == [0, 0, 0]
    assert limit.check("a") == 60
    assert limit.check("b") == 0
    clock.now += timedelta(seconds=45)
    assert limit.check("a") == 15
    clock.now += timedelta(seconds=15)
    assert limit.check("a") == 0


MINIMAL = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("https://delight.example.com", "https://delight.example.com"),
        ("https://example.com/delight/", "https://example.com/delight"),
        ("http://localhost:3000", "http://localhost:3000"),
    ],
)
def test_public_url_setting(value: str | None, expected: str | None) -> None:
    env = {**MINIMAL, **({"DELIGHT_PUBLIC_URL": value} if value else {})}
    assert Settings.from_env(env).public_url == expected


@pytest.mark.parametrize(
    "value",
    ["delight.example.com", "http://delight.example.com", "https://", "https://x.test/?a=1"],
)
def test_bad_public_url_names_the_setting(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^DELIGHT_PUBLIC_URL must be"):
        Settings.from_env({**MINIMAL, "DELIGHT_PUBLIC_URL": value})


SHORTCUT = {
    "type": "message_action",
    "callback_id": ids.MESSAGE_SHORTCUT,
    "team": {"id": "T1"},
    "user": {"id": "U1"},
    "channel": {"id": "C1"},
    "trigger_id": "1.2.t",
    "message": {"ts": "1.2", "text": "hi"},
}


@pytest.mark.parametrize(
    "missing", ["team", "user", "callback_id", "trigger_id", "channel", "message"]
)
def test_shortcut_shapes(missing: str) -> None:
    assert problem_in(SHORTCUT) is None
    body = {k: v for k, v in SHORTCUT.items() if k != missing}
    assert problem_in(body) is not None and missing in problem_in(body)
    glob = {k: v for k, v in SHORTCUT.items() if k not in ("channel", "message")}
    glob["type"] = "shortcut"
    assert problem_in(glob) is None
    if missing not in ("channel", "message"):
        assert missing in problem_in({k: v for k, v in glob.items() if k != missing})


def test_shortcuts_are_logged_by_their_callback_id_only() -> None:
    fields = describe(SHORTCUT)
    assert fields == {
        "kind": "message_action",
        "team": "T1",
        "channel": "C1",
        "action": ids.MESSAGE_SHORTCUT,
    }
    assert describe({**SHORTCUT, "type": "shortcut", "callback_id": "x"})["action"] == "other"


# Block Kit


def test_new_views_and_messages_are_valid_block_kit() -> None:
    day = DayTotal(date(2026, 11, 18), 3, 9, 3)
    for view in [
        modals.win_modal("C1", "Prefilled <!channel> story", message_ts="1.2"),
        modals.win_modal("C1", "x" * 5000),
        modals.win_modal_pick_channel(None),
        modals.win_modal_pick_channel([]),
        modals.win_modal_pick_channel([("C1", "team")]),
        modals.win_modal_pick_channel([(f"C{n}", "n" * 100) for n in range(150)]),
    ]:
        assert_valid_view(view)
    for message in [
        poll_blocks.poll_result_message(day),
        thanks_blocks.thanks_message("C1", "Shop owners", "Story <!channel> & more\nline two"),
        thanks_blocks.thanks_message("C1", None, "y" * 2000),
        thanks_blocks.thanks_sent_message("C2", "&" * 2000),
    ]:
        assert_valid_message(message)
        assert "<!channel>" not in json.dumps(message)


def test_a_prefilled_story_is_trimmed_and_kept_with_its_message() -> None:
    view = modals.win_modal("C1", "x" * 5000, message_ts="1.2")
    assert json.loads(view["private_metadata"]) == {"channel_id": "C1", "message_ts": "1.2"}
    assert len(view["blocks"][0]["element"]["initial_value"]) == 2000


def test_the_channel_picker_keeps_to_block_kit_limits() -> None:
    view = modals.win_modal_pick_channel([(f"C{n}", "n" * 100) for n in range(150)])
    options = view["blocks"][0]["element"]["options"]
    assert len(options) == modals.MAX_CHANNEL_OPTIONS
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    single = modals.win_modal_pick_channel([("C1", "team")])
    assert single["blocks"][0]["element"]["initial_option"]["value"] == "C1"


def test_digest_shows_thanks_and_message_links() -> None:
    today = date(2026, 11, 18)
    wins = [
        Win(today, WinKind.INTERNAL, "Built our dashboard", from_channel="C0TEAM"),
        Win(today, WinKind.KEPT, "Saved Acme", permalink="https://x.slack.test/archives/C1/p1"),
        Win(today, WinKind.NEW, "Bad link", permalink="javascript:alert(1)|x>"),
    ]
    message = digest_blocks.digest_message(build_digest(today, [], wins, teams_thanked=2))
    assert_valid_message(message)
    rendered = json.dumps(message, ensure_ascii=False)
    assert "1 thank-you from teams we serve · we thanked 2 teams who serve us." in rendered
    assert "Thanks from <#C0TEAM> · Built our dashboard" in rendered
    assert "Saved Acme · <https://x.slack.test/archives/C1/p1|the message>" in rendered
    assert "javascript" not in rendered


def test_digest_without_thanks_says_nothing_of_them() -> None:
    today = date(2026, 11, 18)
    rendered = json.dumps(digest_blocks.digest_message(build_digest(today, [], [])))
    assert "thank" not in rendered.lower()


# Storage


def test_forgetting_a_workspace_removes_its_webhooks(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "d.db")
    now = datetime(2026, 11, 18, tzinfo=UTC)
    storage.save_webhook("T1", "C1", "hash-1", "nonce", now)
    storage.add_win("T1", "C1", date(2026, 11, 18), WinKind.NEW, "s", "src")
    assert storage.webhook_channel("hash-1") == ("T1", "C1")
    storage.forget_team("T1")
    assert storage.webhook_channel("hash-1") is None
    storage.close()


def test_a_missing_permalink_leaves_the_win_as_it_is(tmp_path: Path) -> None:
    from bot.service.channels import Channels
    from bot.service.wins import Wins
    from bot.slack.lookups import SlackLookups

    class NoLink:
        def chat_getPermalink(self, **_: object) -> dict:
            return {"ok": True}  # Slack answered without the key

    storage = Storage(tmp_path / "d.db")
    clock = FakeClock(datetime(2026, 11, 18, tzinfo=UTC))
    wins = Wins(
        storage,
        Channels(storage, clock),
        clock,
        wake=lambda: None,
        directory=SlackLookups(lambda _t: NoLink()),  # type: ignore[arg-type, return-value]
    )
    storage.add_win("T1", "C1", date(2026, 11, 18), WinKind.NEW, "s", "msg:1")
    wins.link_to_message("T1", "C1", "1.2", "msg:1")
    (win,) = storage.wins_between("T1", "C1", date(2026, 11, 16), date(2026, 11, 22))
    assert win.permalink is None
    storage.close()


def test_new_ids_are_logged_by_name() -> None:
    for name in (ids.LOG_WIN_ACTION, ids.MESSAGE_SHORTCUT, ids.GLOBAL_SHORTCUT):
        assert action_name(name) == name


def test_a_new_key_makes_a_new_webhook_rather_than_show_a_dead_one(tmp_path: Path) -> None:
    from bot.service.channels import Channels
    from bot.service.webhooks import Webhooks
    from bot.service.wins import Wins

    storage = Storage(tmp_path / "d.db")
    clock = FakeClock(datetime(2026, 11, 18, tzinfo=UTC))
    wins = Wins(storage, Channels(storage, clock), clock, lambda: None, directory=None)  # type: ignore[arg-type]

    def webhooks(key: bytes) -> Webhooks:
        return Webhooks(storage, wins, key, clock)

    path, created = webhooks(b"a" * 32).show("T1", "C1")
    assert created and webhooks(b"a" * 32).show("T1", "C1") == (path, False)
    new_path, created = webhooks(b"b" * 32).show("T1", "C1")
    assert created and new_path != path
    storage.close()


@pytest.mark.parametrize(
    ("body", "field"),
    [(b'{"story": "x", "kind": ["new"]}', "kind"), (b"[" * 60000, "body")],
    ids=["kind-not-a-string", "nested-too-deep"],
)
def test_webhook_bodies_of_odd_shapes_are_400_naming_the_field(body: bytes, field: str) -> None:
    from bot.service.webhooks import Answer, read_win

    answer = read_win(body)
    assert isinstance(answer, Answer) and answer.status == 400
    assert answer.body["field"] == field
