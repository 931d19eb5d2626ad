"""Parsing ``/delight`` text: pure, no Slack."""

from __future__ import annotations

import pytest

from bot.domain.command_text import (
    MAX_STORY_CHARS,
    Invalid,
    LogWin,
    OpenWinForm,
    PostDigest,
    PostPoll,
    ShowHelp,
    ShowTally,
    parse,
    story_problem,
)
from bot.domain.models import WinKind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("poll", PostPoll()),
        ("tally", ShowTally()),
        ("digest", PostDigest()),
        ("help", ShowHelp()),
        ("POLL", PostPoll()),
        ("Tally", ShowTally()),
        ("DiGeSt", PostDigest()),
        ("HELP", ShowHelp()),
        ("  poll  ", PostPoll()),
        ("", OpenWinForm()),
        ("   ", OpenWinForm()),
        ("win", OpenWinForm()),
        ("WIN", OpenWinForm()),
        ("  win   ", OpenWinForm()),
    ],
)
def test_simple_subcommands(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_none_text_opens_win_form() -> None:
    # Slack omits ``text`` for a bare ``/delight``; the handler may pass None through.
    assert parse(None) == OpenWinForm()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("win Fixed Acme's login", LogWin("Fixed Acme's login", WinKind.OTHER)),
        ("Win  fixed it  ", LogWin("fixed it", WinKind.OTHER)),
        ("win new Signed Globex", LogWin("Signed Globex", WinKind.NEW)),
        ("win won Signed Globex", LogWin("Signed Globex", WinKind.NEW)),
        ("win NEW: Signed Globex", LogWin("Signed Globex", WinKind.NEW)),
        ("win kept: Saved Initech", LogWin("Saved Initech", WinKind.KEPT)),
        ("win keep Saved Initech", LogWin("Saved Initech", WinKind.KEPT)),
        ("win Kept Saved Initech", LogWin("Saved Initech", WinKind.KEPT)),
        ("win internal Unblocked support", LogWin("Unblocked support", WinKind.INTERNAL)),
        ("win internal:   Unblocked support", LogWin("Unblocked support", WinKind.INTERNAL)),
        # A kind word that is not the first word is just part of the story.
        ("win we kept Initech", LogWin("we kept Initech", WinKind.OTHER)),
        # Only a kind word followed by a space counts as a prefix.
        ("win new:Globex", LogWin("new:Globex", WinKind.OTHER)),
        ("win newcomer onboarded", LogWin("newcomer onboarded", WinKind.OTHER)),
    ],
)
def test_win_with_story_and_kind_prefix(text: str, expected: LogWin) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("kind_word", ["new", "kept:", "internal", "won", "keep", "KEPT:"])
def test_kind_word_without_story_is_invalid(kind_word: str) -> None:
    assert parse(f"win {kind_word}") == Invalid(
        f"Tell us the story after `{kind_word}`: what happened for the customer?"
    )
    assert parse(f"win {kind_word}    ") == parse(f"win {kind_word}")


@pytest.mark.parametrize("word", ["frobnicate", "wins", "polls", "stats"])
def test_unknown_subcommand_is_invalid_with_usage(word: str) -> None:
    assert parse(word) == Invalid(f"I don't know `/delight {word}`.", show_usage=True)


def test_unknown_subcommand_is_clipped_and_backticks_removed() -> None:
    result = parse("`" + "x" * 40)
    assert result == Invalid(f"I don't know `/delight {'x' * 30}…`.", show_usage=True)


@pytest.mark.parametrize(
    ("text", "word"),
    [("Helped Acme with their invoice", "helped"), ("frobnicate now", "frobnicate")],
)
def test_unknown_subcommand_with_more_words_is_unknown(text: str, word: str) -> None:
    # A story typed without "win" must not be told "`/delight helped` takes no extra words".
    assert parse(text) == Invalid(f"I don't know `/delight {word}`.", show_usage=True)


@pytest.mark.parametrize("word", ["poll", "tally", "help"])
def test_extra_words_after_simple_subcommand_are_invalid(word: str) -> None:
    expected = Invalid(f"`/delight {word}` takes no extra words. Try `/delight {word}`.")
    assert parse(f"{word} please now") == expected
    assert parse(f"{word.upper()} x") == expected


def test_extra_words_after_digest_are_invalid() -> None:
    # `/delight digest <words>` is reserved for digest settings; other words are refused.
    result = parse("digest please now")
    assert isinstance(result, Invalid)
    assert result.message.startswith("`/delight digest`")


def test_story_of_exactly_max_length_is_accepted() -> None:
    story = "a" * MAX_STORY_CHARS
    assert MAX_STORY_CHARS == 2000
    assert parse(f"win {story}") == LogWin(story, WinKind.OTHER)
    assert parse(f"win kept {story}") == LogWin(story, WinKind.KEPT)


@pytest.mark.parametrize(("length", "shown"), [(2001, "2,001"), (10_000, "10,000")])
def test_story_over_max_length_is_invalid_and_names_length(length: int, shown: str) -> None:
    expected = Invalid(
        f"That story is {shown} characters; please keep it to 2,000 or fewer"
        " so it fits in the digest."
    )
    assert parse("win " + "b" * length) == expected
    assert parse("win new " + "b" * length) == expected


def test_length_is_counted_after_unescaping() -> None:
    # Slack sends "&amp;" for "&": 2000 typed ampersands are 2000 characters, not 10,000.
    assert parse("win " + "&amp;" * 2000) == LogWin("&" * 2000, WinKind.OTHER)


@pytest.mark.parametrize(
    "story",
    [
        "Made the café owner smile 😀🎉 — thank you!",
        "Family emoji 👨\u200d👩\u200d👧\u200d👦 and flags 🇩🇪🇯🇵 stay whole",
        # Hebrew and Arabic (right-to-left), one with explicit RTL override marks.
        "\u05e2\u05d6\u05e8\u05e0\u05d5 \u05dc\u05dc\u05e7\u05d5\u05d7 Acme "
        "\u05d4\u05d9\u05d5\u05dd",
        "\u0633\u0627\u0639\u062f\u0646\u0627 \u0627\u0644\u0639\u0645\u064a\u0644 \u202eRTL\u202c",
        "日本のお客様を助けました",
        "Robert'); DROP TABLE wins;--",
        "' OR '1'='1",
        'x"; DELETE FROM answers WHERE 1=1; --',
    ],
)
def test_story_kept_verbatim(story: str) -> None:
    assert parse(f"win {story}") == LogWin(story, WinKind.OTHER)
    assert parse(f"win internal {story}") == LogWin(story, WinKind.INTERNAL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("win Fixed R&amp;D's build", LogWin("Fixed R&D's build", WinKind.OTHER)),
        ("win &lt;b&gt;bold&lt;/b&gt; &amp; more", LogWin("<b>bold</b> & more", WinKind.OTHER)),
        # The person typed "&lt;" literally; Slack sent "&amp;lt;". One round of unescaping.
        ("win typed &amp;lt;tag&amp;gt;", LogWin("typed &lt;tag&gt;", WinKind.OTHER)),
        ("win kept: 2 &gt; 1", LogWin("2 > 1", WinKind.KEPT)),
        ("&lt;!channel&gt;", Invalid("I don't know `/delight <!channel>`.", show_usage=True)),
    ],
)
def test_slack_html_escaping_is_undone(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("win\nSaved the day", LogWin("Saved the day", WinKind.OTHER)),
        ("win kept\nSaved the day", LogWin("Saved the day", WinKind.KEPT)),
    ],
)
def test_newline_separates_words(text: str, expected: LogWin) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("story", "problem"),
    [
        ("ok", None),
        ("x" * 2000, None),
        ("", "Tell us the story: what happened for the customer?"),
        ("  \n ", "Tell us the story: what happened for the customer?"),
        (
            "x" * 2001,
            "That story is 2,001 characters; please keep it to 2,000 or fewer"
            " so it fits in the digest.",
        ),
    ],
)
def test_story_problem(story: str, problem: str | None) -> None:
    assert story_problem(story) == problem
