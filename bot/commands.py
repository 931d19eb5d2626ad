"""Parsing ``/delight`` text into what the person asked for. Pure; no Slack here."""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.models import WinKind

MAX_STORY_CHARS = 2000

_KIND_WORDS = {
    "new": WinKind.NEW,
    "won": WinKind.NEW,
    "kept": WinKind.KEPT,
    "keep": WinKind.KEPT,
    "internal": WinKind.INTERNAL,
}


@dataclass(frozen=True)
class PostPoll:
    pass


@dataclass(frozen=True)
class OpenWinForm:
    pass


@dataclass(frozen=True)
class LogWin:
    story: str
    kind: WinKind


@dataclass(frozen=True)
class ShowTally:
    pass


@dataclass(frozen=True)
class PostDigest:
    pass


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class Invalid:
    """Something we understood but cannot accept; ``message`` says why and what to do."""

    message: str
    show_usage: bool = False


Command = PostPoll | OpenWinForm | LogWin | ShowTally | PostDigest | ShowHelp | Invalid


def parse(text: str) -> Command:
    # Slack escapes &, < and > in command text; we store and count the characters people typed.
    text = html.unescape(text or "").strip()
    word, _, rest = text.partition(" ")
    word = word.lower()
    rest = rest.strip()
    if word in ("", "win"):
        return parse_win(rest) if rest else OpenWinForm()
    simple = {"poll": PostPoll(), "tally": ShowTally(), "digest": PostDigest(), "help": ShowHelp()}
    if word not in simple:
        return Invalid(f"I don't know `/delight {_clip(word)}`.", show_usage=True)
    if rest:
        return Invalid(f"`/delight {word}` takes no extra words. Try `/delight {word}`.")
    return simple[word]


def parse_win(text: str) -> LogWin | Invalid:
    """``[new|kept|internal][:] story`` — the kind word is optional."""
    first, _, rest = text.partition(" ")
    kind = _KIND_WORDS.get(first.lower().rstrip(":"))
    if kind and not rest.strip():
        return Invalid(f"Tell us the story after `{_clip(first)}`: what happened for the customer?")
    story = rest.strip() if kind else text
    error = story_problem(story)
    if error:
        return Invalid(error)
    return LogWin(story=story, kind=kind or WinKind.OTHER)


def story_problem(story: str) -> str | None:
    """Why a win story can't be logged as it is, or None if it can."""
    if not story.strip():
        return "Tell us the story: what happened for the customer?"
    if len(story) > MAX_STORY_CHARS:
        return (
            f"That story is {len(story):,} characters; please keep it under "
            f"{MAX_STORY_CHARS:,} so it fits in the digest."
        )
    return None


def _clip(word: str, limit: int = 30) -> str:
    word = word.replace("`", "")
    return word if len(word) <= limit else word[:limit] + "…"
