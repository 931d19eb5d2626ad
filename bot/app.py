"""Assemble the running parts from settings: storage, Slack client, Bolt app, web app."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.calendar import Clock, system_clock
from bot.delight import Delight
from bot.delivery import EDIT_BURST, EDIT_RATE
from bot.i18n import LanguageCarryingExecutor
from bot.installs import Installs
from bot.pacing import CHANNEL_INTERVAL, Pacer
from bot.pseudonym import Pseudonymizer, load_or_create_key
from bot.requestlog import LoggedApp
from bot.settings import Settings
from bot.socket_mode import PING_INTERVAL, SocketMode
from bot.storage import Storage
from bot.tokens import installs_path_for
from bot.web import INSTALL_PATH, REDIRECT_PATH, DelightWeb, WsgiApp
from bot.webhook import Webhooks
from handlers import register_listeners
from handlers.guard import RefuseMalformed
from schedules.commands import ScheduleCommands
from schedules.jobs import Jobs, new_pool, new_scheduler

LISTENER_THREADS = 16
# /readyz says "not ready" once the outbox's oldest message has waited this long.
BACKLOG_SECONDS = 300
# Ephemeral thank-yous go out from their own threads, so a listener never waits on Slack's
# response_url round trip before it can acknowledge the next click (see handlers/actions.py).
REPLY_THREADS = 16


@dataclass
class Runtime:
    settings: Settings
    storage: Storage
    client: WebClient
    delight: Delight
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
        self.delight.delivery.start()
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
        self.delight.close()
        if self.installs is not None:
            self.installs.close()
        self.storage.close()


def readiness_problem(
    storage: Storage,
    jobs: Jobs,
    installs: Installs | None = None,
    socket: SocketMode | None = None,
    delight: Delight | None = None,
) -> str | None:
    """Why the app can't do its work right now (for ``/readyz``), or None when it can."""
    if socket is not None and not socket.open_connections():
        return "no Socket Mode connection to Slack is open"
    if not storage.is_writable():
        return "the database does not take writes"
    if not jobs.scheduler.running:
        return "the scheduler is not running"
    if installs is not None and not installs.store.is_readable():
        return "the installations database can't be read"
    backlog = delight.delivery.backlog_seconds() if delight is not None else 0
    if backlog > BACKLOG_SECONDS:
        return f"the outbox's oldest message has waited {backlog / 60:.0f} min"
    return None


def slack_client(settings: Settings, token: str | None) -> WebClient:
    """A Web API client: every call, Bolt's ``auth.test`` included, goes to ``api_url``.

    With a single bot token it is the one client. With multi-workspace installs the app's
    client has no token (it only makes ``oauth.v2.access`` and Bolt's ``auth.test``), and each
    workspace gets one like it with its own token (``Workspaces.client_for``).
    """
    return WebClient(
        token=token,
        base_url=settings.api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def oauth_installs(settings: Settings, client: WebClient, clock: Clock) -> Installs:
    """Multi-workspace mode's stores and Bolt options, with the pages bot.web serves."""
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
        new_client=lambda token: slack_client(settings, token),
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
    tests that don't test it lift it)."""
    storage = Storage(settings.db_path)
    key = (
        settings.pseudonym_key.encode()
        if settings.pseudonym_key
        else load_or_create_key(settings.db_path)
    )
    client = slack_client(settings, settings.bot_token)
    installs = oauth_installs(settings, client, clock) if settings.oauth else None
    pool = new_pool()
    scheduler = new_scheduler(pool)
    delight = Delight(
        storage,
        client_for=installs.workspaces.client_for if installs else lambda _team_id: client,
        pseudonym=Pseudonymizer(key),
        clock=clock,
        default_tz=settings.default_tz,
        default_language=settings.language,
        refresh_interval=refresh_interval,
        pacer=Pacer(settings.post_rate, settings.post_burst, channel_interval),
        edit_pacer=Pacer(*edit_limit, channel_interval=0.0),
    )
    jobs = Jobs(delight, storage, clock, scheduler, pool)
    schedule_commands = ScheduleCommands(storage, jobs, clock, settings.default_tz)
    listeners = LanguageCarryingExecutor(LISTENER_THREADS, thread_name_prefix="listener")
    app = LoggedApp(
        client=client,
        signing_secret=settings.signing_secret,
        logger=logging.getLogger("delight.bolt"),
        listener_executor=listeners,
        # The HTTP edge checks signatures (bot.web); Socket Mode has none to check.
        request_verification_enabled=False,
        before_authorize=RefuseMalformed(),
        **(installs.app_options() if installs else {}),
    )
    replies = ThreadPoolExecutor(REPLY_THREADS, thread_name_prefix="reply")
    webhooks = Webhooks(delight, key, clock, settings.public_url)
    register_listeners(app, delight, schedule_commands, replies, webhooks)
    socket = (
        SocketMode(app, settings.app_token, client, ping_interval=socket_ping_interval)
        if settings.app_token
        else None
    )
    web = DelightWeb(
        app,
        settings.signing_secret,
        readiness=lambda: readiness_problem(storage, jobs, installs, socket, delight),
        slack_events=socket is None,
        webhooks=webhooks,
    )
    return Runtime(
        settings, storage, client, delight, jobs, app, web, installs, listeners, replies, socket
    )
