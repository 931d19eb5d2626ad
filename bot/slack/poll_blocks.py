"""The daily poll in its channel: the open poll with its buttons and live tally, the closed
poll, the result in its thread and the nudge before it closes. Pure.
"""

from __future__ import annotations

from typing import Any

from bot.domain.i18n import _, ngettext, number
from bot.domain.models import DayTotal
from bot.domain.tally import DEFAULT_THRESHOLD, GoalProgress, is_visible, threshold_for
from bot.slack import ids
from bot.slack.kit import context, plain, section
from bot.slack.lines import customer_line, day_label, goal_line, question, tally_line


def _log_win_button() -> dict[str, Any]:
    """Opens the win form for the channel the message is in (``handlers.wins``)."""
    return {
        "type": "button",
        "action_id": ids.LOG_WIN_ACTION,
        "text": plain(_("Log a win")),
        "value": "win",
    }


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
            "text": plain(number(n)),
            "value": str(n),
        }
        for n in ids.ANSWER_COUNTS
    ]
    buttons.append(
        {
            "type": "button",
            "action_id": ids.ANSWER_MORE_ACTION,
            "text": plain(_("more…")),
            "value": "more",
        }
    )
    buttons.append(_log_win_button())
    line = tally_line(day, threshold, pending)
    status = [f":sparkles: {line}"]
    if goal is not None:
        status.append(goal_line(goal))
    heading = [section(f"*{question()}*\n{day_label(day.local_date)}")]
    if customer:
        heading.append(context(customer_line(customer)))
    return {
        "text": f"{question()} {line}",
        "blocks": [
            *heading,
            context(
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
            context("\n".join(status)),
        ],
    }


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
            section(f"*{question()}*\n{day_label(day.local_date)}"),
            context(f":checkered_flag: {final}"),
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


def poll_result_message(day: DayTotal) -> dict[str, Any]:
    """The result line as a message, with a button to log one of the day's wins."""
    line = poll_result_line(day)
    return {"text": line, "blocks": [{**section(line), "accessory": _log_win_button()}]}


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
