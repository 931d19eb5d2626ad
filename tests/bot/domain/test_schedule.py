"""When polls and digests fire: DST, odd offsets, weekdays, skips, pause. Pure, no threads."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.schedule import (
    EVERY_DAY,
    WEEKDAYS,
    ChannelSchedule,
    RuleError,
    parse_date,
    parse_day,
    parse_days,
    parse_time,
    parse_tz,
)


def schedule(at: str = "17:00", tz: str = "UTC", days=WEEKDAYS, **kwargs) -> ChannelSchedule:
    return ChannelSchedule("T", "C", time.fromisoformat(at), tz, days, **kwargs)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


@pytest.mark.parametrize(
    ("tz", "start", "expected_utc_hours"),
    [
        # Spring forward on Sunday 8 March 2026: 17:00 stays 17:00 local, 22:00 -> 21:00 UTC.
        ("America/New_York", (2026, 3, 6, 12), [22, 22, 21, 21]),
        # Fall back on Sunday 1 November 2026.
        ("America/New_York", (2026, 10, 30, 12), [21, 21, 22, 22]),
        # Europe/Berlin: 29 March and 25 October 2026.
        ("Europe/Berlin", (2026, 3, 27, 12), [16, 16, 15, 15]),
        ("Europe/Berlin", (2026, 10, 23, 12), [15, 15, 16, 16]),
    ],
)
def test_daily_poll_keeps_local_time_across_dst(tz, start, expected_utc_hours) -> None:
    fires = schedule(tz=tz, days=EVERY_DAY).next_polls(local(tz, *start), 4)
    assert [f.astimezone(ZoneInfo(tz)).time() for f in fires] == [time(17)] * 4
    assert [f.astimezone(UTC).hour for f in fires] == expected_utc_hours
    assert len({f.date() for f in fires}) == 4  # one a day: none skipped, none doubled


def test_poll_in_the_repeated_hour_of_fall_back_is_listed_once() -> None:
    fires = schedule("02:30", "Europe/Berlin", EVERY_DAY).next_polls(
        local("Europe/Berlin", 2026, 10, 24, 12), 3
    )
    assert [f.date() for f in fires] == [date(2026, 10, 25), date(2026, 10, 26), date(2026, 10, 27)]


def test_poll_in_the_missing_hour_of_spring_forward_still_happens() -> None:
    fires = schedule("02:30", "Europe/Berlin", EVERY_DAY).next_polls(
        local("Europe/Berlin", 2026, 3, 28, 12), 2
    )
    assert [f.date() for f in fires] == [date(2026, 3, 29), date(2026, 3, 30)]


def test_half_hour_offset_zone() -> None:
    fires = schedule(tz="Asia/Kolkata").next_polls(datetime(2026, 11, 18, 6, 0, tzinfo=UTC), 1)
    assert fires[0].astimezone(UTC) == datetime(2026, 11, 18, 11, 30, tzinfo=UTC)


def test_weekdays_skip_the_weekend() -> None:
    friday_evening = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    fires = schedule().next_polls(friday_evening, 3)
    assert [f.date() for f in fires] == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]


def test_skipped_days_are_left_out() -> None:
    skips = frozenset({date(2026, 12, 24), date(2026, 12, 25)})
    fires = schedule(skips=skips).next_polls(datetime(2026, 12, 23, 18, tzinfo=UTC), 3)
    assert [f.date() for f in fires] == [date(2026, 12, 28), date(2026, 12, 29), date(2026, 12, 30)]


def test_paused_schedule_has_no_next_polls_and_nothing_due() -> None:
    paused = schedule(paused=True)
    assert paused.next_polls(datetime(2026, 11, 18, 12, tzinfo=UTC)) == []
    assert paused.poll_due(datetime(2026, 11, 18, 18, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("now_local", "due"),
    [
        ((2026, 11, 18, 16, 59), None),  # restart before poll time: wait for the job
        ((2026, 11, 18, 17, 0), date(2026, 11, 18)),  # at poll time
        ((2026, 11, 18, 23, 59), date(2026, 11, 18)),  # later the same local day: catch up
        ((2026, 11, 19, 0, 5), None),  # after midnight: never yesterday's stale poll
        ((2026, 11, 21, 18, 0), None),  # Saturday: not a poll day
    ],
)
def test_poll_due_decides_catch_up_after_a_restart(now_local, due) -> None:
    assert schedule(tz="America/New_York").poll_due(local("America/New_York", *now_local)) == due


def test_poll_due_uses_the_channel_timezone_not_utc() -> None:
    # 23:30 UTC on Wednesday is already Thursday 05:00 in Kolkata: before Thursday's poll.
    now = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)
    assert schedule(tz="Asia/Kolkata").poll_due(now) is None
    assert schedule(tz="UTC").poll_due(now) == date(2026, 11, 18)


def test_skip_makes_nothing_due() -> None:
    assert (
        schedule(skips=frozenset({date(2026, 11, 18)})).poll_due(
            datetime(2026, 11, 18, 18, tzinfo=UTC)
        )
        is None
    )


@pytest.mark.parametrize(
    ("days", "at", "expected"),
    [
        (WEEKDAYS, "17:00", (4, time(16))),  # Friday, an hour before the poll
        (frozenset({0, 1, 2, 3}), "16:30", (3, time(15, 30))),  # mon-thu: Thursday
        (WEEKDAYS, "00:30", (3, time(23, 30))),  # an hour before 00:30 Friday is Thursday
    ],
)
def test_default_digest_is_last_poll_day_an_hour_before(days, at, expected) -> None:
    assert schedule(at, days=days).digest_at() == expected


def test_digest_can_be_set_or_turned_off() -> None:
    assert schedule(digest_day=0, digest_time=time(9)).digest_at() == (0, time(9))
    assert schedule(digest_off=True).digest_at() is None
    assert schedule(digest_off=True).next_digest_at(datetime(2026, 11, 18, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (local("Europe/Berlin", 2026, 11, 20, 15, 59), None),  # Friday, before 16:00
        (local("Europe/Berlin", 2026, 11, 20, 16, 0), date(2026, 11, 16)),
        (local("Europe/Berlin", 2026, 11, 22, 23, 59), date(2026, 11, 16)),  # Sunday night
        (local("Europe/Berlin", 2026, 11, 23, 0, 0), None),  # a new week: not yet
        # 15:30 UTC is already 16:30 in Berlin.
        (datetime(2026, 11, 20, 15, 30, tzinfo=UTC), date(2026, 11, 16)),
    ],
)
def test_digest_is_due_from_its_time_until_the_week_ends(now, due) -> None:
    assert schedule(tz="Europe/Berlin").digest_due(now) == due
    assert schedule(tz="Europe/Berlin", digest_off=True).digest_due(now) is None


def test_digest_fires_on_its_local_day_and_time() -> None:
    fire = schedule(tz="Europe/Berlin").next_digest_at(local("Europe/Berlin", 2026, 11, 18, 12))
    assert fire == local("Europe/Berlin", 2026, 11, 20, 16)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", WEEKDAYS),
        ("weekdays", WEEKDAYS),
        ("daily", EVERY_DAY),
        ("mon-thu", frozenset({0, 1, 2, 3})),
        ("mon,wed,fri", frozenset({0, 2, 4})),
        ("Tue", frozenset({1})),
        ("fri-mon", frozenset({4, 5, 6, 0})),
        ("monday,friday", frozenset({0, 4})),
    ],
)
def test_parse_days(text: str, days) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["", ",", "funday", "mon-xyz", "someday,mon"])
def test_parse_days_rejects_nonsense_with_an_example(text: str) -> None:
    with pytest.raises(RuleError, match="mon-fri"):
        parse_days(text)


@pytest.mark.parametrize("text", ["25:00", "17", "5pm", "17:60", "", "17:00:00"])
def test_parse_time_rejects_with_an_example(text: str) -> None:
    with pytest.raises(RuleError, match="17:00"):
        parse_time(text)


def test_parse_time_accepts_one_digit_hours() -> None:
    assert parse_time("9:05") == time(9, 5)


def test_parse_tz_day_and_date() -> None:
    assert parse_tz("Asia/Kolkata") == "Asia/Kolkata"
    with pytest.raises(RuleError, match="Europe/Berlin"):
        parse_tz("Mars/Olympus_Mons")
    assert parse_day("Friday") == 4
    with pytest.raises(RuleError):
        parse_day("someday")
    assert parse_date("2026-12-24") == date(2026, 12, 24)
    with pytest.raises(RuleError, match="2026-12-24"):
        parse_date("24/12/2026")


def test_next_polls_from_exactly_poll_time_starts_there() -> None:
    now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    assert schedule().next_polls(now, 1)[0] == now
    assert schedule().next_polls(now + timedelta(seconds=1), 1)[0].date() == date(2026, 11, 19)
