"""Keyed pseudonyms for people, so the database alone cannot tell who said what.

Answers are stored under ``HMAC-SHA256(key, team:user)``. The key comes from
``DELIGHT_PSEUDONYM_KEY`` or is generated once and kept in a file beside the database
(never inside it), readable only by the bot's user.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def key_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".key")


def load_or_create_key(db_path: Path) -> bytes:
    """Read the key file beside ``db_path``, creating it (mode 0600) on first start."""
    path = key_path_for(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ValueError(f"the pseudonym key file {path} is damaged (too short)") from None
        return key.encode("ascii")
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key.encode("ascii")


class Pseudonymizer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, team_id: str, user_id: str) -> str:
        message = f"{team_id}:{user_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def __repr__(self) -> str:
        return "Pseudonymizer(<key hidden>)"
