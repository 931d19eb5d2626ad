"""The schedule's instants against the cron rule they replace (APScheduler's ``CronTrigger``,
which fired each channel's job before the due index): what the index fires, walked day by
day across DST nights in both directions, 30- and 45-minute offsets, skips, pauses and
changes; and the close and nudge instants. Pure, no threads."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.domain.due import DueKind, OpenPoll, catch_up_instants, poll_instants
from bot.domain.schedule import DAY_NAMES, EVERY_DAY, WEEKDAYS, ChannelSchedule

# (zone, a day on which its clocks change). 2026 dates.
TRANSITIONS = [
    ("America/New_York", date(2026, 3, 8)),  # spring forward, 02:00 -> 03:00
    ("America/New_York", date(2026, 11, 1)),  # fall back, 02:00 -> 01:00
    ("Europe/Berlin", date(2026, 3, 29)),
    ("Europe/Berlin", date(2026, 10, 25)),
    ("Australia/Adelaide", date(2026, 4, 5)),  # +10:30 -> +9:30
    ("Australia/Adelaide", date(2026, 10, 4)),
    ("Pacific/Chatham", date(2026, 4, 5)),  # +13:45 -> +12:45
    ("Pacific/Chatham", date(2026, 9, 27)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),  # a 30-minute shift: +11 -> +10:30
    ("Australia/Lord_Howe", date(2026, 10, 4)),
    ("America/St_Johns", date(2026, 3, 8)),  # -3:30 -> -2:30
    ("America/St_Johns", date(2026, 11, 1)),
    ("Asia/Kathmandu", date(2026, 6, 1)),  # +5:45, no DST
    ("Asia/Kolkata", date(2026, 6, 1)),  # +5:30, no DST
]
# Every hour a clock change can touch (the repeated and the missing ones), and the day's ends.
POLL_TIMES = [time(0, 0), time(1, 45), time(2, 0), time(2, 30), time(2, 45), time(3, 15)]
POLL_TIMES += [time(17, 0), time(23, 59)]


def schedule(at: time, tz: str, days=EVERY_DAY, **kwargs) -> ChannelSchedule:
    return ChannelSchedule("T", "C", at, tz, days, **kwargs)


def midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(tz))


def cron(days: frozenset[int], at: time, tz: str) -> CronTrigger:
    """The trigger each channel's job had before the due index."""
    return CronTrigger(
        day_of_week=",".join(DAY_NAMES[d] for d in sorted(days)),
        hour=at.hour,
        minute=at.minute,
        second=at.second,
        timezone=ZoneInfo(tz),
    )


def utc(fires: list[datetime]) -> list[datetime]:
    """Instants to compare: two aware datetimes in one zone compare by wall time alone."""
    return [fire.astimezone(UTC) for fire in fires]


@pytest.mark.parametrize(("tz", "day"), TRANSITIONS)
@pytest.mark.parametrize("at", POLL_TIMES)
def test_the_next_poll_instant_is_the_cron_rules_from_any_moment(tz, day, at) -> None:
    """What the index stores after a firing or a change at any moment of the two days around
    a clock change (every 7 minutes): the cron rule's next firing from the same cursor (now
    while today's poll time is still to come, else the next midnight), including the repeat
    of a time clocks go back over and the stand-in for a time they skip."""
    s = schedule(at, tz, WEEKDAYS | {day.weekday()})
    trigger = cron(s.days, at, tz)
    now = midnight(day - timedelta(days=1), tz).astimezone(UTC)
    for _step in range(2 * 24 * 60 // 7):
        local = now.astimezone(ZoneInfo(tz))
        cursor = now if local.time() < at else midnight(local.date() + timedelta(days=1), tz)
        theirs = trigger.get_next_fire_time(None, cursor)
        assert s.next_poll_at(now).astimezone(UTC) == theirs.astimezone(UTC), now
        now += timedelta(minutes=7)


def cron_polls(s: ChannelSchedule, first: date, last: date) -> list[datetime]:
    """What the cron rule says: its first firing on each local day, skips left out. Asked from
    each day's start: chained from one firing to the next, as the scheduler asked it, it
    steps over the day after clocks go forward for a 00:00 poll (APScheduler 3.11: New York
    fires 8 March, then 10 March), which lost that day's poll before the due index."""
    trigger = cron(s.days, s.poll_time, s.tz)
    fires = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        fire = trigger.get_next_fire_time(None, midnight(day, s.tz))
        if fire is not None and fire.date() == day and day not in s.skips and not s.paused:
            fires.append(fire)
    return fires


def walk_polls(s: ChannelSchedule, start: datetime, end: datetime, late: timedelta) -> list:
    """What the index fires: from ``start``, each firing (``late`` after its instant) asks
    for the next instant, until ``end``."""
    fires, now = [], start
    while (at := s.next_poll_at(now)) is not None and at < end:
        assert at > now
        fires.append(at)
        now = at + late
    return fires


@pytest.mark.parametrize(("tz", "day"), TRANSITIONS)
@pytest.mark.parametrize("at", POLL_TIMES)
@pytest.mark.parametrize("late", [timedelta(0), timedelta(seconds=3), timedelta(minutes=59)])
def test_the_index_fires_the_cron_rules_polls_once_a_day(tz, day, at, late) -> None:
    s = schedule(at, tz)
    first, last = day - timedelta(days=3), day + timedelta(days=3)
    start = midnight(first, tz) - timedelta(microseconds=1)  # at 00:00 itself, that day is done
    walked = walk_polls(s, start, midnight(last + timedelta(days=1), tz), late)
    expected = cron_polls(s, first, last)
    assert utc(walked) == utc(expected)
    assert len(walked) == 7  # one a day: the clock change neither skips nor doubles one


@pytest.mark.parametrize(("tz", "day"), TRANSITIONS[:4])
def test_weekdays_and_skips_agree_with_the_cron_rule(tz, day) -> None:
    skips = frozenset({day - timedelta(days=1), day + timedelta(days=2)})
    s = schedule(time(2, 30), tz, WEEKDAYS, skips=skips)
    first, last = day - timedelta(days=10), day + timedelta(days=10)
    walked = walk_polls(s, midnight(first, tz), midnight(last + timedelta(days=1), tz), timedelta())
    assert utc(walked) == utc(cron_polls(s, first, last))
    assert {f.weekday() for f in walked} <= WEEKDAYS
    assert not {f.date() for f in walked} & skips


def test_a_paused_schedule_has_no_next_poll() -> None:
    paused = schedule(time(17), "UTC", paused=True)
    assert paused.next_poll_at(datetime(2026, 11, 18, tzinfo=UTC)) is None
    assert (
        walk_polls(
            paused,
            datetime(2026, 11, 1, tzinfo=UTC),
            datetime(2026, 12, 1, tzinfo=UTC),
            timedelta(),
        )
        == []
    )


@pytest.mark.parametrize(
    ("changed_at", "new_time", "fires_at"),
    [
        # The 17:00 poll, changed before it fired: the new time, today.
        ((16, 0), time(17, 30), datetime(2026, 11, 18, 17, 30, tzinfo=UTC)),
        ((16, 0), time(16, 30), datetime(2026, 11, 18, 16, 30, tzinfo=UTC)),
        # After today's poll: a later time is still today (the database lets no second
        # poll post), an earlier one is tomorrow.
        ((17, 10), time(17, 30), datetime(2026, 11, 18, 17, 30, tzinfo=UTC)),
        ((17, 10), time(9, 0), datetime(2026, 11, 19, 9, 0, tzinfo=UTC)),
        # Set at exactly its time: today's is taken as done, like a firing at that time.
        ((17, 30), time(17, 30), datetime(2026, 11, 19, 17, 30, tzinfo=UTC)),
    ],
)
def test_a_changed_schedule_fires_its_next_time_from_the_change(changed_at, new_time, fires_at):
    now = datetime(2026, 11, 18, *changed_at, tzinfo=UTC)
    assert schedule(new_time, "UTC").next_poll_at(now) == fires_at


def cron_digests(s: ChannelSchedule, first: date, weeks: int) -> list[datetime]:
    """The digest rule's first firing in each local week (Monday to Sunday)."""
    day, at = s.digest_at()
    trigger = cron(frozenset({day}), at, s.tz)
    fires = []
    for n in range(weeks):
        monday = first + timedelta(days=7 * n)
        fire = trigger.get_next_fire_time(None, midnight(monday, s.tz))
        if fire.date() < monday + timedelta(days=7):
            fires.append(fire)
    return fires


@pytest.mark.parametrize(("tz", "day"), TRANSITIONS)
@pytest.mark.parametrize("at", [time(2, 30), time(1, 45), time(17, 0)])
def test_the_index_fires_the_cron_rules_digests_once_a_week(tz, day, at) -> None:
    # The digest on the day of the change (these are Sundays, or a plain Monday), at times
    # that are missing or repeated that night.
    s = schedule(time(18), tz, digest_day=day.weekday(), digest_time=at)
    monday = day - timedelta(days=day.weekday() + 14)
    fires, now = [], midnight(monday, tz)
    while (next_at := s.next_digest_at(now)) < midnight(monday + timedelta(days=35), tz):
        assert next_at > now
        fires.append(next_at)
        now = next_at + timedelta(seconds=2)
    assert utc(fires) == utc(cron_digests(s, monday, 5))
    assert len(fires) == 5


def test_digest_off_has_no_instant() -> None:
    assert schedule(time(17), "UTC", digest_off=True).next_digest_at(datetime.now(UTC)) is None


@pytest.mark.parametrize(
    ("now", "poll", "digest"),
    [
        # Wednesday 18 November, after the 17:00 poll: today's poll is due at once; the
        # Sunday 16:00 digest of a daily schedule is still to come.
        (
            datetime(2026, 11, 18, 17, 30, tzinfo=UTC),
            datetime(2026, 11, 18, 17, 0, tzinfo=UTC),
            datetime(2026, 11, 22, 16, 0, tzinfo=UTC),
        ),
        # Before it: today's, in the future.
        (
            datetime(2026, 11, 18, 16, 30, tzinfo=UTC),
            datetime(2026, 11, 18, 17, 0, tzinfo=UTC),
            datetime(2026, 11, 22, 16, 0, tzinfo=UTC),
        ),
        # Sunday night: this week's digest time has passed, so it is due at once.
        (
            datetime(2026, 11, 22, 23, 0, tzinfo=UTC),
            datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
            datetime(2026, 11, 22, 16, 0, tzinfo=UTC),
        ),
    ],
)
def test_catch_up_instants_start_from_the_local_day_and_week(now, poll, digest) -> None:
    instants = catch_up_instants(schedule(time(17), "UTC"), now)
    assert instants == {DueKind.POLL: poll, DueKind.DIGEST: digest}


CLAIMED = datetime(2026, 11, 18, 17, 0, 4, tzinfo=UTC)


def test_close_is_the_oldest_open_poll_plus_a_day() -> None:
    polls = [OpenPoll(1, CLAIMED - timedelta(days=1), True), OpenPoll(2, CLAIMED, False)]
    # Asked for at 16:00 with no schedule: 24 hours after its claim.
    lone = [OpenPoll(1, CLAIMED - timedelta(hours=1, seconds=4), False)]
    assert poll_instants(None, lone, None, CLAIMED) == {
        DueKind.CLOSE: datetime(2026, 11, 19, 16, 0, tzinfo=UTC),
        DueKind.NUDGE: None,
    }
    # A daily 17:00 poll, claimed at 17:00:04: the next one comes 4 seconds before its 24
    # hours, and its post closes it; the close waits a minute for that.
    instants = poll_instants(schedule(time(17), "UTC"), polls, None, CLAIMED)
    assert instants == {
        DueKind.CLOSE: datetime(2026, 11, 18, 17, 1, tzinfo=UTC),
        DueKind.NUDGE: None,
    }
    # The 17:00 poll moved to 09:00 meanwhile: the next one is hours before; 24 hours it is.
    morning = poll_instants(schedule(time(9), "UTC"), polls, None, CLAIMED)
    assert morning[DueKind.CLOSE] == CLAIMED
    assert poll_instants(None, [], 30, CLAIMED) == {DueKind.CLOSE: None, DueKind.NUDGE: None}


def test_nudge_window_starts_before_the_next_poll_closes_this_one() -> None:
    daily = schedule(time(17), "UTC")
    polls = [OpenPoll(2, CLAIMED, False)]
    # Closed by tomorrow's 17:00 poll: the window starts at 16:30.
    start = datetime(2026, 11, 19, 16, 30, tzinfo=UTC)
    assert poll_instants(daily, polls, 30, CLAIMED)[DueKind.NUDGE] == start
    # No schedule: it closes 24 hours after its claim.
    lone = poll_instants(None, polls, 30, CLAIMED)[DueKind.NUDGE]
    assert lone == CLAIMED + timedelta(hours=24, minutes=-30)
    # Nudged already, or nudges off: nothing.
    assert poll_instants(daily, [OpenPoll(2, CLAIMED, True)], 30, CLAIMED)[DueKind.NUDGE] is None
    assert poll_instants(daily, polls, None, CLAIMED)[DueKind.NUDGE] is None


def test_a_window_already_open_is_due_now_unless_it_was_just_weighed() -> None:
    daily = schedule(time(17), "UTC")
    polls = [OpenPoll(2, CLAIMED, False)]
    inside = datetime(2026, 11, 19, 16, 40, tzinfo=UTC)
    assert poll_instants(daily, polls, 30, inside)[DueKind.NUDGE] == inside
    assert poll_instants(daily, polls, 30, inside, windows_open=False)[DueKind.NUDGE] is None
    after = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
    assert poll_instants(daily, polls, 30, after)[DueKind.NUDGE] is None
