"""Assemble the running parts from settings: storage, Slack client, Bolt app, web app."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.domain.calendar import Clock, system_clock
from bot.domain.i18n import LanguageCarryingExecutor
from bot.domain.pacing import CHANNEL_INTERVAL, Pacer
from bot.domain.pseudonym import Pseudonymizer, load_or_create_key
from bot.service.channels import Channels
from bot.service.delight import Delight
from bot.service.digests import Digests
from bot.service.directory import Directory
from bot.service.events import EventLog
from bot.service.firings import Firings
from bot.service.live import LiveTallies
from bot.service.outbox import Outbox
from bot.service.polls import Polls
from bot.service.privacy import Privacy
from bot.service.profile_commands import ProfileCommands
from bot.service.reports import Reports
from bot.service.schedule_commands import ScheduleCommands
from bot.service.webhooks import Webhooks
from bot.service.wins import Wins
from bot.settings import INSTALL_PATH, REDIRECT_PATH, Settings
from bot.slack.client import web_client
from bot.slack.delivery import EDIT_BURST, EDIT_RATE, Delivery
from bot.slack.installs import Installs
from bot.slack.lookups import SlackLookups
from bot.slack.rows import OutboxRows
from bot.slack.thanks import Thanks
from bot.storage.store import Storage
from bot.storage.tokens import installs_path_for
from bot.transport.http import DelightWeb, WsgiApp
from bot.transport.requestlog import LoggedApp
from bot.transport.socket_mode import PING_INTERVAL, SocketMode
from handlers import register_listeners
from handlers.context import Services
from handlers.guard import RefuseMalformed
from schedules.jobs import Jobs

LISTENER_THREADS = 16
# /readyz says "not ready" once the outbox's oldest message has waited this long.
BACKLOG_SECONDS = 300
# Ephemeral thank-yous go out from their own threads, so a listener never waits on Slack's
# response_url round trip before it can acknowledge the next click (see handlers/actions.py).
REPLY_THREADS = 16


class Later:
    """A call to a part built after the service because it needs the service (the outbox's
    worker, the scheduler): connected once that part exists."""

    def __init__(self) -> None:
        self._target: Callable[..., None] | None = None

    def connect(self, target: Callable[..., None]) -> None:
        self._target = target

    def __call__(self, *args: str) -> None:
        if self._target is None:
            raise RuntimeError("called before it was connected")
        self._target(*args)


@dataclass
class Runtime:
    settings: Settings
    storage: Storage
    client: WebClient
    delight: Delight
    delivery: Delivery
    jobs: Jobs
    app: LoggedApp
    web: WsgiApp
    # Multi-workspace installs (OAuth); None with a single bot token.
    installs: Installs | None = None
    # Bolt's listener threads, which go on working after a request was acknowledged.
    listeners: ThreadPoolExecutor | None = None
    # Threads sending ephemeral replies after an acknowledgement.
    replies: ThreadPoolExecutor | None = None
    # The websocket connections in Socket Mode; None in HTTP mode.
    socket: SocketMode | None = None

    def start(self) -> None:
        self.delivery.start()
        self.jobs.start()

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
        self.jobs.shutdown()
        if self.listeners is not None:
            # Let listeners that are still working finish before the database closes.
            self.listeners.shutdown(wait=True)
        if self.replies is not None:
            self.replies.shutdown(wait=True)
        self.delivery.close()
        if self.installs is not None:
            self.installs.close()
        self.storage.close()


def readiness_problem(
    storage: Storage,
    jobs: Jobs,
    installs: Installs | None = None,
    socket: SocketMode | None = None,
    delivery: Delivery | None = None,
) -> str | None:
    """Why the app can't do its work right now (for ``/readyz``), or None when it can."""
    if socket is not None and not socket.open_connections():
        return "no Socket Mode connection to Slack is open"
    if not storage.is_writable():
        return "the database does not take writes"
    if not jobs.running:
        return "the scheduler is not running"
    if installs is not None and not installs.store.is_readable():
        return "the installations database can't be read"
    backlog = delivery.backlog_seconds() if delivery is not None else 0
    if backlog > BACKLOG_SECONDS:
        return f"the outbox's oldest message has waited {backlog / 60:.0f} min"
    return None


def services(
    settings: Settings,
    storage: Storage,
    key: bytes,
    clock: Clock,
    directory: Directory,
    wake: Callable[[], None],
    resync: Callable[[str, str], None],
    posted: Callable[[str, str], None],
) -> Delight:
    """The service's objects, each handed what its job needs. ``wake()`` tells the outbox's
    worker rows were written; ``resync(team_id, channel_id)`` makes the scheduler follow the
    channel's stored schedule, ``posted(team_id, channel_id)`` its new poll's close and
    nudge."""
    pseudonym = Pseudonymizer(key)
    channels = Channels(storage, clock, settings.default_tz, settings.language)
    live = LiveTallies(storage, channels, clock, wake)
    reports = Reports(storage, channels, directory)
    wins = Wins(storage, channels, clock, wake, directory)
    return Delight(
        channels=channels,
        polls=Polls(storage, channels, live, pseudonym, clock, wake, directory, posted),
        live=live,
        digests=Digests(storage, channels, clock, wake),
        reports=reports,
        wins=wins,
        webhooks=Webhooks(storage, wins, key, clock, settings.public_url),
        profile=ProfileCommands(storage, channels, reports, live),
        schedules=ScheduleCommands(storage, resync, clock, settings.default_tz),
        privacy=Privacy(storage, live, pseudonym, wake, resync),
        events=EventLog(storage, clock),
        outbox=Outbox(storage, clock, wake),
    )


def oauth_installs(settings: Settings, client: WebClient, clock: Clock) -> Installs:
    """Multi-workspace mode's stores and Bolt options, with the pages bot.transport serves."""
    if settings.client_id is None or settings.client_secret is None:
        raise ValueError("multi-workspace installs need a client id and secret")
    return Installs.create(
        path=installs_path_for(settings.db_path),
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        redirect_uri=settings.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_path=REDIRECT_PATH,
        client=client,
        new_client=lambda token: web_client(settings.api_url, token),
        clock=clock,
    )


def build(
    settings: Settings,
    clock: Clock = system_clock,
    refresh_interval: float = 1.5,
    channel_interval: float = CHANNEL_INTERVAL,
    socket_ping_interval: float = PING_INTERVAL,
    edit_limit: tuple[float, int] = (EDIT_RATE, EDIT_BURST),
) -> Runtime:
    """``edit_limit``: chat.update's pace per workspace, edits a second and a burst (Tier 3;
    tests that don't test it lift it). ``refresh_interval``: the least time between two edits
    of one poll's message."""
    storage = Storage(settings.db_path)
    key = (
        settings.pseudonym_key.encode()
        if settings.pseudonym_key
        else load_or_create_key(settings.db_path)
    )
    client = web_client(settings.api_url, settings.bot_token)
    installs = oauth_installs(settings, client, clock) if settings.oauth else None
    client_for = installs.workspaces.client_for if installs else lambda _team_id: client
    lookups = SlackLookups(client_for)
    wake, resync, posted = Later(), Later(), Later()
    delight = services(settings, storage, key, clock, lookups, wake, resync, posted)
    jobs = Jobs(Firings(delight, storage, clock, wake), clock)
    resync.connect(jobs.sync)
    posted.connect(jobs.poll_posted)
    pacer = Pacer(settings.post_rate, settings.post_burst, channel_interval)
    delivery = Delivery(
        storage,
        client_for,
        OutboxRows(delight, lookups),
        clock,
        pacer,
        Pacer(*edit_limit, channel_interval=0.0),
        refresh_interval,
    )
    wake.connect(delivery.wake)
    listeners = LanguageCarryingExecutor(LISTENER_THREADS, thread_name_prefix="listener")
    app = LoggedApp(
        client=client,
        signing_secret=settings.signing_secret,
        logger=logging.getLogger("delight.bolt"),
        listener_executor=listeners,
        # The HTTP edge checks signatures (bot.transport.http); Socket Mode has none to check.
        request_verification_enabled=False,
        before_authorize=RefuseMalformed(),
        **(installs.app_options() if installs else {}),
    )
    replies = ThreadPoolExecutor(REPLY_THREADS, thread_name_prefix="reply")
    register_listeners(
        app,
        Services(
            delight,
            lookups,
            Thanks(delight, client_for, pacer),
            replies,
            # None with a single bot token: there is no installation to delete.
            app.installation_store,
        ),
    )
    socket = (
        SocketMode(app, settings.app_token, client, ping_interval=socket_ping_interval)
        if settings.app_token
        else None
    )
    web = DelightWeb(
        app,
        settings.signing_secret,
        readiness=lambda: readiness_problem(storage, jobs, installs, socket, delivery),
        slack_events=socket is None,
        webhooks=delight.webhooks,
    )
    return Runtime(
        settings,
        storage,
        client,
        delight,
        delivery,
        jobs,
        app,
        web,
        installs,
        listeners,
        replies,
        socket,
    )
