"""Delight's languages (issue 16): gettext catalogs managed with Babel, and the language the
message being written is in.

The catalogs are ``bot/domain/locale/<lang>/LC_MESSAGES/delight.po`` (template ``delight.pot``); the
message ids are the English texts, so English needs no catalog. A catalog is read and
compiled in memory with Babel the first time it is needed: the ``.po`` files are the only
thing shipped, so ``pip install .`` and editable installs work alike, with no build step and no
compiled ``.mo`` that could be older than its ``.po``.

The builders in ``bot.slack`` stay plain functions of domain values; the language they write in
is the current one, set with ``speaking(code)`` by whoever knows the channel (a request's
middleware, ``Delight`` for scheduled posts). Texts use ``str.format`` fields, ``{n}`` for the
count of a plural, so a translation can move them.
"""

from __future__ import annotations

import contextvars
import gettext
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

DOMAIN = "delight"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# The codes people type, in the order ``/delight language`` lists them.
LANGUAGES = ("en", "de", "fr", "es", "pt-BR", "ja")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT)


def catalog_path(code: str) -> Path:
    return LOCALE_DIR / _locale_name(code) / "LC_MESSAGES" / f"{DOMAIN}.po"


def _locale_name(code: str) -> str:
    """``pt-BR`` as gettext and Babel spell it: ``pt_BR``."""
    return code.replace("-", "_")


@cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalog for ``code`` (English: the message ids themselves)."""
    if code == DEFAULT:
        return gettext.NullTranslations()
    with catalog_path(code).open("rb") as po:
        catalog = read_po(po, locale=_locale_name(code), domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@cache
def locale(code: str) -> Locale:
    return Locale.parse(_locale_name(code))


def parse_code(text: str) -> str | None:
    """The language code someone typed (``DE``, ``pt_br``, ``pt-BR``), or None if unknown."""
    wanted = text.strip().replace("_", "-").lower()
    return next((code for code in LANGUAGES if code.lower() == wanted), None)


def own_name(code: str) -> str:
    """The language's name in itself, for lists people pick from: ``Deutsch``, ``日本語``."""
    return locale(code).get_display_name(locale(code)) or code


def choices() -> str:
    """Every language, as ``/delight language`` lists it: "`de` Deutsch, `fr` français, …"."""
    return _(", ").join(f"`{c}` {own_name(c)}" for c in LANGUAGES)


def name(code: str) -> str:
    """The language's name in the current language, for sentences: ``allemand``."""
    return locale(code).get_display_name(locale(current())) or code


def current() -> str:
    return _current.get()


def use(code: str) -> None:
    """Write in ``code`` from now on in this context: for a request being dispatched, whose
    listeners run later, after every middleware has returned (``handlers.language``)."""
    _current.set(code if code in LANGUAGES else DEFAULT)


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """Write in ``code`` until the block ends."""
    token = _current.set(code if code in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def N_(message: str) -> str:
    """Marks a text for the catalogs where it is defined; ``_()`` translates it where used."""
    return message


def _(message: str, **fields: Any) -> str:
    """``message`` in the current language, with its ``{fields}`` filled in."""
    text = translations(current()).gettext(message)
    return text.format(**fields) if fields else text


def ngettext(singular: str, plural: str, n: int, **fields: Any) -> str:
    """The plural form for ``n`` in the current language; ``{n}`` is ``n`` as a number."""
    text = translations(current()).ngettext(singular, plural, n)
    return text.format(n=number(n), **fields)


def number(n: int) -> str:
    """``1,234`` / ``1.234`` / ``1 234``, as the current language writes it."""
    return format_decimal(n, locale=locale(current()))


def percent(value: int) -> str:
    """A whole percentage: ``42%`` / ``42 %``."""
    return format_percent(value / 100, locale=locale(current()))


def day_text(day: date, pattern: str) -> str:
    """A date in a CLDR pattern from the catalogs, e.g. ``EEE d MMM`` (``Tue 1 Dec``)."""
    return format_date(day, _(pattern), locale=locale(current()))


def moment_text(moment: datetime, pattern: str) -> str:
    """A local date and time in a CLDR pattern from the catalogs (no timezone conversion)."""
    return format_datetime(moment, _(pattern), tzinfo=moment.tzinfo, locale=locale(current()))


class LanguageCarryingExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in the submitter's context, so a Bolt listener writes in
    the language its request's middleware chose (Bolt hands listeners to its executor, and a
    plain pool starts every task in an empty context)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
