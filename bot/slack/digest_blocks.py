"""The weekly digest message: the team total and trend, goal, best days, wins by kind and their
stories, inside Block Kit's limits whatever the week holds. Pure.
"""

from __future__ import annotations

from typing import Any

from bot.domain.digest import Digest
from bot.domain.i18n import N_, _, day_text, ngettext, number, percent
from bot.domain.models import DayTotal, Win, WinKind
from bot.domain.mrkdwn import channel_link, clip
from bot.slack.kit import SECTION_LIMIT, Blocks, context, escape_within, plain, section
from bot.slack.lines import customer_line, day_label, goal_line, hidden_note, kind_label, trend_line

MAX_DIGEST_STORIES = 10


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
    return section(prefix + escape_within(win.story, room) + suffix)


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
        {"type": "header", "text": plain(clip(headline, 150))},
        context("\n".join(about)),
        section("\n".join(summary)),
    ]
    details = []
    if digest.best_days:
        details.append(_best_days(digest.best_days))
    if any(v is not None for v in digest.trend):
        details.append(trend_line(digest.trend))
    if details:
        blocks.append(context("\n".join(details)))
    blocks += [context(note) for note in hidden_note(week, digest.threshold)]
    if thanks := _thanks_line(digest):
        blocks.append(context(thanks))
    if digest.wins:
        kinds = " · ".join(_kind_count(kind, n) for kind, n in digest.wins_by_kind.items())
        wins = ngettext(
            "{n} customer win this week", "{n} customer wins this week", len(digest.wins)
        )
        blocks += [{"type": "divider"}, section(f"*{wins}*\n{kinds}")]
        blocks += [_story(win) for win in digest.wins[:MAX_DIGEST_STORIES]]
        hidden = len(digest.wins) - MAX_DIGEST_STORIES
        if hidden > 0:
            blocks.append(
                context(ngettext("…and {n} more story.", "…and {n} more stories.", hidden))
            )
    else:
        blocks.append(
            context(
                _("No wins logged this week yet. `/delight win <story>` tells the team about one.")
            )
        )
    # Translators: the digest's notification text: its headline, then how the week compares.
    text = _("{headline}. {summary}", headline=headline.split(" ", 1)[1], summary=summary[0])
    return {"text": text, "blocks": blocks}
