"""Block Kit builders: pure functions from domain values to the dicts Slack expects.

Every message carries a plain ``text`` fallback for notifications and screen readers.
Everything a person typed is escaped before it goes into mrkdwn, so a story can never
ping ``@channel`` or forge a link.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot.domain import i18n
from bot.domain.command_text import MAX_STORY_CHARS
from bot.domain.digest import ChannelCard, Digest
from bot.domain.i18n import N_, _, current, day_text, locale, moment_text, ngettext, number, percent
from bot.domain.models import ChannelProfile, DayTotal, Win, WinKind
from bot.domain.mrkdwn import channel_link, clip, code
from bot.domain.schedule import EVERY_DAY, WEEKDAYS, ChannelSchedule
from bot.domain.tally import DEFAULT_THRESHOLD, GoalProgress, TeamTotal, is_visible, threshold_for
from bot.slack import ids

QUESTION = N_("How many customers did we delight today?")
MAX_DIGEST_STORIES = 10
MAX_MORE_COUNT = 1000
MAX_HOME_CHANNELS = 25

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


def question() -> str:
    return _(QUESTION)


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def day_label(day: date) -> str:
    # Translators: a CLDR date pattern (https://cldr.unicode.org/translation/date-time) for a
    # poll's day, e.g. "Tuesday 1 December"; keep the letters, reorder them as you write dates.
    return day_text(day, N_("EEEE d MMMM"))


def weekday_name(index: int, width: str = "abbreviated") -> str:
    """Monday is 0, as in ``bot.domain.schedule``; ``width``: ``abbreviated`` or ``wide``."""
    return locale(current()).days["format"][width][index]


def describe_days(days: frozenset[int]) -> str:
    """A schedule's days: "Mon to Fri", "every day", or a list."""
    if days == WEEKDAYS:
        return _("Mon to Fri")
    if days == EVERY_DAY:
        return _("every day")
    # Translators: the separator between listed weekdays, "Mon, Wed, Fri".
    return _(", ").join(weekday_name(d) for d in sorted(days))


def tally_line(
    day: DayTotal, threshold: int = DEFAULT_THRESHOLD, pending: int | None = None
) -> str:
    """A poll's team numbers. ``pending``: the poll is open and its tally moves in steps
    (``bot.domain.live``); that many answers came in since the numbers shown."""
    if day.responders == 0:
        return _("No answers yet. Be the first to count!")
    if not is_visible(day, threshold):
        return ngettext(
            "{n} answer so far — the tally appears at {threshold}, so no one's number "
            "stands alone.",
            "{n} answers so far — the tally appears at {threshold}, so no one's number "
            "stands alone.",
            day.responders,
            threshold=number(threshold_for(day, threshold)),
        )
    line = _(
        "{delighted} today · {responders} of us answered",
        delighted=ngettext("We delighted {n} customer", "We delighted {n} customers", day.total),
        responders=number(day.responders),
    )
    if pending is None:
        return line
    step = threshold_for(day, threshold)
    if pending:
        return _(
            "{line} · {since} · {updates}",
            line=line,
            since=ngettext("{n} more answer since", "{n} more answers since", pending),
            updates=ngettext("updates every {n} answer", "updates every {n} answers", step),
        )
    return _(
        "{line} · {updates}",
        line=line,
        updates=ngettext("updates every {n} answer", "updates every {n} answers", step),
    )


def closed_poll_message(day: DayTotal, threshold: int = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """The poll once it stops taking answers: the final team tally, no buttons."""
    if is_visible(day, threshold):
        final = _(
            "Final: {delighted} · {responders} of us answered. Thank you, team!",
            delighted=ngettext(
                "we delighted {n} customer", "we delighted {n} customers", day.total
            ),
            responders=number(day.responders),
        )
    elif day.responders:
        final = ngettext(
            "Closed with {n} answer: fewer than {threshold}, so no tally, to keep every "
            "answer private.",
            "Closed with {n} answers: fewer than {threshold}, so no tally, to keep every "
            "answer private.",
            day.responders,
            threshold=number(threshold_for(day, threshold)),
        )
    else:
        final = _("Closed with no answers. See you at the next one!")
    return {
        "text": f"{question()} {final}",
        "blocks": [
            _section(f"*{question()}*\n{day_label(day.local_date)}"),
            _context(f":checkered_flag: {final}"),
        ],
    }


def poll_result_line(day: DayTotal) -> str:
    """The one-line team result posted in the poll's thread when it closes."""
    return ":tada: " + _(
        "{day}: {delighted} · {responders} of us answered.",
        day=day_label(day.local_date),
        delighted=ngettext("we delighted {n} customer", "we delighted {n} customers", day.total),
        responders=number(day.responders),
    )


def _log_win_button() -> dict[str, Any]:
    """Opens the win form for the channel the message is in (``handlers.wins``)."""
    return {
        "type": "button",
        "action_id": ids.LOG_WIN_ACTION,
        "text": _plain(_("Log a win")),
        "value": "win",
    }


def poll_result_message(day: DayTotal) -> dict[str, Any]:
    """The result line as a message, with a button to log one of the day's wins."""
    line = poll_result_line(day)
    return {"text": line, "blocks": [{**_section(line), "accessory": _log_win_button()}]}


def sparkline(values: list[int | None] | tuple[int | None, ...]) -> str:
    """Weekly totals as a compact bar chart; ``·`` marks a week with no counted day."""
    top = max((v for v in values if v is not None), default=0)
    bars = "▁▂▃▄▅▆▇█"
    return "".join(
        "·" if v is None else bars[round(v / top * (len(bars) - 1)) if top else 0] for v in values
    )


def trend_line(trend: tuple[int | None, ...]) -> str:
    counted = [v for v in trend if v is not None]
    if not counted:
        return ngettext(
            "{n}-week trend: no counted weeks yet.", "{n}-week trend: no counted weeks yet.",
            len(trend),
        )  # fmt: skip
    return ngettext(
        "{n}-week trend: `{bars}` (this week last; best {best})",
        "{n}-week trend: `{bars}` (this week last; best {best})",
        len(trend),
        bars=sparkline(trend),
        best=number(max(counted)),
    )


def goal_line(progress: GoalProgress) -> str:
    """Where the team stands against its weekly goal, e.g. "We're at 38 of 50 this week"."""
    if progress.reached:
        return ":trophy: " + _(
            "We reached our goal: {total} of {goal} this week!",
            total=number(progress.total),
            goal=number(progress.goal),
        )
    filled = min(10, progress.total * 10 // progress.goal)
    return ":dart: " + _(
        "We're at {total} of {goal} this week `{bar}` {percent}",
        total=number(progress.total),
        goal=number(progress.goal),
        bar="▰" * filled + "▱" * (10 - filled),
        percent=percent(progress.percent),
    )


def customer_line(customer: str) -> str:
    """ "Connect the dots": who this team serves, shown on every poll and digest."""
    return ":busts_in_silhouette: " + _(
        "Our customer: {customer}", customer=escape_within(customer, 300)
    )


def poll_message(
    poll_id: int,
    day: DayTotal,
    threshold: int = DEFAULT_THRESHOLD,
    customer: str | None = None,
    goal: GoalProgress | None = None,
    pending: int = 0,
) -> dict[str, Any]:
    """The daily poll: the question, one button per count, "more…", and the live team tally
    (``day`` as it last moved, ``pending`` answers since)."""
    buttons = [
        {
            "type": "button",
            "action_id": f"{ids.ANSWER_ACTION_PREFIX}{n}",
            "text": _plain(number(n)),
            "value": str(n),
        }
        for n in ids.ANSWER_COUNTS
    ]
    buttons.append(
        {
            "type": "button",
            "action_id": ids.ANSWER_MORE_ACTION,
            "text": _plain(_("more…")),
            "value": "more",
        }
    )
    buttons.append(_log_win_button())
    line = tally_line(day, threshold, pending)
    status = [f":sparkles: {line}"]
    if goal is not None:
        status.append(goal_line(goal))
    heading = [_section(f"*{question()}*\n{day_label(day.local_date)}")]
    if customer:
        heading.append(_context(customer_line(customer)))
    return {
        "text": f"{question()} {line}",
        "blocks": [
            *heading,
            _context(
                _(
                    "Count every customer you served: a paying customer, or a teammate who "
                    "serves one. One click; click again to change it."
                )
            ),
            {
                "type": "actions",
                "block_id": f"{ids.POLL_BLOCK_PREFIX}{poll_id}",
                "elements": buttons,
            },
            _context("\n".join(status)),
        ],
    }


def answer_thanks(count: int) -> str:
    return ngettext(
        "Thank you! You counted {n} customer delighted today. Only the team total is ever "
        "shown; click another number to change your answer.",
        "Thank you! You counted {n} customers delighted today. Only the team total is ever "
        "shown; click another number to change your answer.",
        count,
    )


def more_modal(poll_id: int) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.MORE_VIEW,
        "private_metadata": json.dumps({"poll_id": poll_id}),
        "title": _plain("Delight"),
        "submit": _plain(_("Count them")),
        "close": _plain(_("Cancel")),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.MORE_COUNT_BLOCK,
                "label": _plain(_("How many customers did you delight today?")),
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
_KIND_LABELS = {
    WinKind.NEW: N_("New customer won"),
    WinKind.KEPT: N_("Customer kept"),
    WinKind.INTERNAL: N_("Internal customer served"),
    WinKind.OTHER: N_("Customer delighted"),
}


def kind_label(kind: WinKind) -> str:
    return _(_KIND_LABELS[kind])


def _kind_count(kind: WinKind, n: int) -> str:
    match kind:
        case WinKind.NEW:
            return ngettext("{n} new customer won", "{n} new customers won", n)
        case WinKind.KEPT:
            return ngettext("{n} customer kept", "{n} customers kept", n)
        case WinKind.INTERNAL:
            return ngettext("{n} internal customer served", "{n} internal customers served", n)
        case _:
            return ngettext("{n} other win", "{n} other wins", n)


_WIN_FOOTER = N_("Serve the customer, or serve someone who does. Wins are the team's: no names.")


def _win_inputs(story: str = "") -> Blocks:
    """The story and the kind of customer; ``story`` prefills the story (trimmed to fit)."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.WIN_STORY_ACTION,
        "multiline": True,
        "max_length": MAX_STORY_CHARS,
    }
    if story.strip():
        element["initial_value"] = clip(story.strip(), MAX_STORY_CHARS)
    return [
        {
            "type": "input",
            "block_id": ids.WIN_STORY_BLOCK,
            "label": _plain(_("What happened for the customer?")),
            "element": element,
        },
        {
            "type": "input",
            "block_id": ids.WIN_KIND_BLOCK,
            "label": _plain(_("What kind of customer?")),
            "element": {
                "type": "radio_buttons",
                "action_id": ids.WIN_KIND_ACTION,
                "options": [
                    {"text": _plain(kind_label(kind)), "value": kind.value}
                    for kind in _KIND_CHOICES
                ],
            },
        },
    ]


def _win_form(metadata: dict[str, Any], blocks: Blocks) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.WIN_VIEW,
        "private_metadata": json.dumps(metadata),
        # Translators: a modal's title, at most 24 characters.
        "title": _plain(_("Log a customer win")),
        "submit": _plain(_("Log it")),
        "close": _plain(_("Cancel")),
        "blocks": blocks,
    }


def win_modal(channel_id: str, story: str = "", message_ts: str | None = None) -> dict[str, Any]:
    """The win form for one channel. From a message shortcut: prefilled with the message's
    text, and ``message_ts`` says which message it was (one win per message)."""
    metadata: dict[str, Any] = {"channel_id": channel_id}
    footer = _(_WIN_FOOTER)
    if message_ts is not None:
        metadata["message_ts"] = message_ts
        footer = _(
            "From a message in {channel}, linked in its digest. {footer}",
            channel=channel_link(channel_id),
            footer=footer,
        )
    return _win_form(metadata, [*_win_inputs(story), _context(footer)])


MAX_CHANNEL_OPTIONS = 100


def win_modal_pick_channel(channels: list[tuple[str, str]] | None) -> dict[str, Any]:
    """The win form from Slack's shortcut menu: first a channel of those Delight is in
    (``channels``: id and name). ``None`` while they load; none at all says how to start."""
    if channels is None:
        return thanks_view(":hourglass_flowing_sand: " + _("Loading the channels I'm in…"))
    if not channels:
        return thanks_view(
            _(
                "I'm not in any channel yet. Add me to your team's channel with "
                "`/invite @Delight`, then log the win there."
            )
        )
    options = [
        {"text": _plain(clip(f"#{name}", 75)), "value": channel_id}
        for channel_id, name in channels[:MAX_CHANNEL_OPTIONS]
    ]
    picker: dict[str, Any] = {
        "type": "input",
        "block_id": ids.WIN_CHANNEL_BLOCK,
        "label": _plain(_("Which team's channel?")),
        "element": {
            "type": "static_select",
            "action_id": ids.WIN_CHANNEL_ACTION,
            "placeholder": _plain(_("A channel Delight is in")),
            "options": options,
        },
    }
    if len(options) == 1:
        picker["element"]["initial_option"] = options[0]
    footer = _context(_(_WIN_FOOTER))
    return _win_form({"pick_channel": True}, [picker, *_win_inputs(), footer])


def already_logged_text() -> str:
    return ":white_check_mark: " + _(
        "This message is already logged as a customer win for the team. "
        "It'll be in this week's digest."
    )


_KIND_LOGGED = {
    WinKind.NEW: N_("Logged for the team (new customer won). It'll be in this week's digest."),
    WinKind.KEPT: N_("Logged for the team (customer kept). It'll be in this week's digest."),
    WinKind.INTERNAL: N_(
        "Logged for the team (internal customer served). It'll be in this week's digest."
    ),
    WinKind.OTHER: N_(
        "Logged for the team (customer delighted). It'll be in this week's digest. "
        "Tip: start with `new`, `kept` or `internal` to say what kind of customer."
    ),
}


def win_logged(kind: WinKind) -> str:
    return ":tada: " + _(_KIND_LOGGED[kind])


def tally_text(
    today: DayTotal | None,
    week: TeamTotal,
    threshold: int = DEFAULT_THRESHOLD,
    goal: GoalProgress | None = None,
    pending: int | None = None,
) -> str:
    """``/delight tally``. ``pending``: today's poll is open (see ``tally_line``)."""
    today_line = (
        _("Today: no poll yet. `/delight poll` asks the team.")
        if today is None
        else _("Today: {line}", line=tally_line(today, threshold, pending))
    )
    week_line = _("This week: {numbers}.", numbers=_week_numbers(week))
    goal_lines = [goal_line(goal)] if goal else []
    return "\n".join([today_line, week_line, *goal_lines, *_hidden_note(week, threshold)])


def _week_numbers(week: TeamTotal) -> str:
    """ "we delighted 12 customers over 3 days"."""
    delighted = ngettext("we delighted {n} customer", "we delighted {n} customers", week.total)
    if not week.days_counted:
        return delighted
    return ngettext(
        "{delighted} over {n} day", "{delighted} over {n} days", week.days_counted,
        delighted=delighted,
    )  # fmt: skip


def _hidden_note(week: TeamTotal, threshold: int) -> list[str]:
    if not week.days_hidden:
        return []
    note = ngettext(
        "{n} day with fewer than {threshold} answers is not counted, so no one's answer "
        "stands alone.",
        "{n} days with fewer than {threshold} answers are not counted, so no one's answer "
        "stands alone.",
        week.days_hidden,
        threshold=number(threshold),
    )
    return [f"_{note}_"]


def _trend(digest: Digest) -> str:
    if not digest.this_week.days_counted and not digest.last_week.days_counted:
        return _(
            "No day was counted this week yet: a poll day counts once enough of us answer. "
            "`/delight poll` asks the team."
        )
    if not digest.last_week.days_counted:
        return _("Our first counted week: here's to many more.")
    change, last = digest.change, number(digest.last_week.total)
    if change > 0:
        return (
            ngettext(
                "That's {n} more than last week ({last}).",
                "That's {n} more than last week ({last}).",
                change,
                last=last,
            )
            + " :chart_with_upwards_trend:"
        )
    if change < 0:
        return ngettext(
            "That's {n} fewer than last week ({last}).",
            "That's {n} fewer than last week ({last}).",
            -change,
            last=last,
        )
    return _("The same as last week ({last}).", last=last)


def _best_days(days: tuple[DayTotal, ...]) -> str:
    # Translators: a CLDR pattern for a weekday's full name, "Tuesday".
    weekday = N_("EEEE")
    listed = " · ".join(f"{day_text(d.local_date, weekday)} ({number(d.total)})" for d in days)
    return _("Days with the most delight: {days}", days=listed)


def _thanks_line(digest: Digest) -> str | None:
    """Thanks between teams this week: received (as wins) and sent."""
    parts = []
    if digest.thanks_received:
        parts.append(
            ngettext(
                "{n} thank-you from teams we serve",
                "{n} thank-yous from teams we serve",
                digest.thanks_received,
            )
        )
    if digest.teams_thanked:
        parts.append(
            ngettext(
                "we thanked {n} team who serves us",
                "we thanked {n} teams who serve us",
                digest.teams_thanked,
            )
        )
    if not parts:
        return None
    line = " · ".join(parts)
    return f":handshake: {line[0].upper()}{line[1:]}."


def _is_link(url: str | None) -> bool:
    """A permalink Slack gave us, safe to put in ``<url|text>``."""
    return bool(url) and url.startswith("https://") and not set("<>| ") & set(url)


def _story(win: Win) -> dict[str, Any]:
    """One win in the digest: its kind, who thanked (a channel), the story, its message."""
    prefix = f"*{kind_label(win.kind)}* · "
    if win.from_channel:
        prefix += _("Thanks from {channel}", channel=channel_link(win.from_channel)) + " · "
    label = _("the message")
    suffix = f" · <{win.permalink}|{label}>" if _is_link(win.permalink) else ""
    room = SECTION_LIMIT - len(prefix) - len(suffix)
    return _section(prefix + escape_within(win.story, room) + suffix)


def digest_message(digest: Digest) -> dict[str, Any]:
    """The weekly digest: team total and trend, goal, best days, wins by kind, stories.

    A week with no counted day says so plainly: nothing to celebrate yet, and no rate."""
    week = digest.this_week
    if week.days_counted:
        headline = ":tada: " + ngettext(
            "This week we delighted {n} customer", "This week we delighted {n} customers",
            week.total,
        )  # fmt: skip
    elif digest.wins:
        headline = ":tada: " + ngettext(
            "This week we logged {n} customer win", "This week we logged {n} customer wins",
            len(digest.wins),
        )  # fmt: skip
    else:
        headline = ":calendar: " + _("This week's numbers")
    summary = [_trend(digest)]
    if digest.goal is not None:
        summary.append(goal_line(digest.goal))
    if week.days_counted:
        summary.append(
            _(
                "{days} counted · {answers} from the team.",
                days=ngettext("{n} day", "{n} days", week.days_counted),
                answers=ngettext("{n} answer", "{n} answers", week.responses),
            )
        )
    if digest.response_rate:
        summary.append(
            _(
                "On an average poll day {rate} of us answered.",
                rate=percent(digest.response_rate),
            )
        )
    about = [_("Week of {day}", day=day_label(digest.week.start))]
    if digest.customer:
        about.append(customer_line(digest.customer))
    blocks: Blocks = [
        {"type": "header", "text": _plain(clip(headline, 150))},
        _context("\n".join(about)),
        _section("\n".join(summary)),
    ]
    details = []
    if digest.best_days:
        details.append(_best_days(digest.best_days))
    if any(v is not None for v in digest.trend):
        details.append(trend_line(digest.trend))
    if details:
        blocks.append(_context("\n".join(details)))
    blocks += [_context(note) for note in _hidden_note(week, digest.threshold)]
    if thanks := _thanks_line(digest):
        blocks.append(_context(thanks))
    if digest.wins:
        kinds = " · ".join(_kind_count(kind, n) for kind, n in digest.wins_by_kind.items())
        wins = ngettext(
            "{n} customer win this week", "{n} customer wins this week", len(digest.wins)
        )
        blocks += [{"type": "divider"}, _section(f"*{wins}*\n{kinds}")]
        blocks += [_story(win) for win in digest.wins[:MAX_DIGEST_STORIES]]
        hidden = len(digest.wins) - MAX_DIGEST_STORIES
        if hidden > 0:
            blocks.append(
                _context(ngettext("…and {n} more story.", "…and {n} more stories.", hidden))
            )
    else:
        blocks.append(
            _context(
                _("No wins logged this week yet. `/delight win <story>` tells the team about one.")
            )
        )
    # Translators: the digest's notification text: its headline, then how the week compares.
    text = _("{headline}. {summary}", headline=headline.split(" ", 1)[1], summary=summary[0])
    return {"text": text, "blocks": blocks}


_HELP = (
    ("/delight poll", N_("post today's poll in this channel now")),
    (
        "/delight win <story>",
        N_(
            "log a customer win for the team (start with `new`, `kept` or `internal` to say "
            "what kind)"
        ),
    ),
    ("/delight win", N_("log a win with a form")),
    ("/delight tally", N_("today's and this week's team numbers")),
    ("/delight digest", N_("post this week's digest here now")),
    ("/delight customer <who we serve>", N_("who our customer is, shown on every poll")),
    ("/delight goal 50", N_("a weekly team goal (`goal off` removes it)")),
    (
        "/delight schedule 17:00 [timezone] [mon-fri]",
        N_(
            "a daily poll (also `schedule off`, `pause`, `resume`, `skip <date>`, "
            "`nudge 30m`, `digest schedule fri 16:00`)"
        ),
    ),
    ("/delight privacy", N_("what Delight stores, and `privacy threshold <n>`")),
    ("/delight forget me", N_("delete every answer you have given")),
    (
        "/delight thanks #other-team <story>",
        N_("thank a team that serves us; it counts as a win for them"),
    ),
    ("/delight webhook", N_("this channel's URL for logging wins from other tools")),
    (
        "/delight language <code>",
        N_("the language Delight speaks in this channel (`language default` goes back)"),
    ),
    ("/delight help", N_("this message")),
)


def help_text() -> str:
    intro = _(
        "Delight asks the team every working day and keeps a team tally: never a "
        "leaderboard, never a per-person number. The commands stay in English everywhere."
    )
    return "\n".join(
        [f"*{question()}* {intro}", *(f"`{command}`: {_(what)}" for command, what in _HELP)]
    )


def team_channel_only_text() -> str:
    return _(
        "That works in your team's channel, not in a direct message: thanks and webhooks "
        "belong to a team. Try it there."
    )


def thanks_message(from_channel: str, customer: str | None, story: str) -> dict[str, Any]:
    """Posted in the thanked team's channel: their internal customers thank them."""
    heading = ":handshake: *" + _(
        "Your internal customers in {channel} thank you!", channel=channel_link(from_channel)
    ) + "*"  # fmt: skip
    about = [customer_line(customer)] if customer else []
    quoted = "\n".join(f"> {line}" for line in escape_within(story, 2800).splitlines())
    return {
        "text": _(
            "Your internal customers in {channel} thank you: {story}",
            channel=channel_link(from_channel),
            story=escape_within(story, 200),
        ),
        "blocks": [
            _section(f"{heading}\n{quoted}"),
            *[_context(line) for line in about],
            _context(
                _(
                    "Counted as an internal customer served in this week's digest. Serve the "
                    "customer, or serve someone who does."
                )
            ),
        ],
    }


_THANKS_FAILURES = {
    "not_in_channel": N_("I'm not in {channel} yet, so I can't thank them there."),
    "channel_not_found": N_("I can't see that channel: it may be private, and I'm not in it."),
    "is_archived": N_("{channel} is archived, so I can't thank them there."),
}


def thanks_failed_text(channel_id: str, code: str) -> str | None:
    """Why a thank-you could not be posted in the thanked team's channel, and what to do."""
    reason = _THANKS_FAILURES.get(code)
    if reason is None:
        return None
    text = _(reason, channel=channel_link(channel_id))
    if code == "is_archived":
        return text
    return (
        text
        + " "
        + _("Someone in that channel can add me with `/invite @Delight`; then thank them again.")
    )


def thanks_sent_message(to_channel: str, story: str) -> dict[str, Any]:
    """The confirmation in the thanking team's channel."""
    line = ":handshake: " + _(
        "We thanked {channel}, a team that serves us.", channel=channel_link(to_channel)
    )
    return {
        "text": _(
            "We thanked {channel}, a team that serves us: {story}",
            channel=channel_link(to_channel),
            story=escape_within(story, 200),
        ),
        "blocks": [_section(f"{line}\n> {escape_within(story, 2800).replace(chr(10), ' ')}")],
    }


def webhook_text(path: str, public_url: str | None, created: bool) -> str:
    """What ``/delight webhook`` shows the person who asked, and only them."""
    intro = (
        _("This channel's webhook is ready.")
        if created
        else _("This channel's webhook (the same URL as before):")
    )
    if public_url:
        url = public_url + path
        where = f"`{url}`"
    else:
        host = _("your Delight host")
        url = f"https://<{host}>{path}"
        where = _(
            "{path} on Delight's web address. Ask whoever runs Delight to set "
            "`DELIGHT_PUBLIC_URL` so I can show the whole URL.",
            path=code(path),
        )
    example = (
        f"curl -X POST '{url}' -H 'Content-Type: application/json' "
        '-d \'{"story": "Acme renewed after our fix", "kind": "kept", "id": "ticket-123"}\''
    )
    return "\n".join(
        [
            f":link: {intro} {where}",
            _(
                "Anything that can POST JSON can log a win for the team: {shape}. "
                "The same `id` twice logs one win.",
                shape='`{"story": "...", "kind": "new" | "kept" | "internal", "id": "<optional>"}`',
            ),
            f"```{example}```",
            _(
                "Keep it secret: whoever has the URL can log wins here. `/delight webhook "
                "rotate` replaces it (the old one stops at once), `/delight webhook off` "
                "removes it."
            ),
        ]
    )


def webhook_rotated_text(path: str, public_url: str | None) -> str:
    return (
        ":arrows_counterclockwise: "
        + _("The old URL stopped working just now.")
        + "\n"
        + webhook_text(path, public_url, created=True)
    )


def webhook_off_text(removed: bool) -> str:
    if not removed:
        return _("This channel has no webhook. `/delight webhook` creates one.")
    return _("The webhook is removed: its URL stopped working. `/delight webhook` makes a new one.")


def poll_exists_text(message_ts: str | None, permalink: str | None) -> str:
    if message_ts is None:
        return _("Today's poll is being posted right now; it'll appear in a moment.")
    if permalink:
        label = _("answer it here")
        link = f"<{permalink}|{label}>"
        return _("We already have today's poll: {link}.", link=link)
    return _("We already have today's poll in this channel; scroll up to answer it.")


def thanks_view(text: str) -> dict[str, Any]:
    """What a submitted modal turns into: a confirmation with only a close button."""
    return {
        "type": "modal",
        "title": _plain("Delight"),
        "close": _plain(_("Done")),
        "blocks": [_section(text)],
    }


def _when(moment: datetime) -> str:
    # Translators: a CLDR pattern for a poll's local date and time, "Tue 1 Dec 17:00".
    return moment_text(moment, N_("EEE d MMM HH:mm"))


def skip_day(day: date) -> str:
    """A skipped day: its weekday and the date as typed, "Thu 2026-12-24"."""
    # Translators: a CLDR pattern for a short weekday name, "Thu".
    weekday = day_text(day, N_("EEE"))
    return f"{weekday} {day.isoformat()}"


def skips_text(days: list[date]) -> str:
    return _("Skipping: {days}.", days=_(", ").join(skip_day(day) for day in days))


def _poll_rule(schedule: ChannelSchedule) -> str:
    """ "Daily poll at 17:00 (UTC), Mon to Fri.", or a weekly one for a single day."""
    at = f"{schedule.poll_time:%H:%M}"
    if len(schedule.days) == 1:
        (day,) = schedule.days
        return _(
            "Weekly poll at *{time}* ({tz}), every {day}.",
            time=at,
            tz=schedule.tz,
            day=weekday_name(day, "wide"),
        )
    return _(
        "Daily poll at *{time}* ({tz}), {days}.",
        time=at,
        tz=schedule.tz,
        days=describe_days(schedule.days),
    )


def _digest_at(digest: tuple[int, Any]) -> str:
    return f"{weekday_name(digest[0])} {digest[1]:%H:%M}"


def schedule_text(schedule: ChannelSchedule | None, now: datetime, disabled: str | None) -> str:
    """What ``/delight schedule`` shows: the rule, the next three polls, the digest, skips."""
    if schedule is None:
        lines = [_("No daily poll is scheduled here. Try `/delight schedule 17:00`.")]
        if disabled:
            lines.append("_" + _("The last schedule was turned off: {why}", why=disabled) + "_")
        return "\n".join(lines)
    lines = [_poll_rule(schedule)]
    if schedule.paused:
        lines.append(_("*Paused.* `/delight resume` starts the polls again."))
    else:
        upcoming = _(", ").join(_when(moment) for moment in schedule.next_polls(now, 3))
        lines.append(_("Next: {polls}.", polls=upcoming) if upcoming else _("Next: none."))
    digest = schedule.digest_at()
    lines.append(
        _("Weekly digest: off.")
        if digest is None
        else _("Weekly digest: {when}.", when=_digest_at(digest))
    )
    if schedule.skips:
        lines.append(skips_text(sorted(schedule.skips)))
    return "\n".join(lines)


def schedule_off_text() -> str:
    return _(
        "Daily polls are off in this channel. Answers so far are kept in our numbers; "
        "`/delight schedule 17:00` starts the polls again."
    )


def nudge_text(minutes_left: int) -> str:
    """The one gentle reminder in a poll's thread. It names no one and counts no one."""
    if minutes_left < 90:
        text = ngettext(
            "Our poll closes in about {n} minute. If you served a customer today, paying or "
            "internal, one click counts it for the team.",
            "Our poll closes in about {n} minutes. If you served a customer today, paying or "
            "internal, one click counts it for the team.",
            minutes_left,
        )
    else:
        text = _(
            "Our poll closes in a little while. If you served a customer today, paying or "
            "internal, one click counts it for the team."
        )
    return f":hourglass_flowing_sand: {text}"


def nudge_setting_text(minutes: int | None) -> str:
    if minutes is None:
        return _("Nudges are off. `/delight nudge 30m` turns them on.")
    return ngettext(
        "Nudge: {n} minute before the poll closes, if fewer than half of our usual "
        "responders have answered, I post one gentle reminder in the poll's thread. It never "
        "names anyone. `/delight nudge off` turns it off.",
        "Nudge: {n} minutes before the poll closes, if fewer than half of our usual "
        "responders have answered, I post one gentle reminder in the poll's thread. It never "
        "names anyone. `/delight nudge off` turns it off.",
        minutes,
    )


def customer_text(customer: str | None) -> str:
    if customer is None:
        return _(
            "Who is our customer? Tell the team once and it's on every poll and digest: "
            "`/delight customer Shop owners who sell with our app` (or the internal team "
            "you serve, like `/delight customer The support team, so they can answer fast`)."
        )
    return customer_line(customer) + "\n" + _("`/delight customer off` removes it.")


def customer_set_text(customer: str | None) -> str:
    if customer is None:
        return _("Our customer line is removed from the polls and digests.")
    return customer_line(customer) + "\n" + _("It's on every poll and digest from now on.")


def goal_text(goal: int | None, progress: GoalProgress | None) -> str:
    if goal is None:
        return _("No weekly goal yet. `/delight goal 50` sets one for the team.")
    line = goal_line(progress) if progress else _("Our weekly goal is {goal}.", goal=number(goal))
    return line + "\n" + _("`/delight goal off` removes the goal.")


def goal_set_text(goal: int | None, progress: GoalProgress | None) -> str:
    if goal is None or progress is None:
        return _("The weekly goal is off. `/delight goal 50` sets a new one.")
    new_goal = ngettext(
        "New weekly team goal: {n} customer delighted together.",
        "New weekly team goal: {n} customers delighted together.",
        goal,
    )
    return new_goal + "\n" + goal_line(progress)


def privacy_text(profile: ChannelProfile) -> str:
    """What ``/delight privacy`` shows: the rules Delight keeps, in this channel."""
    threshold = number(profile.threshold)
    return "\n".join(
        [
            _(
                "*Privacy in this channel.* A tally shows once {threshold} of us have "
                "answered; days with fewer answers aren't counted in any total. After that a "
                "live tally moves only every {threshold} answers, so no one's number can be "
                "worked out from two tallies.",
                threshold=threshold,
            ),
            _(
                "Answers are stored under a keyed pseudonym, never your Slack id, and only "
                "until the poll closes: then it keeps team numbers alone. Wins store no "
                "author. Nothing shows a per-person number, not even to you."
            ),
            _(
                "`/delight privacy threshold <n>` changes the threshold (1 to 100). Lowering "
                "it only applies to polls posted afterwards."
            ),
            _("`/delight forget me` deletes every answer you have given in this workspace."),
        ]
    )


def threshold_set_text(threshold: int) -> str:
    text = ngettext(
        "Our tallies now show once {n} person has answered. Polls posted before keep at "
        "least the threshold they were answered under.",
        "Our tallies now show once {n} people have answered. Polls posted before keep at "
        "least the threshold they were answered under.",
        threshold,
    )
    if threshold == 1:
        text += " " + _("A threshold of 1 shows a tally with a single answer in it.")
    return f":lock: {text}"


def forgotten_text(removed: int) -> str:
    if removed == 0:
        return _(
            "There were no answers of yours stored in this workspace. Nothing to delete: only "
            "open polls hold answers, a closed poll keeps team numbers alone."
        )
    return ngettext(
        "Done: I deleted {n} answer of yours from this workspace. Only open polls hold "
        "answers (a closed poll keeps team numbers alone), so that was everything. Its poll "
        "leaves you out from its next live-tally step; team numbers already posted stay as "
        "they were.",
        "Done: I deleted {n} answers of yours from this workspace. Only open polls hold "
        "answers (a closed poll keeps team numbers alone), so that was everything. Their "
        "polls leave you out from their next live-tally step; team numbers already posted "
        "stay as they were.",
        removed,
    )


def language_text(code: str, default: str, own: bool) -> str:
    """``/delight language``: this channel's language and the ones to choose from."""
    listed = i18n.choices()
    now = (
        _("Delight speaks {language} in this channel.", language=i18n.name(code))
        if own
        else _(
            "Delight speaks {language} in this channel, the workspace's default.",
            language=i18n.name(code),
        )
    )
    return "\n".join(
        [
            f":speech_balloon: {now}",
            _("Languages: {languages}.", languages=listed),
            _(
                "`/delight language de` switches this channel; `/delight language default` "
                "goes back to {language}. Commands stay in English.",
                language=i18n.name(default),
            ),
        ]
    )


def language_set_text(code: str, default: bool) -> str:
    """The announcement in the channel, written in the new language."""
    if default:
        return ":speech_balloon: " + _(
            "Delight speaks the workspace's default here again: {language}. Polls, digests "
            "and answers in this channel are in {language} from now on.",
            language=i18n.name(code),
        )
    return ":speech_balloon: " + _(
        "Delight speaks {language} in this channel from now on: polls, digests and "
        "answers. Commands stay in English.",
        language=i18n.name(code),
    )


def _glance(card: ChannelCard) -> str:
    """A channel's settings in one line."""
    parts = []
    schedule = card.schedule
    if schedule is None:
        parts.append(_("No daily poll (`/delight schedule 17:00`)"))
    else:
        poll = _(
            "Poll {time} {tz}, {days}",
            time=schedule.poll_time.strftime("%H:%M"),
            tz=schedule.tz,
            days=describe_days(schedule.days),
        )
        parts.append(poll + (" " + _("(paused)") if schedule.paused else ""))
        digest = schedule.digest_at()
        parts.append(
            _("digest off") if digest is None else _("digest {when}", when=_digest_at(digest))
        )
    parts.append(_("tally at {threshold}+ answers", threshold=number(card.profile.threshold)))
    return " · ".join(parts)


def _card_blocks(card: ChannelCard) -> Blocks:
    week = card.this_week
    lines = [f"*<#{card.channel_id}>*"]
    number_line = ngettext(
        "This week we delighted *{n} customer*", "This week we delighted *{n} customers*",
        week.total,
    )  # fmt: skip
    if week.days_counted:
        number_line += " " + ngettext("over {n} day", "over {n} days", week.days_counted)
    if card.wins_this_week:
        number_line += " · " + ngettext("{n} win logged", "{n} wins logged", card.wins_this_week)
    lines.append(number_line)
    if card.goal is not None:
        lines.append(goal_line(card.goal))
    lines.append(trend_line(card.trend))
    about = [_glance(card)]
    if card.profile.customer:
        about.insert(0, customer_line(card.profile.customer))
    return [
        {
            "type": "section",
            "text": _mrkdwn("\n".join(lines)),
            "accessory": {
                "type": "button",
                "action_id": ids.HOME_LOG_WIN_ACTION,
                "text": _plain(_("Log a customer win")),
                "value": card.channel_id,
            },
        },
        _context("\n".join(about)),
        {"type": "divider"},
    ]


def _home_intro() -> str:
    return f"*{question()}*\n" + _(
        "Team numbers for the channels you share with Delight. Never a leaderboard, never a "
        "per-person number: not even yours."
    )


def _get_started() -> str:
    return "\n".join(
        [
            "*" + _("Get started in three steps") + "*",
            "1. " + _("In your team's channel, add me: `/invite @Delight`"),
            "2. "
            + _(
                "Schedule the daily question: `/delight schedule 17:00` "
                "(or `/delight schedule 16:30 Europe/Berlin mon-thu`)"
            ),
            "3. "
            + _(
                "Say who you serve and aim together: `/delight customer <who we serve>`, "
                "`/delight goal 50`"
            ),
            _("Any time: `/delight win <story>` logs a customer win for the team."),
        ]
    )


def _wins_anywhere() -> str:
    return ":sparkles: " + _(
        "Log wins where they happen: *Log as a customer win* in any message's ⋯ menu, "
        "*Log a customer win* in Slack's shortcuts, *Log a win* on the poll, "
        "`/delight thanks #team` for a team that serves us, and `/delight webhook` for other "
        "tools."
    )


def home_unavailable_view() -> dict[str, Any]:
    """The Home tab when Slack wouldn't tell us which channels the viewer is in."""
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": _plain("Delight")},
            _section(_home_intro()),
            _context(
                ":warning: "
                + _(
                    "I couldn't load your channels from Slack just now. Open this tab again "
                    "in a moment; `/delight tally` in a channel works meanwhile."
                )
            ),
        ],
    }


def home_view(cards: list[ChannelCard]) -> dict[str, Any]:
    """The App Home tab: one card per shared channel, or how to start when there are none."""
    blocks: Blocks = [
        {"type": "header", "text": _plain("Delight")},
        _section(_home_intro()),
        {"type": "divider"},
    ]
    if not cards:
        blocks += [
            _section(_get_started()),
            _context(_("Your team's numbers appear here once Delight is in a channel you're in.")),
        ]
        return {"type": "home", "blocks": blocks}
    for card in cards[:MAX_HOME_CHANNELS]:
        blocks += _card_blocks(card)
    hidden = len(cards) - MAX_HOME_CHANNELS
    if hidden > 0:
        blocks.append(
            _context(
                ngettext(
                    "…and {n} more channel. `/delight tally` in a channel shows its numbers.",
                    "…and {n} more channels. `/delight tally` in a channel shows its numbers.",
                    hidden,
                )
            )
        )
    blocks.append(_context(_wins_anywhere()))
    return {"type": "home", "blocks": blocks}
