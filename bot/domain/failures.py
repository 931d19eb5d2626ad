"""Naming an unexpected error in a log line without its message, which could quote what a
person typed: its type and the innermost frame of Delight's own code."""

from __future__ import annotations

import traceback
from pathlib import Path

_OURS = ("bot", "handlers", "schedules")


def where(error: BaseException) -> str:
    """``package/module.py:line`` of the innermost frame in Delight's code (else the last)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    ours = [f for f in frames if Path(f.filename).parent.name in _OURS]
    frame = (ours or frames)[-1]
    path = Path(frame.filename)
    return f"{path.parent.name}/{path.name}:{frame.lineno}"


def failure_of(error: BaseException) -> str:
    """``KeyError at bot/storage/store.py:412``."""
    return f"{type(error).__name__} at {where(error)}"
