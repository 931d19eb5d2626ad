"""The App Home tab: a card of team numbers per shared channel, how to start when there is none,
and the tab when Slack wouldn't list the viewer's channels. Pure.
"""

from __future__ import annotations

from typing import Any

from bot.domain.digest import ChannelCard
from bot.domain.i18n import _, ngettext, number
from bot.slack import ids
from bot.slack.kit import Blocks, context, mrkdwn, plain, section
from bot.slack.lines import (
    customer_line,
    describe_days,
    digest_time,
    goal_line,
    question,
    trend_line,
)

MAX_HOME_CHANNELS = 25


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
            _("digest off") if digest is None else _("digest {when}", when=digest_time(digest))
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
            "text": mrkdwn("\n".join(lines)),
            "accessory": {
                "type": "button",
                "action_id": ids.HOME_LOG_WIN_ACTION,
                "text": plain(_("Log a customer win")),
                "value": card.channel_id,
            },
        },
        context("\n".join(about)),
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
            {"type": "header", "text": plain("Delight")},
            section(_home_intro()),
            context(
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
        {"type": "header", "text": plain("Delight")},
        section(_home_intro()),
        {"type": "divider"},
    ]
    if not cards:
        blocks += [
            section(_get_started()),
            context(_("Your team's numbers appear here once Delight is in a channel you're in.")),
        ]
        return {"type": "home", "blocks": blocks}
    for card in cards[:MAX_HOME_CHANNELS]:
        blocks += _card_blocks(card)
    hidden = len(cards) - MAX_HOME_CHANNELS
    if hidden > 0:
        blocks.append(
            context(
                ngettext(
                    "…and {n} more channel. `/delight tally` in a channel shows its numbers.",
                    "…and {n} more channels. `/delight tally` in a channel shows its numbers.",
                    hidden,
                )
            )
        )
    blocks.append(context(_wins_anywhere()))
    return {"type": "home", "blocks": blocks}
