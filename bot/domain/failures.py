"""Naming an unexpected error in a log line without its message, which could quote what a
person typed: its type and the innermost frame of Delight's own code."""

from __future__ import annotations

import traceback
from pathlib import Path

# Where Delight's packages are installed (this file is bot/domain/failures.py).
_ROOT = Path(__file__).resolve().parents[2]
_OURS = tuple(_ROOT / package for package in ("bot", "handlers", "schedules"))


def where(error: BaseException) -> str:
    """``bot/service/polls.py:12``: the innermost frame in Delight's code (else the last,
    by its file name alone)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    ours = [f for f in frames if _ours(Path(f.filename).resolve())]
    if not ours:
        path = Path(frames[-1].filename)
        return f"{path.parent.name}/{path.name}:{frames[-1].lineno}"
    frame = ours[-1]
    return f"{Path(frame.filename).resolve().relative_to(_ROOT).as_posix()}:{frame.lineno}"


def _ours(path: Path) -> bool:
    return any(path.is_relative_to(package) for package in _OURS)


def failure_of(error: BaseException) -> str:
    """``KeyError at bot/storage/polls.py:412``."""
    return f"{type(error).__name__} at {where(error)}"
