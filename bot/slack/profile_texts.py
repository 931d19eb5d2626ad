"""What a channel's settings answer: its customer, weekly goal, privacy threshold and language.
Pure functions returning mrkdwn.
"""

from __future__ import annotations

from bot.domain import i18n
from bot.domain.i18n import _, ngettext, number
from bot.domain.models import ChannelProfile
from bot.domain.tally import GoalProgress
from bot.slack.lines import customer_line, goal_line


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
