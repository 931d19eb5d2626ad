"""A channel's inbound webhook: wins logged from any tool, over HTTP (issue 15).

``POST /webhooks/wins/<secret>`` with ``{"story": "...", "kind": "new"|"kept"|"internal",
"id": "<optional id of the tool's own>"}``. The secret is the URL's only credential, so it is
long and random-looking, and the database keeps only its SHA-256 and the nonce it is derived
from: ``HMAC-SHA256(key, team:channel:nonce)``, with the pseudonym key that lives beside the
database and never inside it. That lets ``/delight webhook`` show the URL again, while the
database alone cannot. Rotating picks a new nonce, so the old secret stops matching at once.

A request logs the channel and the outcome, never the story, the id or the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.domain.calendar import Clock
from bot.domain.command_text import story_problem
from bot.domain.models import WinKind
from bot.domain.ratelimit import PerMinute
from bot.service.wins import Wins
from bot.storage.store import Storage

logger = logging.getLogger(__name__)

PATH_PREFIX = "/webhooks/wins/"
MAX_BODY_BYTES = 64 * 1024
PER_MINUTE = 60
MAX_ID_CHARS = 200
# Every kind a win can have; left out, a win is "other", as with /delight win.
_KINDS = frozenset(kind.value for kind in WinKind)


@dataclass(frozen=True)
class Answer:
    """What the endpoint answers: an HTTP status, a JSON body, extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, error: str, message: str, **extra: str) -> Answer:
    return Answer(status, {"ok": False, "error": error, "message": message, **extra})


def _field_error(name: str, message: str) -> Answer:
    return _error(400, "invalid_field", message, field=name)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class WinRequest:
    story: str
    kind: WinKind
    external_id: str | None


def read_win(raw: bytes) -> WinRequest | Answer:
    """The win a body asks for, or the 400 naming the field that is wrong."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: [[[[…
        return _field_error("body", "The body must be a JSON object in UTF-8.")
    if not isinstance(data, dict):
        return _field_error("body", "The body must be a JSON object.")
    story = data.get("story")
    if not isinstance(story, str):
        return _field_error("story", "story is required: a string, what happened for the customer.")
    if problem := story_problem(story):
        return _field_error("story", problem)
    kind = data.get("kind", WinKind.OTHER.value)
    if not isinstance(kind, str) or kind not in _KINDS:
        return _field_error("kind", 'kind must be "new", "kept", "internal" or left out.')
    external_id = data.get("id")
    if external_id is not None:
        if isinstance(external_id, int) and not isinstance(external_id, bool):
            external_id = str(external_id)
        if not isinstance(external_id, str) or not 0 < len(external_id) <= MAX_ID_CHARS:
            return _field_error(
                "id", f"id must be a string of 1 to {MAX_ID_CHARS} characters, or left out."
            )
    return WinRequest(story.strip(), WinKind(kind), external_id)


class Webhooks:
    """Each channel's webhook: create, show, rotate, remove, and receive wins on it."""

    def __init__(
        self,
        storage: Storage,
        wins: Wins,
        key: bytes,
        clock: Clock,
        public_url: str | None = None,
        per_minute: int = PER_MINUTE,
    ) -> None:
        self._storage = storage
        self._wins = wins
        self._key = hmac.new(key, b"delight webhook secrets", hashlib.sha256).digest()
        self._clock = clock
        self.public_url = public_url
        self._limit = PerMinute(per_minute, clock)
        self._per_minute = per_minute

    def _secret(self, team_id: str, channel_id: str, nonce: str) -> str:
        mac = hmac.new(self._key, f"{team_id}:{channel_id}:{nonce}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def path(self, secret: str) -> str:
        return PATH_PREFIX + secret

    def show(self, team_id: str, channel_id: str) -> tuple[str, bool]:
        """The channel's webhook path, created the first time; True if it was just created."""
        nonce = self._storage.webhook_nonce(team_id, channel_id)
        if nonce is not None:
            secret = self._secret(team_id, channel_id, nonce)
            # With another key (a new key file) the stored hash no longer matches: the old
            # URL can't work, so a new one is made rather than a wrong one shown.
            if self._storage.webhook_channel(hash_secret(secret)) == (team_id, channel_id):
                return self.path(secret), False
        return self.rotate(team_id, channel_id), True

    def rotate(self, team_id: str, channel_id: str) -> str:
        """A new secret for the channel; the old one stops working now. Returns the path."""
        nonce = secrets.token_hex(16)
        secret = self._secret(team_id, channel_id, nonce)
        self._storage.save_webhook(team_id, channel_id, hash_secret(secret), nonce, self._clock())
        return self.path(secret)

    def off(self, team_id: str, channel_id: str) -> bool:
        return self._storage.delete_webhook(team_id, channel_id)

    def receive(self, secret: str, length: int, read: Callable[[int], bytes]) -> Answer:
        """One ``POST`` to ``/webhooks/wins/<secret>``: ``length`` is its Content-Length,
        ``read(n)`` reads the body (only once the secret and size are known to be fine)."""
        found = self._storage.webhook_channel(hash_secret(secret)) if secret else None
        if found is None:
            return self._log(None, None, _error(404, "not_found", "No webhook at this URL."))
        team_id, channel_id = found
        if length > MAX_BODY_BYTES:
            message = f"The body is over {MAX_BODY_BYTES // 1024} KB."
            return self._log(team_id, channel_id, _error(413, "too_large", message))
        wait = self._limit.check(f"{team_id}:{channel_id}")
        if wait > 0:
            retry_after = str(max(1, math.ceil(wait)))
            answer = _error(429, "rate_limited", f"At most {self._per_minute} wins a minute.")
            answer.headers["Retry-After"] = retry_after
            return self._log(team_id, channel_id, answer)
        win = read_win(read(length) if length > 0 else b"")
        if isinstance(win, Answer):
            return self._log(team_id, channel_id, win)
        win_id = win.external_id or uuid.uuid4().hex
        new = self._wins.log(
            team_id, channel_id, win.kind, win.story, f"hook:{team_id}:{channel_id}:{win_id}"
        )
        answer = Answer(201 if new else 200, {"ok": True, "id": win_id})
        return self._log(team_id, channel_id, answer)

    def _log(self, team_id: str | None, channel_id: str | None, answer: Answer) -> Answer:
        if answer.status < 400:
            outcome = "logged" if answer.status == 201 else "already_logged"
        else:
            outcome = answer.body["error"]
            if "field" in answer.body:
                outcome += f" field={answer.body['field']}"
        where = f"team={team_id} channel={channel_id}" if channel_id else "channel=unknown"
        level = logging.INFO if answer.status < 400 else logging.WARNING
        logger.log(level, "webhook %s status=%s outcome=%s", where, answer.status, outcome)
        return answer
