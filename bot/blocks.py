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
from bot.digest import ChannelCard, Digest
from bot.models import ChannelProfile, DayTotal, Win, WinKind
from bot.slacktext import clip
from bot.tally import DEFAULT_THRESHOLD, GoalProgress, TeamTotal, is_visible, threshold_for
from schedules import rules
from schedules.rules import ChannelSchedule

QUESTION = "How many customers did we delight today?"
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


def tally_line(
    day: DayTotal, threshold: int = DEFAULT_THRESHOLD, pending: int | None = None
) -> str:
    """A poll's team numbers. ``pending``: the poll is open and its tally moves in steps
    (``bot.live``); that many answers came in since the numbers shown."""
    if day.responders == 0:
        return "No answers yet. Be the first to count!"
    if not is_visible(day, threshold):
        return (
            f"{plural(day.responders, 'answer')} so far — the tally appears at "
            f"{threshold_for(day, threshold)}, so no one's number stands alone."
        )
    line = f"We delighted {plural(day.total, 'customer')} today · {day.responders:,} of us answered"
    if pending is None:
        return line
    since = f" · {plural(pending, 'more answer')} since" if pending else ""
    return f"{line}{since} · updates every {plural(threshold_for(day, threshold), 'answer')}"


def closed_poll_message(day: DayTotal, threshold: int = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """The poll once it stops taking answers: the final team tally, no buttons."""
    if is_visible(day, threshold):
        final = (
            f"Final: we delighted {plural(day.total, 'customer')} · "
            f"{day.responders:,} of us answered. Thank you, team!"
        )
    elif day.responders:
        final = (
            f"Closed with {plural(day.responders, 'answer')}: fewer than "
            f"{threshold_for(day, threshold)}, so no tally, to keep every answer private."
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


def _log_win_button() -> dict[str, Any]:
    """Opens the win form for the channel the message is in (``handlers.wins``)."""
    return {
        "type": "button",
        "action_id": ids.LOG_WIN_ACTION,
        "text": _plain("Log a win"),
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
        return f"{len(trend)}-week trend: no counted weeks yet."
    return f"{len(trend)}-week trend: `{sparkline(trend)}` (this week last; best {max(counted):,})"


def goal_line(progress: GoalProgress) -> str:
    """Where the team stands against its weekly goal, e.g. "We're at 38 of 50 this week"."""
    if progress.reached:
        return f":trophy: We reached our goal: {progress.total:,} of {progress.goal:,} this week!"
    filled = min(10, progress.total * 10 // progress.goal)
    return (
        f":dart: We're at {progress.total:,} of {progress.goal:,} this week "
        f"`{'▰' * filled}{'▱' * (10 - filled)}` {progress.percent}%"
    )


def customer_line(customer: str) -> str:
    """ "Connect the dots": who this team serves, shown on every poll and digest."""
    return f":busts_in_silhouette: Our customer: {escape_within(customer, 300)}"


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
    buttons.append(_log_win_button())
    line = tally_line(day, threshold, pending)
    status = [f":sparkles: {line}"]
    if goal is not None:
        status.append(goal_line(goal))
    heading = [_section(f"*{QUESTION}*\n{day_label(day.local_date)}")]
    if customer:
        heading.append(_context(customer_line(customer)))
    return {
        "text": f"{QUESTION} {line}",
        "blocks": [
            *heading,
            _context(
                "Count every customer you served: a paying customer, or a teammate who serves "
                "one. One click; click again to change it."
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


_WIN_FOOTER = "Serve the customer, or serve someone who does. Wins are the team's: no names."


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
            "label": _plain("What happened for the customer?"),
            "element": element,
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
    ]


def _win_form(metadata: dict[str, Any], blocks: Blocks) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.WIN_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": _plain("Log a customer win"),
        "submit": _plain("Log it"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def win_modal(channel_id: str, story: str = "", message_ts: str | None = None) -> dict[str, Any]:
    """The win form for one channel. From a message shortcut: prefilled with the message's
    text, and ``message_ts`` says which message it was (one win per message)."""
    metadata: dict[str, Any] = {"channel_id": channel_id}
    footer = _WIN_FOOTER
    if message_ts is not None:
        metadata["message_ts"] = message_ts
        footer = f"From a message in <#{channel_id}>, linked in its digest. {_WIN_FOOTER}"
    return _win_form(metadata, [*_win_inputs(story), _context(footer)])


MAX_CHANNEL_OPTIONS = 100


def win_modal_pick_channel(channels: list[tuple[str, str]] | None) -> dict[str, Any]:
    """The win form from Slack's shortcut menu: first a channel of those Delight is in
    (``channels``: id and name). ``None`` while they load; none at all says how to start."""
    if channels is None:
        return thanks_view(":hourglass_flowing_sand: Loading the channels I'm in…")
    if not channels:
        return thanks_view(
            "I'm not in any channel yet. Add me to your team's channel with "
            "`/invite @Delight`, then log the win there."
        )
    options = [
        {"text": _plain(clip(f"#{name}", 75)), "value": channel_id}
        for channel_id, name in channels[:MAX_CHANNEL_OPTIONS]
    ]
    picker: dict[str, Any] = {
        "type": "input",
        "block_id": ids.WIN_CHANNEL_BLOCK,
        "label": _plain("Which team's channel?"),
        "element": {
            "type": "static_select",
            "action_id": ids.WIN_CHANNEL_ACTION,
            "placeholder": _plain("A channel Delight is in"),
            "options": options,
        },
    }
    if len(options) == 1:
        picker["element"]["initial_option"] = options[0]
    return _win_form({"pick_channel": True}, [picker, *_win_inputs(), _context(_WIN_FOOTER)])


def already_logged_text() -> str:
    return (
        ":white_check_mark: This message is already logged as a customer win for the team. "
        "It'll be in this week's digest."
    )


def win_logged(kind: WinKind) -> str:
    tip = (
        " Tip: start with `new`, `kept` or `internal` to say what kind of customer."
        if kind is WinKind.OTHER
        else ""
    )
    return (
        f":tada: Logged for the team ({kind.label.lower()}). It'll be in this week's digest.{tip}"
    )


def tally_text(
    today: DayTotal | None,
    week: TeamTotal,
    threshold: int = DEFAULT_THRESHOLD,
    goal: GoalProgress | None = None,
    pending: int | None = None,
) -> str:
    """``/delight tally``. ``pending``: today's poll is open (see ``tally_line``)."""
    today_line = (
        "Today: no poll yet. `/delight poll` asks the team."
        if today is None
        else f"Today: {tally_line(today, threshold, pending)}"
    )
    week_line = f"This week: we delighted {plural(week.total, 'customer')}"
    if week.days_counted:
        week_line += f" over {plural(week.days_counted, 'day')}"
    goal_lines = [goal_line(goal)] if goal else []
    return "\n".join([today_line, week_line + ".", *goal_lines, *_hidden_note(week, threshold)])


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


def _best_days(days: tuple[DayTotal, ...]) -> str:
    listed = " · ".join(f"{day:%A} ({d.total:,})" for d in days for day in [d.local_date])
    return f"Days with the most delight: {listed}"


def _thanks_line(digest: Digest) -> str | None:
    """Thanks between teams this week: received (as wins) and sent."""
    parts = []
    if digest.thanks_received:
        parts.append(
            f"{plural(digest.thanks_received, 'thank-you', 'thank-yous')} from teams we serve"
        )
    if digest.teams_thanked:
        parts.append(f"we thanked {plural(digest.teams_thanked, 'team')} who serve us")
    if not parts:
        return None
    line = " · ".join(parts)
    return f":handshake: {line[0].upper()}{line[1:]}."


def _is_link(url: str | None) -> bool:
    """A permalink Slack gave us, safe to put in ``<url|text>``."""
    return bool(url) and url.startswith("https://") and not set("<>| ") & set(url)


def _story(win: Win) -> dict[str, Any]:
    """One win in the digest: its kind, who thanked (a channel), the story, its message."""
    prefix = f"*{win.kind.label}* · "
    if win.from_channel:
        prefix += f"Thanks from <#{win.from_channel}> · "
    suffix = f" · <{win.permalink}|the message>" if _is_link(win.permalink) else ""
    room = SECTION_LIMIT - len(prefix) - len(suffix)
    return _section(prefix + escape_within(win.story, room) + suffix)


def digest_message(digest: Digest) -> dict[str, Any]:
    """The weekly digest: team total and trend, goal, best days, wins by kind, stories."""
    week = digest.this_week
    headline = f"This week we delighted {plural(week.total, 'customer')}"
    summary = [_trend(digest)]
    if digest.goal is not None:
        summary.append(goal_line(digest.goal))
    if week.days_counted:
        summary.append(
            f"{plural(week.days_counted, 'day')} counted · "
            f"{plural(week.responses, 'answer')} from the team."
        )
    if digest.response_rate is not None:
        summary.append(f"On an average poll day {digest.response_rate}% of us answered.")
    about = [f"Week of {day_label(digest.week.start)}"]
    if digest.customer:
        about.append(customer_line(digest.customer))
    blocks: Blocks = [
        {"type": "header", "text": _plain(f":tada: {headline}")},
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
        kinds = " · ".join(
            plural(n, *_KIND_COUNTED[kind]) for kind, n in digest.wins_by_kind.items()
        )
        blocks += [
            {"type": "divider"},
            _section(f"*{plural(len(digest.wins), 'customer win')} this week*\n{kinds}"),
        ]
        blocks += [_story(win) for win in digest.wins[:MAX_DIGEST_STORIES]]
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
            "`/delight customer <who we serve>`: who our customer is, shown on every poll",
            "`/delight goal 50`: a weekly team goal (`goal off` removes it)",
            "`/delight schedule 17:00 [timezone] [mon-fri]`: a daily poll "
            "(also `schedule off`, `pause`, `resume`, `skip <date>`, `nudge 30m`, "
            "`digest schedule fri 16:00`)",
            "`/delight privacy`: what Delight stores, and `privacy threshold <n>`",
            "`/delight forget me`: delete every answer you have given",
            "`/delight thanks #other-team <story>`: thank a team that serves us; it counts "
            "as a win for them",
            "`/delight webhook`: this channel's URL for logging wins from other tools",
            "`/delight help`: this message",
        ]
    )


def team_channel_only_text() -> str:
    return (
        "That works in your team's channel, not in a direct message: thanks and webhooks "
        "belong to a team. Try it there."
    )


def thanks_message(from_channel: str, customer: str | None, story: str) -> dict[str, Any]:
    """Posted in the thanked team's channel: their internal customers thank them."""
    heading = f":handshake: *Your internal customers in <#{from_channel}> thank you!*"
    about = [customer_line(customer)] if customer else []
    quoted = "\n".join(f"> {line}" for line in escape_within(story, 2800).splitlines())
    return {
        "text": f"Your internal customers in <#{from_channel}> thank you: "
        + escape_within(story, 200),
        "blocks": [
            _section(f"{heading}\n{quoted}"),
            *[_context(line) for line in about],
            _context(
                "Counted as an internal customer served in this week's digest. Serve the "
                "customer, or serve someone who does."
            ),
        ],
    }


_THANKS_FAILURES = {
    "not_in_channel": "I'm not in <#{channel}> yet, so I can't thank them there.",
    "channel_not_found": "I can't see that channel: it may be private, and I'm not in it.",
    "is_archived": "<#{channel}> is archived, so I can't thank them there.",
}


def thanks_failed_text(channel_id: str, code: str) -> str | None:
    """Why a thank-you could not be posted in the thanked team's channel, and what to do."""
    reason = _THANKS_FAILURES.get(code)
    if reason is None:
        return None
    invite = (
        " Someone in that channel can add me with `/invite @Delight`; then thank them again."
        if code != "is_archived"
        else ""
    )
    return reason.format(channel=channel_id) + invite


def thanks_sent_message(to_channel: str, story: str) -> dict[str, Any]:
    """The confirmation in the thanking team's channel."""
    line = f":handshake: We thanked <#{to_channel}>, a team that serves us."
    return {
        "text": f"We thanked <#{to_channel}>, a team that serves us: " + escape_within(story, 200),
        "blocks": [_section(f"{line}\n> {escape_within(story, 2800).replace(chr(10), ' ')}")],
    }


def webhook_text(path: str, public_url: str | None, created: bool) -> str:
    """What ``/delight webhook`` shows the person who asked, and only them."""
    intro = (
        "This channel's webhook is ready."
        if created
        else "This channel's webhook (the same URL as before):"
    )
    if public_url:
        url = public_url + path
        where = f"`{url}`"
    else:
        url = f"https://<your Delight host>{path}"
        where = (
            f"`{path}` on Delight's web address. Ask whoever runs Delight to set "
            "`DELIGHT_PUBLIC_URL` so I can show the whole URL."
        )
    example = (
        f"curl -X POST '{url}' -H 'Content-Type: application/json' "
        '-d \'{"story": "Acme renewed after our fix", "kind": "kept", "id": "ticket-123"}\''
    )
    return "\n".join(
        [
            f":link: {intro} {where}",
            "Anything that can POST JSON can log a win for the team: "
            '`{"story": "...", "kind": "new" | "kept" | "internal", "id": "<optional>"}`. '
            "The same `id` twice logs one win.",
            f"```{example}```",
            "Keep it secret: whoever has the URL can log wins here. `/delight webhook rotate` "
            "replaces it (the old one stops at once), `/delight webhook off` removes it.",
        ]
    )


def webhook_rotated_text(path: str, public_url: str | None) -> str:
    return ":arrows_counterclockwise: The old URL stopped working just now.\n" + webhook_text(
        path, public_url, created=True
    )


def webhook_off_text(removed: bool) -> str:
    if not removed:
        return "This channel has no webhook. `/delight webhook` creates one."
    return "The webhook is removed: its URL stopped working. `/delight webhook` makes a new one."


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


def customer_text(customer: str | None) -> str:
    if customer is None:
        return (
            "Who is our customer? Tell the team once and it's on every poll and digest: "
            "`/delight customer Shop owners who sell with our app` (or the internal team "
            "you serve, like `/delight customer The support team, so they can answer fast`)."
        )
    return f"{customer_line(customer)}\n`/delight customer off` removes it."


def customer_set_text(customer: str | None) -> str:
    if customer is None:
        return "Our customer line is removed from the polls and digests."
    return f"{customer_line(customer)}\nIt's on every poll and digest from now on."


def goal_text(goal: int | None, progress: GoalProgress | None) -> str:
    if goal is None:
        return "No weekly goal yet. `/delight goal 50` sets one for the team."
    line = goal_line(progress) if progress else f"Our weekly goal is {goal:,}."
    return f"{line}\n`/delight goal off` removes the goal."


def goal_set_text(goal: int | None, progress: GoalProgress | None) -> str:
    if goal is None or progress is None:
        return "The weekly goal is off. `/delight goal 50` sets a new one."
    return f"New weekly team goal: {plural(goal, 'customer')} delighted together.\n" + goal_line(
        progress
    )


def privacy_text(profile: ChannelProfile) -> str:
    """What ``/delight privacy`` shows: the rules Delight keeps, in this channel."""
    return "\n".join(
        [
            f"*Privacy in this channel.* A tally shows once {profile.threshold} of us have "
            "answered; days with fewer answers aren't counted in any total. After that a "
            f"live tally moves only every {profile.threshold} answers, so no one's number "
            "can be worked out from two tallies.",
            "Answers are stored under a keyed pseudonym, never your Slack id, and only until "
            "the poll closes: then it keeps team numbers alone. Wins store no author. Nothing "
            "shows a per-person number, not even to you.",
            "`/delight privacy threshold <n>` changes the threshold (1 to 100). Lowering it "
            "only applies to polls posted afterwards.",
            "`/delight forget me` deletes every answer you have given in this workspace.",
        ]
    )


def threshold_set_text(threshold: int) -> str:
    lowered_note = (
        " A threshold of 1 shows a tally with a single answer in it." if threshold == 1 else ""
    )
    return (
        f":lock: Our tallies now show once {plural(threshold, 'person', 'people')} "
        f"{'has' if threshold == 1 else 'have'} answered. Polls posted before keep at least "
        f"the threshold they were answered under.{lowered_note}"
    )


def forgotten_text(removed: int) -> str:
    if removed == 0:
        return (
            "There were no answers of yours stored in this workspace. Nothing to delete: only "
            "open polls hold answers, a closed poll keeps team numbers alone."
        )
    return (
        f"Done: I deleted {plural(removed, 'answer')} of yours from this workspace. "
        "Only open polls hold answers (a closed poll keeps team numbers alone), so that was "
        "everything. Their live tallies leave you out from their next step; team numbers "
        "already posted stay as they were."
    )


def _glance(card: ChannelCard) -> str:
    """A channel's settings in one line."""
    parts = []
    schedule = card.schedule
    if schedule is None:
        parts.append("No daily poll (`/delight schedule 17:00`)")
    else:
        days = rules.describe_days(schedule.days)
        poll = f"Poll {schedule.poll_time:%H:%M} {schedule.tz}, {days}"
        parts.append(poll + (" (paused)" if schedule.paused else ""))
        digest = schedule.digest_at()
        parts.append(
            "digest off"
            if digest is None
            else f"digest {rules.DAY_NAMES[digest[0]].title()} {digest[1]:%H:%M}"
        )
    parts.append(f"tally at {card.profile.threshold}+ answers")
    return " · ".join(parts)


def _card_blocks(card: ChannelCard) -> Blocks:
    week = card.this_week
    lines = [f"*<#{card.channel_id}>*"]
    number = f"This week we delighted *{plural(week.total, 'customer')}*"
    if week.days_counted:
        number += f" over {plural(week.days_counted, 'day')}"
    if card.wins_this_week:
        number += f" · {plural(card.wins_this_week, 'win')} logged"
    lines.append(number)
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
                "text": _plain("Log a customer win"),
                "value": card.channel_id,
            },
        },
        _context("\n".join(about)),
        {"type": "divider"},
    ]


_HOME_INTRO = (
    f"*{QUESTION}*\nTeam numbers for the channels you share with Delight. Never a "
    "leaderboard, never a per-person number: not even yours."
)
_GET_STARTED = "\n".join(
    [
        "*Get started in three steps*",
        "1. In your team's channel, add me: `/invite @Delight`",
        "2. Schedule the daily question: `/delight schedule 17:00` "
        "(or `/delight schedule 16:30 Europe/Berlin mon-thu`)",
        "3. Say who you serve and aim together: `/delight customer <who we serve>`, "
        "`/delight goal 50`",
        "Any time: `/delight win <story>` logs a customer win for the team.",
    ]
)


_WINS_ANYWHERE = (
    ":sparkles: Log wins where they happen: *Log as a customer win* in any message's "
    "⋯ menu, *Log a customer win* in Slack's shortcuts, *Log a win* on the poll, "
    "`/delight thanks #team` for a team that serves us, and `/delight webhook` for other tools."
)


def home_unavailable_view() -> dict[str, Any]:
    """The Home tab when Slack wouldn't tell us which channels the viewer is in."""
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": _plain("Delight")},
            _section(_HOME_INTRO),
            _context(
                ":warning: I couldn't load your channels from Slack just now. Open this tab "
                "again in a moment; `/delight tally` in a channel works meanwhile."
            ),
        ],
    }


def home_view(cards: list[ChannelCard]) -> dict[str, Any]:
    """The App Home tab: one card per shared channel, or how to start when there are none."""
    blocks: Blocks = [
        {"type": "header", "text": _plain("Delight")},
        _section(_HOME_INTRO),
        {"type": "divider"},
    ]
    if not cards:
        blocks += [
            _section(_GET_STARTED),
            _context("Your team's numbers appear here once Delight is in a channel you're in."),
        ]
        return {"type": "home", "blocks": blocks}
    for card in cards[:MAX_HOME_CHANNELS]:
        blocks += _card_blocks(card)
    hidden = len(cards) - MAX_HOME_CHANNELS
    if hidden > 0:
        blocks.append(
            _context(
                f"…and {plural(hidden, 'more channel')}. `/delight tally` in a channel shows "
                "its numbers."
            )
        )
    blocks.append(_context(_WINS_ANYWHERE))
    return {"type": "home", "blocks": blocks}
