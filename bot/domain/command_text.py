"""Parsing ``/delight`` text into what the person asked for. Pure; no Slack here."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, time

from bot.domain import i18n
from bot.domain.i18n import _
from bot.domain.models import WinKind
from bot.domain.mrkdwn import CHANNEL_REFERENCE, code, readable
from bot.domain.schedule import (
    WEEKDAYS,
    RuleError,
    parse_date,
    parse_day,
    parse_days,
    parse_minutes,
    parse_time,
    parse_tz,
)
from bot.domain.tally import MAX_THRESHOLD, MIN_THRESHOLD

MAX_STORY_CHARS = 2000
MAX_CUSTOMER_CHARS = 150
MAX_GOAL = 100_000

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


@dataclass(frozen=True)
class ShowSchedule:
    pass


@dataclass(frozen=True)
class SetSchedule:
    at: time
    tz: str | None
    days: frozenset[int]


@dataclass(frozen=True)
class ScheduleOff:
    pass


@dataclass(frozen=True)
class SetDigestSchedule:
    """``day``/``at`` None means the default: the last poll day, an hour before the poll."""

    day: int | None
    at: time | None
    off: bool = False


@dataclass(frozen=True)
class AddSkip:
    day: date


@dataclass(frozen=True)
class ListSkips:
    pass


@dataclass(frozen=True)
class RemoveSkip:
    day: date


@dataclass(frozen=True)
class SetPaused:
    paused: bool


@dataclass(frozen=True)
class SetNudge:
    """``minutes`` before close, or None for off."""

    minutes: int | None


@dataclass(frozen=True)
class ShowNudge:
    pass


@dataclass(frozen=True)
class ShowCustomer:
    pass


@dataclass(frozen=True)
class SetCustomer:
    """``customer`` None clears it."""

    customer: str | None


@dataclass(frozen=True)
class ShowGoal:
    pass


@dataclass(frozen=True)
class SetGoal:
    """``goal`` None turns the weekly goal off."""

    goal: int | None


@dataclass(frozen=True)
class ShowPrivacy:
    pass


@dataclass(frozen=True)
class SetThreshold:
    threshold: int


@dataclass(frozen=True)
class ForgetMe:
    pass


@dataclass(frozen=True)
class ShowLanguage:
    pass


@dataclass(frozen=True)
class SetLanguage:
    """``code`` None goes back to the workspace's default (``DELIGHT_LANGUAGE``)."""

    code: str | None


@dataclass(frozen=True)
class SendThanks:
    """Thank another team's channel, as its internal customers (issue 15)."""

    channel_id: str
    channel_name: str | None
    story: str


@dataclass(frozen=True)
class ShowWebhook:
    pass


@dataclass(frozen=True)
class RotateWebhook:
    pass


@dataclass(frozen=True)
class WebhookOff:
    pass


WebhookCommand = ShowWebhook | RotateWebhook | WebhookOff


ProfileCommand = (
    ShowCustomer
    | SetCustomer
    | ShowGoal
    | SetGoal
    | ShowPrivacy
    | SetThreshold
    | ShowLanguage
    | SetLanguage
)
ScheduleCommand = (
    ShowSchedule
    | SetSchedule
    | ScheduleOff
    | SetDigestSchedule
    | AddSkip
    | ListSkips
    | RemoveSkip
    | SetPaused
    | SetNudge
    | ShowNudge
)
Command = (
    PostPoll
    | OpenWinForm
    | LogWin
    | ShowTally
    | PostDigest
    | ShowHelp
    | Invalid
    | ScheduleCommand
    | ProfileCommand
    | ForgetMe
    | SendThanks
    | WebhookCommand
)

_SCHEDULE_EXAMPLE = i18n.N_(
    "Try `/delight schedule 17:00`, `/delight schedule 16:30 Europe/Berlin mon-thu` "
    "or `/delight schedule off`."
)


# Every first word ``parse`` knows. The request log names a command by one of these (or
# ``unknown``), never by what else was typed.
SUBCOMMANDS = frozenset(
    {
        "win", "schedule", "digest", "skip", "nudge", "customer", "goal", "privacy",
        "forget", "pause", "resume", "poll", "tally", "help", "thanks", "webhook", "language",
    }
)  # fmt: skip


def subcommand_of(text: object) -> str:
    """The subcommand of a command's text for the log: ``form`` for none, else the known
    word or ``unknown``."""
    words = html.unescape(text).split(maxsplit=1) if isinstance(text, str) else []
    if not words:
        return "form"
    word = words[0].lower()
    return word if word in SUBCOMMANDS else "unknown"


def parse(text: str) -> Command:
    """The command in ``text`` as Slack sends it with ``should_escape: true``: typed ``&``,
    ``<`` and ``>`` escaped, mentions and channels as references (``<#C123|support>``)."""
    word, rest = _split_first(text or "")
    if word.lower() == "thanks":
        return parse_thanks(rest)
    # We store and count what people read: references spelled out, entities unescaped.
    text = readable(text or "").strip()
    word, rest = _split_first(text)
    word = word.lower()
    if word == "webhook":
        return _parse_webhook(rest)
    if word == "language":
        return parse_language(rest)
    if word in ("", "win"):
        return parse_win(rest) if rest else OpenWinForm()
    if word == "schedule":
        return _guard(parse_schedule, rest.split(), _SCHEDULE_EXAMPLE)
    if word == "digest" and rest:
        return _guard(
            parse_digest_schedule,
            rest.split(),
            i18n.N_("Try `/delight digest schedule fri 16:00`."),
        )
    if word == "skip":
        return _guard(parse_skip, rest.split(), i18n.N_("Try `/delight skip 2026-12-24`."))
    if word == "nudge":
        return _guard(
            parse_nudge, rest.split(), i18n.N_("Try `/delight nudge 30m` or `/delight nudge off`.")
        )
    if word == "customer":
        return parse_customer(rest)
    if word == "goal":
        return _guard(
            parse_goal, rest.split(), i18n.N_("Try `/delight goal 50` or `/delight goal off`.")
        )
    if word == "privacy":
        return _guard(parse_privacy, rest.split(), i18n.N_("Try `/delight privacy threshold 5`."))
    if word == "forget":
        if rest.lower() == "me":
            return ForgetMe()
        return Invalid(
            _(
                "`/delight forget me` deletes every answer you have given in this workspace. "
                "Type it just like that."
            )
        )
    if word in ("pause", "resume") and not rest:
        return SetPaused(word == "pause")
    simple = {"poll": PostPoll(), "tally": ShowTally(), "digest": PostDigest(), "help": ShowHelp()}
    if word not in simple:
        return Invalid(
            _("I don't know {command}.", command=code(f"/delight {_clip(word)}")), show_usage=True
        )
    if rest:
        return Invalid(
            _("{command} takes no extra words. Try {command}.", command=code(f"/delight {word}"))
        )
    return simple[word]


def parse_win(text: str) -> LogWin | Invalid:
    """``[new|kept|internal][:] story`` — the kind word is optional."""
    first, rest = _split_first(text)
    kind = _KIND_WORDS.get(first.lower().rstrip(":"))
    if kind and not rest:
        return Invalid(
            _(
                "Tell us the story after {word}: what happened for the customer?",
                word=code(_clip(first)),
            )
        )
    story = rest if kind else text
    error = story_problem(story)
    if error:
        return Invalid(error)
    return LogWin(story=story, kind=kind or WinKind.OTHER)


_THANKS_EXAMPLE = i18n.N_(
    "Try `/delight thanks #support-team Answered Acme's question within minutes`."
)


def parse_thanks(text: str) -> SendThanks | Invalid:
    """``<#C123|name> story``: Slack links the channel the person picked (``should_escape``)."""
    text = text.strip()
    match = CHANNEL_REFERENCE.match(text)
    if match is None:
        typed = readable(text).split(maxsplit=1)
        if typed and typed[0].startswith("#") and len(typed[0]) > 1:
            return Invalid(
                _(
                    "I can't find a channel called {channel}. Type `#` and pick the team's "
                    "channel from Slack's list.",
                    channel=code(_clip(typed[0])),
                )
                + " "
                + _(_THANKS_EXAMPLE)
            )
        return Invalid(
            _("Which team do we thank? Name its channel first.") + " " + _(_THANKS_EXAMPLE)
        )
    story = readable(text[match.end() :]).strip()
    if not story:
        return Invalid(_("Tell them what they did for us.") + " " + _(_THANKS_EXAMPLE))
    if problem := story_problem(story):
        return Invalid(problem)
    return SendThanks(match.group(1), match.group(2) or None, story)


def _parse_webhook(rest: str) -> Command:
    commands = {"": ShowWebhook(), "rotate": RotateWebhook(), "off": WebhookOff()}
    found = commands.get(rest.lower())
    if found is None:
        return Invalid(
            _(
                "`/delight webhook` shows this channel's webhook URL; `webhook rotate` "
                "replaces it, `webhook off` removes it."
            )
        )
    return found


def story_problem(story: str) -> str | None:
    """Why a win story can't be logged as it is, or None if it can."""
    if not story.strip():
        return _("Tell us the story: what happened for the customer?")
    if len(story) > MAX_STORY_CHARS:
        return _(
            "That story is {length} characters; please keep it to {limit} or fewer so it "
            "fits in the digest.",
            length=i18n.number(len(story)),
            limit=i18n.number(MAX_STORY_CHARS),
        )
    return None


def _split_first(text: str) -> tuple[str, str]:
    """The first word and the rest; any whitespace (Shift+Enter makes newlines) separates."""
    parts = text.strip().split(maxsplit=1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else ((parts or [""])[0], "")


def _clip(word: str, limit: int = 30) -> str:
    word = word.replace("`", "")
    return word if len(word) <= limit else word[:limit] + "…"


def _guard(parse_words, words: list[str], example: str) -> Command:
    try:
        return parse_words(words)
    except RuleError as error:
        return Invalid(f"{error} {_(example)}")


def parse_schedule(words: list[str]) -> Command:
    """``[HH:MM [timezone] [days]] | off``; the timezone and days may come in either order."""
    if not words:
        return ShowSchedule()
    if [w.lower() for w in words] == ["off"]:
        return ScheduleOff()
    at, tz, days = parse_time(words[0]), None, WEEKDAYS
    for word in words[1:]:
        if "/" in word or word.upper() == "UTC":
            tz = parse_tz(word)
        else:
            days = parse_days(word)
    if len(words) > 3:
        raise RuleError(_("That's more than a time, a timezone and days."))
    return SetSchedule(at, tz, days)


def parse_digest_schedule(words: list[str]) -> Command:
    """``schedule <day> <HH:MM>``, ``schedule off`` or ``schedule default``."""
    if not words or words[0].lower() != "schedule":
        raise RuleError(_("`/delight digest` takes `schedule` and a day and time."))
    rest = [w.lower() for w in words[1:]]
    if rest == ["off"]:
        return SetDigestSchedule(None, None, off=True)
    if rest == ["default"]:
        return SetDigestSchedule(None, None)
    if len(rest) != 2:
        raise RuleError(_("Give a day and a time."))
    return SetDigestSchedule(parse_day(rest[0]), parse_time(rest[1]))


def parse_skip(words: list[str]) -> Command:
    """``<YYYY-MM-DD>``, ``list`` or ``remove <YYYY-MM-DD>``."""
    lowered = [w.lower() for w in words]
    if lowered in ([], ["list"]):
        return ListSkips()
    if len(words) == 2 and lowered[0] == "remove":
        return RemoveSkip(parse_date(words[1]))
    if len(words) == 1:
        return AddSkip(parse_date(words[0]))
    raise RuleError(_("Give one date."))


def parse_nudge(words: list[str]) -> Command:
    """``<duration>``, ``off``, or nothing to show the setting."""
    if not words:
        return ShowNudge()
    if len(words) != 1:
        raise RuleError(_("Give one duration."))
    if words[0].lower() == "off":
        return SetNudge(None)
    return SetNudge(parse_minutes(words[0]))


def parse_customer(text: str) -> Command:
    """``<who we serve and how>``, ``off``, or nothing to show it."""
    # One line: newlines and runs of spaces from Shift+Enter become single spaces.
    customer = " ".join(text.split())
    if not customer:
        return ShowCustomer()
    if customer.lower() in ("off", "clear", "none"):
        return SetCustomer(None)
    if len(customer) > MAX_CUSTOMER_CHARS:
        return Invalid(
            _(
                "That's {length} characters; please keep who our customer is to {limit} or "
                "fewer, one line that fits on every poll.",
                length=i18n.number(len(customer)),
                limit=i18n.number(MAX_CUSTOMER_CHARS),
            )
        )
    return SetCustomer(customer)


def parse_goal(words: list[str]) -> Command:
    """``<customers per week>``, ``off``, or nothing to show it."""
    if not words:
        return ShowGoal()
    if len(words) != 1:
        raise RuleError(_("Give one number: customers to delight together each week."))
    word = words[0].lower().replace(",", "")
    if word == "off":
        return SetGoal(None)
    if not (word.isascii() and word.isdigit()) or not 1 <= int(word) <= MAX_GOAL:
        raise RuleError(
            _(
                "A weekly goal is a whole number from 1 to {limit}, got {typed}.",
                limit=i18n.number(MAX_GOAL),
                typed=code(_clip(words[0])),
            )
        )
    return SetGoal(int(word))


def parse_privacy(words: list[str]) -> Command:
    """``threshold <N>``, or nothing to show the privacy settings."""
    if not words:
        return ShowPrivacy()
    if len(words) != 2 or words[0].lower() != "threshold":
        raise RuleError(_("`/delight privacy` takes `threshold` and a number."))
    word = words[1]
    if not (word.isascii() and word.isdigit()) or not (MIN_THRESHOLD <= int(word) <= MAX_THRESHOLD):
        raise RuleError(
            _(
                "The threshold is how many of us must answer before a tally shows: a whole "
                "number from {low} to {high}, got {typed}.",
                low=MIN_THRESHOLD,
                high=MAX_THRESHOLD,
                typed=code(_clip(word)),
            )
        )
    return SetThreshold(int(word))


def parse_language(text: str) -> Command:
    """``<code>``, ``default``, or nothing to show the channel's language."""
    typed = text.strip()
    if not typed:
        return ShowLanguage()
    if typed.lower() == "default":
        return SetLanguage(None)
    language = i18n.parse_code(typed)
    if language is None:
        listed = i18n.choices()
        return Invalid(
            _(
                "I don't speak {typed} yet. The languages: {languages}. "
                "Try `/delight language de`.",
                typed=code(_clip(typed)),
                languages=listed,
            )
        )
    return SetLanguage(language)
