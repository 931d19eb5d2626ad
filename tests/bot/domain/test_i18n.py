"""The catalogs (issue 16): complete, well-formed, compiled at start-up, and every message
Delight builds fits Slack's limits in every language."""

from __future__ import annotations

import json
import re
import string
import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.domain import i18n
from bot.domain.command_text import Invalid, SetLanguage, ShowLanguage, parse
from bot.domain.models import ChannelProfile, DayTotal, Win, WinKind
from bot.domain.schedule import WEEKDAYS, ChannelSchedule
from bot.domain.tally import GoalProgress
from bot.slack import (
    digest_blocks,
    home_blocks,
    lines,
    modals,
    poll_blocks,
    profile_texts,
    reply_texts,
    schedule_texts,
    thanks_blocks,
)
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.bot.slack.conftest import card, rich_digest

ROOT = Path(__file__).resolve().parents[3]
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT]
TUESDAY = date(2026, 12, 1)


def source_messages() -> set[str | tuple[str, str]]:
    """Every text the code marks for translation, as ``pybabel extract -F babel.cfg`` finds."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(str(ROOT), method_map, options_map)
    return {message if isinstance(message, str) else message[:2] for *_, message, _, _ in found}


def catalog(code: str):
    with i18n.catalog_path(code).open("rb") as po:
        return read_po(po, locale=code.replace("-", "_"))


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_template_is_up_to_date() -> None:
    """``pybabel extract`` (README) was run after the last text changed."""
    with (i18n.LOCALE_DIR / "delight.pot").open("rb") as pot:
        template = {m.id for m in read_po(pot) if m.id}
    assert template == source_messages()


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_and_none_is_empty(code: str) -> None:
    messages = {m.id: m for m in catalog(code) if m.id}
    missing = source_messages() - messages.keys()
    assert not missing, f"{code}: run pybabel update, then translate {sorted(map(str, missing))}"
    for message in messages.values():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"{code}: empty {message.id!r}"
        assert not message.fuzzy, f"{code}: fuzzy {message.id!r}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_match(code: str) -> None:
    for message in catalog(code):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            wanted = fields(message.id[0]) | fields(message.id[1])
            for form in message.string:
                assert fields(form) <= wanted and fields(form) >= wanted - {"n"}, (code, form)
        else:
            assert fields(message.string) == fields(message.id), (code, message.string)


@pytest.mark.parametrize("code", TRANSLATED)
def test_commands_in_backticks_stay_english(code: str) -> None:
    """Subcommands stay English words: every `/delight …` a text names is kept as it is,
    apart from examples of what a person types (a story, a customer)."""
    free = {"thanks", "customer"}
    for message in catalog(code):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for command in re.findall(r"`/delight [^`]*`", source):
            if command.split()[1].strip("`") in free:
                continue
            assert all(command in s for s in strings), (code, command)


def test_the_catalogs_ship_with_the_package() -> None:
    """``pip install .`` copies them (package data); bot.domain.i18n compiles them when first
    used."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["setuptools"]["package-data"]["bot.domain"]
    assert any("Babel" in dependency for dependency in pyproject["project"]["dependencies"])
    for code in TRANSLATED:
        path = i18n.catalog_path(code).relative_to(ROOT / "bot")
        assert any(path.match(pattern) for pattern in shipped), path
        assert i18n.translations(code).gettext(lines.QUESTION) != lines.QUESTION


def test_plural_forms() -> None:
    with i18n.speaking("de"):
        assert reply_texts.answer_thanks(1).startswith("Danke! Du hast heute 1 begeisterten Kunden")
        assert reply_texts.answer_thanks(2).startswith("Danke! Du hast heute 2 begeisterte Kunden")
    with i18n.speaking("ja"):  # one form for every number
        assert i18n.translations("ja").ngettext("{n} day", "{n} days", 1) == "{n}日"
        assert i18n.translations("ja").ngettext("{n} day", "{n} days", 7) == "{n}日"
    with i18n.speaking("fr"):
        assert i18n.ngettext("{n} day", "{n} days", 0) == "0 jour"  # French: 0 is singular
        assert i18n.ngettext("{n} day", "{n} days", 2) == "2 jours"


@pytest.mark.parametrize(
    ("code", "day", "moment", "thousands"),
    [
        case
        for case in [
            ("en", "Tuesday 1 December", "Tue 1 Dec 17:00", "1,234"),
            ("de", "Dienstag, 1. Dezember", "Di., 1. Dez., 17:00", "1.234"),
            ("fr", "mardi 1 décembre", "mar. 1 déc. 17:00", "1\u202f234"),
            ("es", "martes, 1 de diciembre", "mar, 1 dic, 17:00", "1.234"),
            ("pt-BR", "terça-feira, 1 de dezembro", "ter., 1 de dez., 17:00", "1.234"),
            ("ja", "12月1日(火)", "12月1日(火) 17:00", "1,234"),
        ]
        if case[0] in i18n.LANGUAGES
    ],
)
def test_dates_and_numbers_follow_the_language(code, day, moment, thousands) -> None:
    with i18n.speaking(code):
        assert lines.day_label(TUESDAY) == day
        at = datetime(2026, 12, 1, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))
        assert (
            schedule_texts.schedule_text(schedule(), at - timedelta(hours=1), None).count(moment)
            == 1
        )
        assert i18n.number(1234) == thousands


def test_language_codes_parse_as_typed() -> None:
    assert parse("language") == ShowLanguage()
    assert parse("language default") == SetLanguage(None)
    assert parse("language DE") == SetLanguage("de")
    assert parse("language pt_br") == SetLanguage("pt-BR")
    unknown = parse("language klingon")
    assert isinstance(unknown, Invalid)
    assert "`klingon`" in unknown.message
    for code in i18n.LANGUAGES:
        assert f"`{code}`" in unknown.message


def schedule(**changes) -> ChannelSchedule:
    values = dict(
        team_id="T1",
        channel_id="C1",
        poll_time=time(17, 0),
        tz="Europe/Berlin",
        days=WEEKDAYS,
        skips=frozenset({TUESDAY + timedelta(days=23)}),
    )
    return ChannelSchedule(**{**values, **changes})


def every_message() -> list[dict]:
    """One of each message Delight posts, with long and awkward values."""
    long_customer = "Die Buchhaltung unserer größten Kundinnen und Kunden " * 3
    day = DayTotal(TUESDAY, 1234, 56789)
    goal = GoalProgress(total=38, goal=50)
    wins = [
        Win(TUESDAY, kind, f"{n} " + "&<>🎉 eine lange Geschichte " * 100, from_channel="C9")
        for n, kind in enumerate(list(WinKind) * 5)
    ]
    return [
        poll_blocks.poll_message(7, day, 3, customer=long_customer[:150], goal=goal, pending=2),
        poll_blocks.poll_message(7, DayTotal(TUESDAY, 2, 5), 3),
        poll_blocks.poll_message(7, DayTotal(TUESDAY, 0, 0), 3),
        poll_blocks.closed_poll_message(day, 3),
        poll_blocks.closed_poll_message(DayTotal(TUESDAY, 2, 3), 3),
        poll_blocks.poll_result_message(day),
        digest_blocks.digest_message(rich_digest(wins, teams_thanked=2)),
        digest_blocks.digest_message(rich_digest()),
        thanks_blocks.thanks_message("C1", long_customer[:150], "Danke! " * 400),
        thanks_blocks.thanks_sent_message("C2", "Danke! " * 400),
        {"text": poll_blocks.nudge_text(30)},
    ]


def every_view() -> list[dict]:
    cards = [card(f"C{n}") for n in range(30)]
    cards.append(card("CP", schedule=schedule(paused=True, digest_off=True)))
    return [
        home_blocks.home_view(cards),
        home_blocks.home_view([]),
        home_blocks.home_unavailable_view(),
        modals.more_modal(7),
        modals.win_modal("C1", "Geschichte " * 300, message_ts="1.2"),
        modals.win_modal_pick_channel([("C1", "team-" * 30)]),
        modals.win_modal_pick_channel(None),
        modals.win_modal_pick_channel([]),
        modals.thanks_view(reply_texts.win_logged(WinKind.OTHER)),
    ]


@pytest.mark.parametrize("code", i18n.LANGUAGES)
def test_every_message_and_view_fits_slack_in_every_language(code: str) -> None:
    with i18n.speaking(code):
        for message in every_message():
            if "blocks" in message:
                assert_valid_message(message)
            assert len(message["text"]) <= 4000
        for view in every_view():
            assert_valid_view(view)
            assert len(json.dumps(view).encode()) < 250_000
            assert len(view["blocks"]) <= 100


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_reply_is_in_the_language(code: str) -> None:
    """A sample of the texts, in every language: none is left in English."""
    with i18n.speaking(code):
        replies = [
            reply_texts.help_text(),
            profile_texts.privacy_text(ChannelProfile()),
            reply_texts.forgotten_text(1),
            schedule_texts.schedule_text(
                schedule(), datetime(2026, 12, 1, 12, tzinfo=ZoneInfo("UTC")), None
            ),
            profile_texts.language_text(code, "en", own=True),
            reply_texts.tally_text(None, rich_digest().this_week, 3, GoalProgress(10, 20)),
        ]
    with i18n.speaking("en"):
        english = [
            reply_texts.help_text(),
            profile_texts.privacy_text(ChannelProfile()),
            reply_texts.forgotten_text(1),
            schedule_texts.schedule_text(
                schedule(), datetime(2026, 12, 1, 12, tzinfo=ZoneInfo("UTC")), None
            ),
            profile_texts.language_text(code, "en", own=True),
            reply_texts.tally_text(None, rich_digest().this_week, 3, GoalProgress(10, 20)),
        ]
    for translated, original in zip(replies, english, strict=True):
        assert translated != original
