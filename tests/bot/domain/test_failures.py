"""An unexpected error is named by its type and the innermost frame of Delight's own code,
in whichever layer it was raised."""

from __future__ import annotations

import re

import pytest

from bot.domain.failures import failure_of, where
from bot.domain.schedule import RuleError, parse_time


def test_the_place_is_the_innermost_frame_of_ours_in_a_subpackage() -> None:
    with pytest.raises(RuleError) as raised:
        parse_time("25:99")
    assert re.fullmatch(r"bot/domain/schedule\.py:\d+", where(raised.value))
    assert re.fullmatch(r"RuleError at bot/domain/schedule\.py:\d+", failure_of(raised.value))


def test_an_error_raised_outside_our_code_is_named_by_its_last_frame() -> None:
    with pytest.raises(ZeroDivisionError) as raised:
        _ = 1 / 0
    assert where(raised.value) == f"domain/test_failures.py:{raised.traceback[-1].lineno + 1}"
