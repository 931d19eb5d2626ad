"""One Delight process per database: a lock file beside it, held for the life of the process.

Two processes on one database would both run the scheduler and post every poll twice (and
each takes over the other's claims at start-up). The lock is an advisory ``flock``, which the
kernel drops when the process ends however it ends, so a crash never leaves it stuck.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class AlreadyRunning(RuntimeError):
    """Another process holds the database's lock; the message names the files."""


def lock_path_for(db_path: Path) -> Path:
    return Path(f"{db_path}.lock")


class DatabaseLock:
    def __init__(self, db_path: Path) -> None:
        self.path = lock_path_for(db_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise ``AlreadyRunning`` at once; never waits."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self.path.read_text().strip() or "another process"
            raise AlreadyRunning(
                f"another Delight process (pid {holder}) is already using this database; "
                f"stop it first (lock: {self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
