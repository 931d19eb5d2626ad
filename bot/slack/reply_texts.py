"""The answers to commands and clicks, most seen only by the person who asked: a counted answer,
a logged win, the tally, help, webhooks, forgetting, and what went wrong. Pure functions
returning mrkdwn.
"""

from __future__ import annotations

from bot.domain.i18n import N_, _, ngettext
from bot.domain.models import DayTotal, WinKind
from bot.domain.mrkdwn import channel_link, code
from bot.domain.tally import DEFAULT_THRESHOLD, GoalProgress, TeamTotal
from bot.slack.lines import goal_line, hidden_note, question, tally_line


def answer_thanks(count: int) -> str:
    return ngettext(
        "Thank you! You counted {n} customer delighted today. Only the team total is ever "
        "shown; click another number to change your answer.",
        "Thank you! You counted {n} customers delighted today. Only the team total is ever "
        "shown; click another number to change your answer.",
        count,
    )


def stale_poll_text() -> str:
    """A click or form for a poll that is gone (or another workspace's)."""
    return _("I can't find that poll any more. `/delight poll` posts today's.")


def poll_closed_text() -> str:
    return _("This poll has closed, so it can't take answers any more. Thank you all the same!")


def poll_waiting_text() -> str:
    """A poll someone asked for waits for its slot, or for Slack to let it go."""
    return _(
        "Posting in a moment: Slack asked me to wait, so today's poll goes up as soon as it "
        "lets me."
    )


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
    return "\n".join([today_line, week_line, *goal_lines, *hidden_note(week, threshold)])


def _week_numbers(week: TeamTotal) -> str:
    """ "we delighted 12 customers over 3 days"."""
    delighted = ngettext("we delighted {n} customer", "we delighted {n} customers", week.total)
    if not week.days_counted:
        return delighted
    return ngettext(
        "{delighted} over {n} day", "{delighted} over {n} days", week.days_counted,
        delighted=delighted,
    )  # fmt: skip


def poll_exists_text(message_ts: str | None, permalink: str | None) -> str:
    if message_ts is None:
        return _("Today's poll is being posted right now; it'll appear in a moment.")
    if permalink:
        label = _("answer it here")
        link = f"<{permalink}|{label}>"
        return _("We already have today's poll: {link}.", link=link)
    return _("We already have today's poll in this channel; scroll up to answer it.")


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
