"""The ``/delight`` slash command: parse, call ``bot``, reply ephemerally."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import command_text as commands
from bot.domain.i18n import _
from bot.service import profile
from bot.service.delight import Delight, PollExists
from bot.service.schedule_commands import ScheduleCommands
from bot.service.webhooks import Webhooks
from bot.slack import ids, modals, reply_texts
from bot.slack.errors import SLACK_ERRORS, explain_slack_error


def register(
    app: App, delight: Delight, schedule_commands: ScheduleCommands, webhooks: Webhooks
) -> None:
    def on_delight(
        ack: Ack, command: dict, client: WebClient, respond: Respond, logger: Logger
    ) -> None:
        # bot.transport.http.RequestGuard has already checked that these fields are present.
        team_id, channel_id = command["team_id"], command["channel_id"]
        parsed = commands.parse(command.get("text", ""))
        if isinstance(parsed, commands.ScheduleCommand):
            reply = schedule_commands.apply(parsed, team_id, channel_id)
            ack(text=reply.text, response_type="in_channel" if reply.public else "ephemeral")
            return
        if isinstance(parsed, commands.ProfileCommand):
            reply = profile.apply(delight, parsed, team_id, channel_id)
            delight.refresh_open_polls(team_id, channel_id)
            ack(text=reply.text, response_type="in_channel" if reply.public else "ephemeral")
            return
        match parsed:
            case commands.PostPoll():
                # Queued with the claim; if it can't go out at once, or at all, the person
                # hears it on response_url from the delivery worker.
                outcome = delight.request_poll(team_id, channel_id, command.get("response_url"))
                if isinstance(outcome, PollExists):
                    ack(
                        reply_texts.poll_exists_text(
                            outcome.poll.message_ts, outcome.poll.permalink
                        )
                    )
                else:
                    ack()
            case commands.LogWin(story=story, kind=kind):
                delight.log_win(team_id, channel_id, kind, story, f"cmd:{command['trigger_id']}")
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
                ack(delight.tally_text(team_id, channel_id))
            case commands.PostDigest():
                delight.post_digest(team_id, channel_id, command.get("response_url"))
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
                failure = delight.send_thanks(
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
                path, created = webhooks.show(team_id, channel_id)
                ack(reply_texts.webhook_text(path, webhooks.public_url, created))
            case commands.RotateWebhook():
                path = webhooks.rotate(team_id, channel_id)
                ack(reply_texts.webhook_rotated_text(path, webhooks.public_url))
            case commands.WebhookOff():
                ack(reply_texts.webhook_off_text(webhooks.off(team_id, channel_id)))
            case commands.ForgetMe():
                ack(reply_texts.forgotten_text(delight.forget_person(team_id, command["user_id"])))
            case commands.ShowHelp():
                ack(reply_texts.help_text())
            case commands.Invalid(message=message, show_usage=show_usage):
                ack(f"{message}\n\n{reply_texts.help_text()}" if show_usage else message)

    app.command(ids.COMMAND)(on_delight)
