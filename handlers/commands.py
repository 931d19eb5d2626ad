"""The ``/delight`` slash command: parse, call the service, reply (ephemerally, unless the
whole team should hear it)."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain import command_text as commands
from bot.domain.i18n import _
from bot.service.outcome import Outcome
from bot.service.polls import PollExists
from bot.slack import modals, outcomes, reply_texts
from bot.slack.errors import SLACK_ERRORS, explain_slack_error
from handlers.context import services


def _settings_reply(ack: Ack, outcome: Outcome) -> None:
    reply = outcomes.reply_to(outcome)
    ack(text=reply.text, response_type="in_channel" if reply.public else "ephemeral")


def on_delight(
    ack: Ack,
    command: dict,
    client: WebClient,
    respond: Respond,
    context: BoltContext,
    logger: Logger,
) -> None:
    # bot.transport.http.RequestGuard has already checked that these fields are present.
    team_id, channel_id = command["team_id"], command["channel_id"]
    delight = services(context).delight
    parsed = commands.parse(command.get("text", ""))
    if isinstance(parsed, commands.ScheduleCommand):
        _settings_reply(ack, delight.schedules.apply(parsed, team_id, channel_id))
        return
    if isinstance(parsed, commands.ProfileCommand):
        _settings_reply(ack, delight.profile.apply(parsed, team_id, channel_id))
        return
    match parsed:
        case commands.PostPoll():
            # Queued with the claim; if it can't go out at once, or at all, the person
            # hears it on response_url from the delivery worker.
            outcome = delight.polls.request(team_id, channel_id, command.get("response_url"))
            if isinstance(outcome, PollExists):
                ack(reply_texts.poll_exists_text(outcome.poll.message_ts, outcome.poll.permalink))
            else:
                ack()
        case commands.LogWin(story=story, kind=kind):
            delight.wins.log(team_id, channel_id, kind, story, f"cmd:{command['trigger_id']}")
            ack(reply_texts.win_logged(kind))
        case commands.OpenWinForm():
            ack()
            try:
                client.views_open(
                    trigger_id=command["trigger_id"], view=modals.win_modal(channel_id)
                )
            except SLACK_ERRORS as error:
                logger.warning("win form did not open: %s", type(error).__name__)
                respond(_("I couldn't open the form.") + " " + explain_slack_error(error))
        case commands.ShowTally():
            ack(outcomes.tally_text(delight.reports.tally(team_id, channel_id)))
        case commands.PostDigest():
            delight.digests.request(team_id, channel_id, command.get("response_url"))
            ack()
        case (
            commands.SendThanks()
            | commands.ShowWebhook()
            | commands.RotateWebhook()
            | commands.WebhookOff()
        ) if channel_id.startswith("D"):
            ack(reply_texts.team_channel_only_text())
        case commands.SendThanks(channel_id=to_channel, story=story):
            if to_channel == channel_id:
                ack(
                    _(
                        "That's this channel: thanks go to another team, one that serves "
                        "us. Try `/delight thanks #their-channel <what they did for us>`."
                    )
                )
                return
            ack()
            failure = services(context).thanks.send(
                team_id,
                channel_id,
                to_channel,
                story,
                f"thanks:{command['trigger_id']}",
                command.get("response_url"),
            )
            if failure:
                respond(failure)
        case commands.ShowWebhook():
            path, created = delight.webhooks.show(team_id, channel_id)
            ack(reply_texts.webhook_text(path, delight.webhooks.public_url, created))
        case commands.RotateWebhook():
            path = delight.webhooks.rotate(team_id, channel_id)
            ack(reply_texts.webhook_rotated_text(path, delight.webhooks.public_url))
        case commands.WebhookOff():
            ack(reply_texts.webhook_off_text(delight.webhooks.off(team_id, channel_id)))
        case commands.ForgetMe():
            removed = delight.privacy.forget_person(team_id, command["user_id"])
            ack(reply_texts.forgotten_text(removed))
        case commands.ShowHelp():
            ack(reply_texts.help_text())
        case commands.Invalid(message=message, show_usage=show_usage):
            ack(f"{message}\n\n{reply_texts.help_text()}" if show_usage else message)
