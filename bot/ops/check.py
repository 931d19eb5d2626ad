"""``python -m bot check``: would the bot start, and how? Reads, never changes anything.

Prints one line per check and exits 0 when all pass, 1 when one fails. Settings have already
been validated by the time this runs (a bad one exits 2 naming it). Offline it checks only
what is on this machine, and says so; ``--online`` also asks Slack whether the tokens work.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from bot.domain.pseudonym import key_path_for
from bot.settings import Settings
from bot.slack.client import web_client
from bot.slack.identity import SlackCheckFailed, identity, socket_url
from bot.storage.store import Storage
from bot.storage.tokens import contents, installs_path_for


def run(settings: Settings, out: Callable[[str], None] = print, online: bool = False) -> int:
    results = [
        ("settings", None, _describe(settings)),
        ("database", *_database(settings.db_path)),
        ("pseudonym key", *_key(settings)),
    ]
    if settings.oauth:
        results.append(("installs", *_installs(settings)))
    if online:
        results += _slack(settings)
    for name, problem, detail in results:
        out(f"{name}: {'FAIL' if problem else 'ok'} ({problem or detail})")
    failed = any(problem for _, problem, _ in results)
    if failed:
        out("check: FAILED")
    elif online:
        out("check: ready to run (settings, database and key checked here; Slack answered)")
    else:
        out(
            "check: ready to run, as far as this machine tells (settings, database and key; "
            "Slack was not asked: add --online to check the tokens)"
        )
    return 1 if failed else 0


def _slack(settings: Settings) -> list[tuple[str, str | None, str]]:
    if settings.oauth:
        return [("slack", None, "multi-workspace installs: each workspace's token is checked "
                 "when it is used")]  # fmt: skip
    client = web_client(settings.api_url, settings.bot_token)
    try:
        results = [("slack", None, f"SLACK_BOT_TOKEN is {identity(client, settings.api_url)}")]
    except SlackCheckFailed as error:
        return [("slack", str(error), "")]
    if settings.app_token:
        try:
            socket_url(client, settings.app_token, settings.api_url)
            results.append(("socket mode", None, "SLACK_APP_TOKEN opens connections"))
        except SlackCheckFailed as error:
            results.append(("socket mode", str(error), ""))
    return results


def _describe(settings: Settings) -> str:
    mode = "Socket Mode" if settings.socket_mode else f"HTTP mode on port {settings.port}"
    if settings.oauth:
        mode += ", multi-workspace installs (OAuth)"
    return (
        f"{mode}, Slack API {settings.api_url}, default timezone {settings.default_tz}; "
        "tokens present, not shown"
    )


def _database(path: Path) -> tuple[str | None, str]:
    if not path.exists():
        folder = path.absolute().parent
        while not folder.exists():
            folder = folder.parent
        if not os.access(folder, os.W_OK):
            return f"{path} does not exist and {folder} is not writable", ""
        return None, f"{path} will be created at start"
    if not os.access(path, os.R_OK | os.W_OK):
        return f"{path} is not readable and writable by this user", ""
    storage = Storage(path, read_only=True)
    try:
        if not storage.intact():
            return f"{path} is damaged (PRAGMA quick_check failed)", ""
        pending = storage.pending_migrations()
        held = storage.contents()
    except sqlite3.Error as error:
        return f"{path} can't be read as SQLite: {error}", ""
    finally:
        storage.close()
    upgrade = f", {len(pending)} schema upgrade(s) to apply at start" if pending else ""
    outbox = _outbox(held.outbox_pending)
    return None, f"{path}, {held.scheduled_channels} scheduled channel(s), {outbox}{upgrade}"


def _outbox(pending: dict[str, int]) -> str:
    """What waits to be sent to Slack, by kind (``bot.domain.outbox``)."""
    if not pending:
        return "outbox empty"
    return "outbox pending: " + ", ".join(f"{pending[kind]} {kind}" for kind in sorted(pending))


def _key(settings: Settings) -> tuple[str | None, str]:
    if settings.pseudonym_key:
        return None, "from DELIGHT_PSEUDONYM_KEY"
    path = key_path_for(settings.db_path)
    if not path.exists():
        if settings.db_path.exists() and _has_answers(settings.db_path):
            return (
                f"{path} is missing but the database has answers: restore the key file, or "
                "changed answers and `forget me` won't find earlier ones",
                "",
            )
        return None, f"{path} will be generated at start"
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return f"{path} is readable by others (mode {mode:o}); chmod 600 it", ""
    return None, f"{path}"


def _installs(settings: Settings) -> tuple[str | None, str]:
    """The installs file of multi-workspace mode (``bot.storage.tokens``): private, readable."""
    path = installs_path_for(settings.db_path)
    if not path.exists():
        return None, f"{path} will be created at start"
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return f"{path} holds tokens and is readable by others (mode {mode:o}); chmod 600 it", ""
    try:
        found = contents(path, str(settings.client_id))
    except sqlite3.Error as error:
        return f"{path} can't be read as SQLite: {error}", ""
    upgrade = f", {len(found.pending)} schema upgrade(s) to apply at start" if found.pending else ""
    return None, f"{path}, {found.workspaces} workspace(s) installed{upgrade}"


def _has_answers(db_path: Path) -> bool:
    storage = Storage(db_path, read_only=True)
    try:
        return storage.has_answers()
    finally:
        storage.close()
