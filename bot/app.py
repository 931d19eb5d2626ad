"""Assemble the running parts from settings: storage, Slack client, Bolt app, web app."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.calendar import Clock, system_clock
from bot.delight import Delight
from bot.pseudonym import Pseudonymizer, load_or_create_key
from bot.settings import Settings
from bot.storage import Storage
from bot.web import DelightWeb
from handlers import register_listeners
from schedules.commands import ScheduleCommands
from schedules.jobs import Jobs

LISTENER_THREADS = 16


@dataclass
class Runtime:
    settings: Settings
    storage: Storage
    client: WebClient
    delight: Delight
    jobs: Jobs
    app: App
    web: DelightWeb

    def start(self) -> None:
        self.jobs.start()

    def close(self) -> None:
        self.jobs.shutdown()
        self.delight.close()
        self.storage.close()


def readiness_problem(storage: Storage, jobs: Jobs) -> str | None:
    """Why the app can't do its work right now (for ``/readyz``), or None when it can."""
    if not storage.is_writable():
        return "the database does not take writes"
    if not jobs.scheduler.running:
        return "the scheduler is not running"
    return None


def slack_client(settings: Settings) -> WebClient:
    """The one Web API client: every call, Bolt's ``auth.test`` included, goes to ``api_url``."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build(
    settings: Settings, clock: Clock = system_clock, refresh_interval: float = 1.5
) -> Runtime:
    storage = Storage(settings.db_path)
    key = (
        settings.pseudonym_key.encode()
        if settings.pseudonym_key
        else load_or_create_key(settings.db_path)
    )
    client = slack_client(settings)
    delight = Delight(
        storage,
        client_for=lambda _team_id: client,
        pseudonym=Pseudonymizer(key),
        clock=clock,
        default_tz=settings.default_tz,
        refresh_interval=refresh_interval,
    )
    jobs = Jobs(delight, storage, clock)
    schedule_commands = ScheduleCommands(storage, jobs, clock, settings.default_tz)
    app = App(
        client=client,
        signing_secret=settings.signing_secret,
        logger=logging.getLogger("delight.bolt"),
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="listener"),
    )
    register_listeners(app, delight, schedule_commands)
    web = DelightWeb(
        app, settings.signing_secret, readiness=lambda: readiness_problem(storage, jobs)
    )
    return Runtime(settings, storage, client, delight, jobs, app, web)
