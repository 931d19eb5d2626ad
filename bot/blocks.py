"""Block Kit builders: pure functions from domain values to the dicts Slack expects.

Every message carries a plain ``text`` fallback for notifications and screen readers.
Everything a person typed is escaped before it goes into mrkdwn, so a story can never
ping ``@channel`` or forge a link.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot import ids
from bot.commands import MAX_STORY_CHARS
from bot.digest import Digest
from bot.models import DayTotal, WinKind
from bot.tally import DEFAULT_THRESHOLD, TeamTotal, is_visible
from schedules import rules
from schedules.rules import ChannelSchedule

QUESTION = "How many customers did we delight today?"
MAX_DIGEST_STORIES = 10
MAX_MORE_COUNT = 1000

Blocks = list[dict[str, Any]]


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
SECTION_LIMIT = 3000


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_within(text: str, limit: int) -> str:
    """``escape(text)``, cut to at most ``limit`` characters without splitting an entity.

    Escaping can make a story up to five times longer (``&`` is ``&amp;``), so a story that
    fits as typed may not fit in a section once escaped.
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    pieces, used = [], 0
    for char in text:
        piece = _ESCAPES.get(char, char)
        if used + len(piece) > limit - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces) + "…"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def tally_line(day: DayTotal, threshold: int = DEFAULT_THRESHOLD) -> str:
    if day.responders == 0:
        return "No answers yet. Be the first to count!"
    if not is_visible(day, threshold):
        return (
            f"{plural(day.responders, 'answer')} so far — the tally appears at {threshold}, "
            "so no one's number stands alone."
        )
    return f"We delighted {plural(day.total, 'customer')} today · {day.responders:,} of us answered"


def closed_poll_message(day: DayTotal, threshold: int = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """The poll once it stops taking answers: the final team tally, no buttons."""
    if is_visible(day, threshold):
        final = (
            f"Final: we delighted {plural(day.total, 'customer')} · "
            f"{day.responders:,} of us answered. Thank you, team!"
        )
    elif day.responders:
        final = (
            f"Closed with {plural(day.responders, 'answer')}: fewer than {threshold}, so no "
            "tally, to keep every answer private."
        )
    else:
        final = "Closed with no answers. See you at the next one!"
    return {
        "text": f"{QUESTION} {final}",
        "blocks": [
            _section(f"*{QUESTION}*\n{day_label(day.local_date)}"),
            _context(f":checkered_flag: {final}"),
        ],
    }


def poll_result_line(day: DayTotal) -> str:
    """The one-line team result posted in the poll's thread when it closes."""
    return (
        f":tada: {day_label(day.local_date)}: we delighted {plural(day.total, 'customer')} · "
        f"{day.responders:,} of us answered."
    )


def poll_message(poll_id: int, day: DayTotal, threshold: int = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """The daily poll: the question, one button per count, "more…", and the live team tally."""
    buttons = [
        {
            "type": "button",
            "action_id": f"{ids.ANSWER_ACTION_PREFIX}{n}",
            "text": _plain(str(n)),
            "value": str(n),
        }
        for n in ids.ANSWER_COUNTS
    ]
    buttons.append(
        {
            "type": "button",
            "action_id": ids.ANSWER_MORE_ACTION,
            "text": _plain("more…"),
            "value": "more",
        }
    )
    line = tally_line(day, threshold)
    return {
        "text": f"{QUESTION} {line}",
        "blocks": [
            _section(f"*{QUESTION}*\n{day_label(day.local_date)}"),
            _context(
                "Count every customer you served: a paying customer, or a teammate who serves "
                "one. One click; click again to change it."
            ),
            {
                "type": "actions",
                "block_id": f"{ids.POLL_BLOCK_PREFIX}{poll_id}",
                "elements": buttons,
            },
            _context(f":sparkles: {line}"),
        ],
    }


def answer_thanks(count: int) -> str:
    return (
        f"Thank you! You counted {plural(count, 'customer')} delighted today. "
        "Only the team total is ever shown; click another number to change your answer."
    )


def more_modal(poll_id: int) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.MORE_VIEW,
        "private_metadata": json.dumps({"poll_id": poll_id}),
        "title": _plain("Delight"),
        "submit": _plain("Count them"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.MORE_COUNT_BLOCK,
                "label": _plain("How many customers did you delight today?"),
                "element": {
                    "type": "number_input",
                    "action_id": ids.MORE_COUNT_ACTION,
                    "is_decimal_allowed": False,
                    "min_value": "0",
                    "max_value": str(MAX_MORE_COUNT),
                },
            }
        ],
    }


_KIND_CHOICES = (WinKind.NEW, WinKind.KEPT, WinKind.INTERNAL)
_KIND_COUNTED = {
    WinKind.NEW: ("new customer won", "new customers won"),
    WinKind.KEPT: ("customer kept", "customers kept"),
    WinKind.INTERNAL: ("internal customer served", "internal customers served"),
    WinKind.OTHER: ("other win", "other wins"),
}


def win_modal(channel_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.WIN_VIEW,
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "title": _plain("Log a customer win"),
        "submit": _plain("Log it"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.WIN_STORY_BLOCK,
                "label": _plain("What happened for the customer?"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.WIN_STORY_ACTION,
                    "multiline": True,
                    "max_length": MAX_STORY_CHARS,
                },
            },
            {
                "type": "input",
                "block_id": ids.WIN_KIND_BLOCK,
                "label": _plain("What kind of customer?"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": ids.WIN_KIND_ACTION,
                    "options": [
                        {"text": _plain(kind.label), "value": kind.value} for kind in _KIND_CHOICES
                    ],
                },
            },
            _context(
                "Serve the customer, or serve someone who does. Wins are the team's: no names."
            ),
        ],
    }


def win_logged(kind: WinKind) -> str:
    tip = (
        " Tip: start with `new`, `kept` or `internal` to say what kind of customer."
        if kind is WinKind.OTHER
        else ""
    )
    return (
        f":tada: Logged for the team ({kind.label.lower()}). It'll be in this week's digest.{tip}"
    )


def tally_text(today: DayTotal | None, week: TeamTotal, threshold: int = DEFAULT_THRESHOLD) -> str:
    today_line = (
        "Today: no poll yet. `/delight poll` asks the team."
        if today is None
        else f"Today: {tally_line(today, threshold)}"
    )
    week_line = f"This week: we delighted {plural(week.total, 'customer')}"
    if week.days_counted:
        week_line += f" over {plural(week.days_counted, 'day')}"
    return "\n".join([today_line, week_line + ".", *_hidden_note(week, threshold)])


def _hidden_note(week: TeamTotal, threshold: int) -> list[str]:
    if not week.days_hidden:
        return []
    return [
        f"_{plural(week.days_hidden, 'day')} with fewer than {threshold} answers "
        f"{'is' if week.days_hidden == 1 else 'are'} not counted, so no one's answer stands alone._"
    ]


def _trend(digest: Digest) -> str:
    if not digest.last_week.days_counted:
        return "Our first counted week: here's to many more."
    change = digest.change
    if change > 0:
        return (
            f"That's {change:,} more than last week ({digest.last_week.total:,}). "
            ":chart_with_upwards_trend:"
        )
    if change < 0:
        return f"That's {-change:,} fewer than last week ({digest.last_week.total:,})."
    return f"The same as last week ({digest.last_week.total:,})."


def digest_message(digest: Digest, threshold: int = DEFAULT_THRESHOLD) -> dict[str, Any]:
    week = digest.this_week
    headline = f"This week we delighted {plural(week.total, 'customer')}"
    summary = [_trend(digest)]
    if week.days_counted:
        summary.append(
            f"{plural(week.days_counted, 'day')} counted · "
            f"{plural(week.responses, 'answer')} from the team."
        )
    blocks: Blocks = [
        {"type": "header", "text": _plain(f":tada: {headline}")},
        _context(f"Week of {day_label(digest.week.start)}"),
        _section("\n".join(summary)),
    ]
    blocks += [_context(note) for note in _hidden_note(week, threshold)]
    if digest.wins:
        kinds = " · ".join(
            plural(n, *_KIND_COUNTED[kind]) for kind, n in digest.wins_by_kind.items()
        )
        blocks += [
            {"type": "divider"},
            _section(f"*{plural(len(digest.wins), 'customer win')} this week*\n{kinds}"),
        ]
        for win in digest.wins[:MAX_DIGEST_STORIES]:
            prefix = f"*{win.kind.label}* · "
            blocks.append(_section(prefix + escape_within(win.story, SECTION_LIMIT - len(prefix))))
        hidden = len(digest.wins) - MAX_DIGEST_STORIES
        if hidden > 0:
            blocks.append(_context(f"…and {plural(hidden, 'more story', 'more stories')}."))
    else:
        blocks.append(
            _context(
                "No wins logged this week yet. `/delight win <story>` tells the team about one."
            )
        )
    return {"text": f"{headline}. {summary[0]}", "blocks": blocks}


def help_text() -> str:
    return "\n".join(
        [
            f"*{QUESTION}* Delight asks the team every working day and keeps a team tally: "
            "never a leaderboard, never a per-person number.",
            "`/delight poll`: post today's poll in this channel now",
            "`/delight win <story>`: log a customer win for the team (start with `new`, "
            "`kept` or `internal` to say what kind)",
            "`/delight win`: log a win with a form",
            "`/delight tally`: today's and this week's team numbers",
            "`/delight digest`: post this week's digest here now",
            "`/delight help`: this message",
        ]
    )


def poll_exists_text(message_ts: str | None, permalink: str | None) -> str:
    if message_ts is None:
        return "Today's poll is being posted right now; it'll appear in a moment."
    if permalink:
        return f"We already have today's poll: <{permalink}|answer it here>."
    return "We already have today's poll in this channel; scroll up to answer it."


def thanks_view(text: str) -> dict[str, Any]:
    """What a submitted modal turns into: a confirmation with only a close button."""
    return {
        "type": "modal",
        "title": _plain("Delight"),
        "close": _plain("Done"),
        "blocks": [_section(text)],
    }


def _when(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b} {moment:%H:%M}"


def schedule_text(schedule: ChannelSchedule | None, now: datetime, disabled: str | None) -> str:
    """What ``/delight schedule`` shows: the rule, the next three polls, the digest, skips."""
    if schedule is None:
        lines = ["No daily poll is scheduled here. Try `/delight schedule 17:00`."]
        if disabled:
            lines.append(f"_The last schedule was turned off: {disabled}_")
        return "\n".join(lines)
    lines = [
        f"Daily poll at *{schedule.poll_time:%H:%M}* ({schedule.tz}), "
        f"{rules.describe_days(schedule.days)}."
    ]
    if schedule.paused:
        lines.append("*Paused.* `/delight resume` starts the polls again.")
    else:
        upcoming = ", ".join(_when(moment) for moment in schedule.next_polls(now, 3))
        lines.append(f"Next: {upcoming or 'none'}.")
    digest = schedule.digest_at()
    lines.append(
        "Weekly digest: off."
        if digest is None
        else f"Weekly digest: {rules.DAY_NAMES[digest[0]].title()} {digest[1]:%H:%M}."
    )
    if schedule.skips:
        lines.append(
            "Skipping: "
            + ", ".join(f"{day:%a} {day.isoformat()}" for day in sorted(schedule.skips))
            + "."
        )
    return "\n".join(lines)


def nudge_text(minutes_left: int) -> str:
    """The one gentle reminder in a poll's thread. It names no one and counts no one."""
    when = f"about {plural(minutes_left, 'minute')}" if minutes_left < 90 else "a little while"
    return (
        f":hourglass_flowing_sand: Our poll closes in {when}. If you served a customer today, "
        "paying or internal, one click counts it for the team."
    )


def nudge_setting_text(minutes: int | None) -> str:
    if minutes is None:
        return "Nudges are off. `/delight nudge 30m` turns them on."
    return (
        f"Nudge: {plural(minutes, 'minute')} before the poll closes, if fewer than half of our "
        "usual responders have answered, I post one gentle reminder in the poll's thread. "
        "It never names anyone. `/delight nudge off` turns it off."
    )
