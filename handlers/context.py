"""What every listener finds in Bolt's request context: ``context["delight"]``, put there by
one global middleware (``ProvideServices``). Listeners are plain functions that read it, so
they are the same over both transports, and a test can call one with a context of its own."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.oauth.installation_store import InstallationStore

from bot.service.delight import Delight
from bot.slack.lookups import SlackLookups
from bot.slack.thanks import Thanks

KEY = "delight"


@dataclass(frozen=True)
class Services:
    delight: Delight  # the service, one object per job
    lookups: SlackLookups  # the workspace's directory (Delight's own channels)
    thanks: Thanks  # thanking another team, posted at once
    replies: Executor  # the threads that send ephemeral replies after the ack
    # Multi-workspace installs (OAuth); None with a single bot token.
    installation_store: InstallationStore | None = None


def services(context: BoltContext) -> Services:
    return context[KEY]


class ProvideServices(Middleware):
    """As a class, like ``handlers.dedupe.DropRedeliveries``: Bolt calls it as it is."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context[KEY] = self._services
        return next()
