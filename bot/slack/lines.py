"""The lines several surfaces share: the question, a day's label, weekdays, the team tally,
the goal, the customer, the trend and the kind of a win. Pure functions returning text.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain.i18n import N_, _, current, day_text, locale, ngettext, number, percent
from bot.domain.models import DayTotal, WinKind
from bot.domain.schedule import EVERY_DAY, WEEKDAYS
from bot.domain.tally import DEFAULT_THRESHOLD, GoalProgress, TeamTotal, is_visible, threshold_for
from bot.slack.kit import escape_within

QUESTION = N_("How many customers did we delight today?")


def question() -> str:
    return _(QUESTION)


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


def digest_time(digest: tuple[int, Any]) -> str:
    """When the weekly digest goes out, "Fri 16:00" (``ChannelSchedule.digest_at``)."""
    return f"{weekday_name(digest[0])} {digest[1]:%H:%M}"


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


_KIND_LABELS = {
    WinKind.NEW: N_("New customer won"),
    WinKind.KEPT: N_("Customer kept"),
    WinKind.INTERNAL: N_("Internal customer served"),
    WinKind.OTHER: N_("Customer delighted"),
}


def kind_label(kind: WinKind) -> str:
    return _(_KIND_LABELS[kind])


def hidden_note(week: TeamTotal, threshold: int) -> list[str]:
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
