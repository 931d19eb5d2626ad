"""Scheduling end to end: commands over signed HTTP, jobs against the fake Slack, restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.domain.calendar import system_clock
from bot.domain.due import DueKind
from bot.domain.schedule import EVERY_DAY, WEEKDAYS
from bot.service.due import DueInstants
from bot.storage.store import Storage
from tests.conftest import FakeClock, Running, eventually, post_and_answer, serve
from tests.fake_slack import TEAM_ID, FakeSlack

CHANNEL = "C0TEAM"


def test_schedule_command_saves_and_shows_next_polls(running: Running) -> None:
    # The clock: Wednesday 18 November 2026, 15:00 UTC = 16:00 in Berlin.
    reply = running.sender.command("schedule 17:00 Europe/Berlin mon-thu")
    assert reply.status == 200
    assert "Daily poll at *17:00* (Europe/Berlin), Mon, Tue, Wed, Thu." in reply.text
    assert "Next: Wed 18 Nov 17:00, Thu 19 Nov 17:00, Mon 23 Nov 17:00." in reply.text
    assert "Weekly digest: Thu 16:00." in reply.text
    # The due index holds the next poll shown: 17:00 in Berlin is 16:00 UTC.
    due = running.runtime.jobs.instants(TEAM_ID, CHANNEL)
    assert due[DueKind.POLL] == datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
    assert running.sender.command("schedule").text == reply.text


def test_schedule_defaults_to_weekdays_in_the_default_timezone(running: Running) -> None:
    reply = running.sender.command("schedule 9:30")
    assert "Daily poll at *09:30* (UTC), Mon to Fri." in reply.text
    assert "Next: Thu 19 Nov 09:30, Fri 20 Nov 09:30, Mon 23 Nov 09:30." in reply.text


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("schedule 25:00", "`25:00` isn't a time"),
        ("schedule 17:00 Mars/Base", "`Mars/Base` isn't a timezone"),
        ("schedule 17:00 funday", "`funday` isn't a set of days"),
        ("schedule 17:00 ,", "leaves no days"),
        ("digest schedule someday 16:00", "`someday` isn't a day"),
        ("digest schedule fri", "Give a day and a time"),
        ("skip 24.12.2026", "isn't a date"),
    ],
)
def test_bad_schedule_input_names_the_problem_and_saves_nothing(running, text, names) -> None:
    reply = running.sender.command(text)
    assert reply.status == 200
    assert names in reply.text
    assert "Try `/delight" in reply.text
    assert running.runtime.storage.schedule_for(TEAM_ID, CHANNEL, date(2026, 11, 1)) is None


def test_schedule_off_removes_the_job(running: Running) -> None:
    running.sender.command("schedule 17:00")
    reply = running.sender.command("schedule off")
    assert reply.text.startswith("Daily polls are off in this channel.")
    assert reply.json["response_type"] == "in_channel"
    assert DueKind.POLL not in running.runtime.jobs.instants(TEAM_ID, CHANNEL)
    assert "no daily poll yet" in running.sender.command("schedule off").text


def test_settings_before_any_schedule_say_how_to_start(running: Running) -> None:
    for text in (
        "pause",
        "resume",
        "digest schedule fri 16:00",
        "digest schedule off",
        "skip 2026-12-24",
    ):
        assert "Start with `/delight schedule 17:00`" in running.sender.command(text).text


def test_digest_schedule_set_default_and_off(running: Running) -> None:
    running.sender.command("schedule 17:00")
    assert "Weekly digest: Wed 16:30." in running.sender.command("digest schedule wed 16:30").text
    jobs = running.runtime.jobs
    wednesday = datetime(2026, 11, 18, 16, 30, tzinfo=UTC)
    assert jobs.instants(TEAM_ID, CHANNEL)[DueKind.DIGEST] == wednesday
    assert "Weekly digest: off." in running.sender.command("digest schedule off").text
    assert DueKind.DIGEST not in jobs.instants(TEAM_ID, CHANNEL)
    assert "Weekly digest: Fri 16:00." in running.sender.command("digest schedule default").text


def test_skips_add_list_remove(running: Running) -> None:
    running.sender.command("schedule 17:00")
    assert "No days are skipped" in running.sender.command("skip list").text
    reply = running.sender.command("skip 2026-11-19")
    assert "Skipping: Thu 2026-11-19." in reply.text
    assert "Next: Wed 18 Nov 17:00, Fri 20 Nov 17:00, Mon 23 Nov 17:00." in reply.text
    assert running.sender.command("skip list").text == "Skipping: Thu 2026-11-19."
    assert "Thu 19 Nov" in running.sender.command("skip remove 2026-11-19").text
    assert "wasn't on the skip list" in running.sender.command("skip remove 2026-11-19").text
    assert "already passed" in running.sender.command("skip 2026-11-17").text
    assert "more than a year ahead" in running.sender.command("skip 2028-01-01").text


def test_pause_and_resume(running: Running) -> None:
    running.sender.command("schedule 17:00")
    assert "*Paused.*" in running.sender.command("pause").text
    running.clock.now = datetime(2026, 11, 18, 17, 30, tzinfo=UTC)
    running.runtime.jobs.run_poll(TEAM_ID, CHANNEL)
    running.settle()
    assert running.slack.calls_to("chat.postMessage") == []
    assert "Next: Wed 18 Nov 17:00" not in running.sender.command("resume").text
    running.runtime.jobs.run_poll(TEAM_ID, CHANNEL)
    assert len(running.slack.wait_for("chat.postMessage")) == 1


def test_scheduled_poll_posts_once_however_often_the_job_fires(running: Running) -> None:
    running.sender.command("schedule 17:00")
    running.clock.now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    for _ in range(3):
        running.runtime.jobs.run_poll(TEAM_ID, CHANNEL)
    running.settle()
    assert len(running.slack.calls_to("chat.postMessage")) == 1
    assert running.sender.command("poll").text.startswith("We already have today's poll")


def restart_at(slack: FakeSlack, db: Path, now: datetime) -> Running:
    return serve(slack, FakeClock(now), db)


@pytest.mark.parametrize(
    ("restart_utc", "posts"),
    [
        (datetime(2026, 11, 18, 16, 59, tzinfo=UTC), 0),  # before poll time
        (datetime(2026, 11, 18, 17, 0, tzinfo=UTC), 1),  # at poll time
        (datetime(2026, 11, 18, 22, 0, tzinfo=UTC), 1),  # later that day: catch up
        (datetime(2026, 11, 19, 0, 1, tzinfo=UTC), 0),  # next day: nothing stale
    ],
)
def test_restart_catches_up_a_missed_poll_only_the_same_day(
    slack: FakeSlack, tmp_path: Path, restart_utc: datetime, posts: int
) -> None:
    db = tmp_path / "delight.db"
    with restart_at(slack, db, datetime(2026, 11, 18, 9, 0, tzinfo=UTC)) as app:
        app.sender.command("schedule 17:00")
    for _ in range(2):  # a second restart must not post again
        with restart_at(slack, db, restart_utc) as app:
            assert app.runtime.jobs.caught_up.wait(5)
            app.settle()
            next_poll = app.runtime.jobs.instants(TEAM_ID, CHANNEL)[DueKind.POLL]
            assert next_poll > restart_utc or (posts == 0 and next_poll == restart_utc)
    assert len(slack.calls_to("chat.postMessage")) == posts


def test_restart_posts_a_poll_whose_process_died_mid_post(slack: FakeSlack, tmp_path: Path) -> None:
    """A claim with no message and nothing in the outbox (a database from before the outbox):
    the restart's catch-up queues it at once, rather than leaving the channel without its
    poll for the day."""
    db = tmp_path / "delight.db"
    due = datetime(2026, 11, 18, 17, 0, 30, tzinfo=UTC)
    with restart_at(slack, db, datetime(2026, 11, 18, 9, 0, tzinfo=UTC)) as app:
        app.sender.command("schedule 17:00")
    storage = Storage(db)
    storage.claim_poll(TEAM_ID, CHANNEL, date(2026, 11, 18), due)
    storage.close()
    with restart_at(slack, db, due + timedelta(seconds=5)) as app:
        eventually(lambda: len(slack.posted(CHANNEL)) == 1)
        poll = app.runtime.storage.poll_on(TEAM_ID, CHANNEL, date(2026, 11, 18))
        eventually(lambda: app.runtime.storage.get_poll(poll.id).message_ts is not None)
    assert len(slack.posted(CHANNEL)) == 1


def test_restart_after_digest_time_posts_the_missed_digest_once(
    slack: FakeSlack, tmp_path: Path
) -> None:
    db = tmp_path / "delight.db"
    # Wednesday: a poll goes out. The default digest is Friday 16:00, an hour before the poll.
    with restart_at(slack, db, datetime(2026, 11, 18, 17, 0, tzinfo=UTC)) as app:
        app.sender.command("schedule 17:00")
        app.runtime.jobs.run_poll(TEAM_ID, CHANNEL)
    slack.reset()
    # Down all Friday afternoon; back on Saturday: the digest is posted, once.
    for _ in range(2):
        with restart_at(slack, db, datetime(2026, 11, 21, 10, 0, tzinfo=UTC)) as app:
            assert app.runtime.jobs.caught_up.wait(5)
            eventually(lambda: len(slack.posted(CHANNEL)) >= 1)
            app.settle()
    assert len(slack.posted(CHANNEL)) == 1
    # The next week is a new one: nothing is due before its Friday.
    slack.reset()
    with restart_at(slack, db, datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) as app:
        assert app.runtime.jobs.caught_up.wait(5)
        app.settle()
        friday = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
        assert app.runtime.jobs.instants(TEAM_ID, CHANNEL)[DueKind.DIGEST] == friday
    assert slack.posted(CHANNEL) == []


def test_no_digest_of_an_empty_week_after_a_restart(slack: FakeSlack, tmp_path: Path) -> None:
    """A channel scheduled after its digest time, with no poll this week yet."""
    db = tmp_path / "delight.db"
    with restart_at(slack, db, datetime(2026, 11, 21, 10, 0, tzinfo=UTC)) as app:
        app.sender.command("schedule 17:00")
    with restart_at(slack, db, datetime(2026, 11, 21, 11, 0, tzinfo=UTC)) as app:
        assert app.runtime.jobs.caught_up.wait(5)
        app.settle()
    assert slack.posted(CHANNEL) == []


def test_next_poll_closes_the_previous_one_with_final_tally(running: Running) -> None:
    poll_id, block_id = post_and_answer(running, ["2", "3", "4"])
    running.clock.now += timedelta(days=1)
    running.sender.command("poll")
    running.slack.wait_for("chat.postMessage", 3)  # poll, result in thread, next poll
    running.settle()
    final = running.slack.calls_to("chat.update")[-1].params
    assert final["ts"] == running.runtime.storage.get_poll(poll_id).message_ts
    assert "Final: we delighted 9 customers · 3 of us answered" in final["text"]
    assert all(block["type"] != "actions" for block in final["blocks"])
    thread = [c for c in running.slack.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert len(thread) == 1
    assert thread[0].params["text"] == (
        ":tada: Wednesday 18 November: we delighted 9 customers · 3 of us answered."
    )
    # A late click on the closed poll is refused kindly and changes nothing.
    running.slack.reset()
    running.sender.click(block_id, "5", user="U9")
    (answer,) = running.slack.wait_for("response_url")
    assert "This poll has closed" in answer.params["text"]
    assert running.runtime.storage.poll_total(poll_id).responders == 3


def test_poll_closes_after_24_hours_without_a_next_poll(running: Running) -> None:
    poll_id, _ = post_and_answer(running, ["1", "1"])
    storage, jobs = running.runtime.storage, running.runtime.jobs
    claimed = running.clock.now
    assert jobs.instants(TEAM_ID, CHANNEL)[DueKind.CLOSE] == claimed + timedelta(hours=24)
    running.clock.now += timedelta(hours=23)
    jobs.fire_due()
    assert not storage.get_poll(poll_id).closed
    running.clock.now += timedelta(hours=2)
    jobs.fire_due()
    assert storage.get_poll(poll_id).closed
    running.settle()
    closing = running.slack.calls_to("chat.update")
    assert "Closed with 2 answers: fewer than 3, so no tally" in closing[-1].params["text"]
    # Below the threshold there is no result line in the thread.
    assert [
        c for c in running.slack.calls_to("chat.postMessage") if c.params.get("thread_ts")
    ] == []
    assert DueKind.CLOSE not in jobs.instants(TEAM_ID, CHANNEL)
    jobs.fire_due()  # a second firing closes nothing again
    running.settle()
    assert running.slack.calls_to("chat.update") == closing


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
def test_permanent_post_errors_turn_the_schedule_off(running: Running, error: str) -> None:
    running.sender.command("schedule 17:00")
    running.clock.now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    running.slack.fail("chat.postMessage", error)
    running.runtime.jobs.run_poll(TEAM_ID, CHANNEL)
    running.settle()  # given up at once: nothing is left in the outbox
    assert len(running.slack.calls_to("chat.postMessage")) == 1
    assert running.runtime.jobs.instants(TEAM_ID, CHANNEL) == {}
    reply = running.sender.command("schedule")
    assert "The last schedule was turned off" in reply.text and error in reply.text


def test_one_failing_channel_does_not_block_another(running: Running) -> None:
    running.sender.command("schedule 17:00", channel="C0GONE")
    running.sender.command("schedule 17:00", channel="C0OK")
    running.clock.now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    running.slack.fail("chat.postMessage", "is_archived", times=1)
    running.runtime.jobs.run_poll(TEAM_ID, "C0GONE")
    running.settle()
    running.runtime.jobs.run_poll(TEAM_ID, "C0OK")
    running.settle()
    posted = [c.params["channel"] for c in running.slack.calls_to("chat.postMessage")]
    assert posted == ["C0GONE", "C0OK"]
    assert running.runtime.storage.poll_on(TEAM_ID, "C0OK", date(2026, 11, 18)).message_ts


def test_transient_post_error_keeps_the_schedule_and_the_outbox_posts(running: Running) -> None:
    running.sender.command("schedule 17:00")
    running.clock.now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    running.slack.fail("chat.postMessage", "fatal_error", times=1)
    running.runtime.jobs.run_poll(TEAM_ID, CHANNEL)
    running.settle()  # tried again after a back-off, by the delivery worker
    assert DueKind.POLL in running.runtime.jobs.instants(TEAM_ID, CHANNEL)
    running.runtime.jobs.run_poll(TEAM_ID, CHANNEL)
    running.settle()
    assert [c.failed for c in running.slack.calls_to("chat.postMessage")] == [True, False]


def test_scheduled_poll_is_retried_while_slack_is_down_until_posted(running: Running) -> None:
    """Slack answers 500 for a while: the client's retries (3 tries) and then the outbox's,
    backing off, until Slack is back; the poll is posted once, and nothing else is kept."""
    running.sender.command("schedule 17:00")
    jobs, slack, storage = running.runtime.jobs, running.slack, running.runtime.storage
    running.clock.now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    slack.fail("chat.postMessage", "internal_error", status=500)  # Slack is down for a while
    jobs.run_poll(TEAM_ID, CHANNEL)
    # The client tries 3 times; the outbox then tries again after its back-off.
    eventually(lambda: len(slack.calls_to("chat.postMessage")) >= 4, timeout=15)
    assert storage.outbox_pending() == {"poll": 1}
    assert storage.poll_on(TEAM_ID, CHANNEL, date(2026, 11, 18)).message_ts is None
    jobs.run_poll(TEAM_ID, CHANNEL)  # the job fires again meanwhile: still one row
    assert storage.outbox_pending() == {"poll": 1}
    slack.reset()  # Slack is back
    running.settle()
    (posted,) = slack.calls_to("chat.postMessage")
    assert posted.params["channel"] == CHANNEL
    jobs.run_poll(TEAM_ID, CHANNEL)
    running.settle()
    assert len(slack.posted(CHANNEL)) == 1  # posted once, never doubled
    assert storage.outbox_pending() == {}


def test_failed_poll_retry_stops_when_the_local_day_is_over(running: Running) -> None:
    running.sender.command("schedule 23:50")
    running.clock.now = datetime(2026, 11, 18, 23, 50, tzinfo=UTC)
    running.slack.fail("chat.postMessage", "fatal_error")
    running.runtime.jobs.run_poll(TEAM_ID, CHANNEL)
    eventually(lambda: running.slack.calls_to("chat.postMessage"))
    running.clock.now += timedelta(minutes=15)  # past midnight: yesterday's poll is stale
    running.settle()  # the next try finds it expired
    assert running.slack.posted(CHANNEL) == []
    assert running.runtime.storage.outbox_pending() == {}


def test_failed_scheduled_digest_is_retried_within_its_week(running: Running) -> None:
    running.sender.command("schedule 17:00")
    jobs, slack = running.runtime.jobs, running.slack
    running.clock.now = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # Friday
    slack.fail("chat.postMessage", "fatal_error", times=1)
    jobs.run_digest(TEAM_ID, CHANNEL)
    running.settle()
    digests = slack.calls_to("chat.postMessage")
    assert len(digests) == 2 and digests[-1].params["text"].startswith("This week's numbers")
    jobs.run_digest(TEAM_ID, CHANNEL)  # a late double firing: still one digest a week
    running.settle()
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_failed_digest_is_not_retried_into_the_next_week(running: Running) -> None:
    running.sender.command("schedule 17:00")
    running.clock.now = datetime(2026, 11, 22, 23, 55, tzinfo=UTC)  # Sunday night
    running.slack.fail("chat.postMessage", "fatal_error")
    running.runtime.jobs.run_digest(TEAM_ID, CHANNEL)
    eventually(lambda: running.slack.calls_to("chat.postMessage"))
    running.clock.now += timedelta(minutes=20)  # Monday: a new week
    running.settle()
    assert running.slack.posted(CHANNEL) == []
    assert running.runtime.storage.outbox_pending() == {}


def test_scheduled_digest_posts_once_per_week(running: Running) -> None:
    running.sender.command("schedule 17:00")
    running.slack.fail("chat.postMessage", "fatal_error", times=1)
    running.runtime.jobs.run_digest(TEAM_ID, CHANNEL)  # fails: the outbox tries again
    for _ in range(3):
        running.runtime.jobs.run_digest(TEAM_ID, CHANNEL)
    running.settle()
    digests = running.slack.calls_to("chat.postMessage")
    assert len(digests) == 2
    assert digests[-1].params["text"].startswith("This week's numbers")


class OffsetClock:
    """Real time plus an offset the test can move: the real scheduler fires on real time."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return system_clock() + self.offset


@pytest.mark.timing
def test_real_scheduler_posts_a_poll_due_in_seconds_once_then_closes_it(
    slack: FakeSlack, tmp_path: Path
) -> None:
    clock = OffsetClock()
    with serve(slack, clock, tmp_path / "delight.db") as app:
        soon = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
        if soon.date() != datetime.now(UTC).date():
            pytest.skip("too close to midnight UTC for a same-day poll")
        app.runtime.storage.save_schedule(
            TEAM_ID,
            CHANNEL,
            time(soon.hour, soon.minute, soon.second),
            "UTC",
            # Today only: the jump of 25 hours below makes no next poll due, only the close.
            frozenset({soon.weekday()}),
        )
        app.runtime.jobs.sync(TEAM_ID, CHANNEL)
        (poll_call,) = slack.wait_for("chat.postMessage", timeout=10)
        block_id = poll_call.params["blocks"][2]["block_id"]
        for n, value in enumerate(["3", "4", "5"]):
            app.sender.click(block_id, value, user=f"U{n}")
        app.settle()
        clock.offset = timedelta(hours=25)
        app.runtime.jobs.timer.wake()  # it would wake within a minute: the clock jumped
        slack.wait_for("chat.postMessage", 2)
        app.settle()
        assert (
            "Final: we delighted 12 customers · 3 of us answered"
            in (slack.calls_to("chat.update")[-1].params["text"])
        )
        assert (
            len([c for c in slack.calls_to("chat.postMessage") if "thread_ts" not in c.params]) == 1
        )


def test_real_scheduler_fires_a_poll_at_its_second_once(slack: FakeSlack, tmp_path: Path) -> None:
    """The test above without racing the wall clock: time-machine stops the system clock a
    second before the poll's time, so the schedule can't miss it however slow the machine
    is; moved on to that second, the real scheduler fires the poll, once."""
    start = datetime(2026, 11, 18, 12, 0, 0, tzinfo=UTC)
    with (
        time_machine.travel(start, tick=False) as traveller,
        serve(slack, system_clock, tmp_path / "delight.db") as app,
    ):
        at = start + timedelta(seconds=1)
        app.runtime.storage.save_schedule(
            TEAM_ID, CHANNEL, at.time(), "UTC", frozenset(range(7)) | WEEKDAYS
        )
        app.runtime.jobs.sync(TEAM_ID, CHANNEL)
        traveller.shift(timedelta(seconds=1))
        (poll_call,) = slack.wait_for("chat.postMessage", timeout=10)
        app.settle()
        poll = app.runtime.storage.poll_on(TEAM_ID, CHANNEL, at.date())
        assert poll is not None and poll.message_ts is not None
    assert [c for c in slack.posted(CHANNEL) if "thread_ts" not in c.params] == [poll_call]


def test_nudge_settings(running: Running) -> None:
    assert "Nudges are off" in running.sender.command("nudge").text
    assert "30 minutes before the poll closes" in running.sender.command("nudge 30m").text
    assert "1h" not in running.sender.command("nudge 1h").text
    assert running.runtime.storage.nudge_minutes(TEAM_ID, CHANNEL) == 60
    for bad, says in [("nudge soon", "isn't a duration"), ("nudge 2m", "5 minutes to 12 hours")]:
        assert says in running.sender.command(bad).text
    assert running.runtime.storage.nudge_minutes(TEAM_ID, CHANNEL) == 60
    assert "Nudges are off" in running.sender.command("nudge off").text


def close_a_day_with(running: Running, responders: int) -> None:
    """One past poll with ``responders`` answers, closed by the next day's poll."""
    post_and_answer(running, ["1"] * responders)
    running.clock.now += timedelta(days=1)


@pytest.mark.parametrize(("answered", "nudged"), [(1, True), (2, True), (3, False)])
def test_nudge_posts_one_gentle_reminder_when_few_answered(running, answered, nudged) -> None:
    running.sender.command("schedule 17:00 UTC daily")
    running.sender.command("nudge 30m")
    running.clock.now = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)
    for _ in range(3):
        close_a_day_with(running, 6)  # usual: 6 of us
    post_and_answer(running, ["2"] * answered)  # Thursday's poll
    running.slack.reset()
    running.clock.now = datetime(2026, 11, 20, 16, 29, tzinfo=UTC)  # 31 min before Friday's
    running.runtime.jobs.fire_due()
    running.settle()
    assert running.slack.calls_to("chat.postMessage") == []
    running.clock.now = datetime(2026, 11, 20, 16, 31, tzinfo=UTC)
    for _ in range(2):  # a double firing: still one nudge
        running.runtime.jobs.fire_due()
    running.settle()
    posts = running.slack.calls_to("chat.postMessage")
    assert len(posts) == (1 if nudged else 0)
    if nudged:
        assert posts[0].params["thread_ts"]
        assert (
            posts[0]
            .params["text"]
            .startswith(":hourglass_flowing_sand: Our poll closes in about 29 minutes.")
        )
        assert "<@" not in posts[0].params["text"]


def test_no_nudge_without_history_or_when_off(running: Running) -> None:
    running.sender.command("schedule 17:00 UTC daily")
    running.clock.now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    post_and_answer(running, ["1"])
    running.clock.now = datetime(2026, 11, 19, 16, 45, tzinfo=UTC)
    running.runtime.jobs.fire_due()  # nudge is off
    running.sender.command("nudge 30m")
    running.runtime.jobs.fire_due()  # on, but no usual number of responders yet
    running.settle()
    assert len(running.slack.calls_to("chat.postMessage")) == 1


def test_restart_mid_day_with_the_system_clock_under_time_machine(
    slack: FakeSlack, tmp_path: Path
) -> None:
    """The same catch-up, with the real system clock moved by time-machine (ticking)."""
    db = tmp_path / "delight.db"
    noon = time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=UTC), tick=True)
    with noon, serve(slack, system_clock, db) as app:
        assert "Next: Wed 18 Nov 17:00" in app.sender.command("schedule 17:00 UTC").text
    after_poll_time = time_machine.travel(datetime(2026, 11, 18, 17, 30, tzinfo=UTC), tick=True)
    with after_poll_time, serve(slack, system_clock, db) as app:
        (poll,) = slack.wait_for("chat.postMessage")
        assert poll.params["channel"] == CHANNEL
        storage = app.runtime.storage
        eventually(lambda: storage.poll_on(TEAM_ID, CHANNEL, date(2026, 11, 18)).message_ts)


def test_rate_limited_post_waits_retry_after_and_posts_once(running: Running) -> None:
    running.sender.command("schedule 17:00")
    running.clock.now = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    running.slack.fail(
        "chat.postMessage", "ratelimited", 429, times=1, headers={"Retry-After": "1"}
    )
    running.runtime.jobs.run_poll(TEAM_ID, CHANNEL)
    running.settle()
    refused, posted = running.slack.calls_to("chat.postMessage")
    assert posted.at - refused.at >= 1.0  # Slack's Retry-After was honoured
    poll = running.runtime.storage.poll_on(TEAM_ID, CHANNEL, date(2026, 11, 18))
    assert poll is not None and poll.message_ts is not None
    assert running.runtime.storage.outbox_pending() == {}


def seed_schedule(db: Path, at: time, tz: str, set_at: datetime) -> None:
    """A daily poll set with ``/delight schedule`` at ``set_at``, as the database keeps it."""
    storage = Storage(db)
    storage.save_schedule(TEAM_ID, CHANNEL, at, tz, EVERY_DAY)
    DueInstants(storage).schedule_changed(TEAM_ID, CHANNEL, set_at)
    storage.close()


FALL_BACK, SPRING_FORWARD = date(2026, 10, 25), date(2026, 3, 29)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "at", "day", "restart"),
    [
        # Clocks go back in Berlin: 02:30 comes at 00:30 UTC (CEST), and again at 01:30 (CET).
        ("Europe/Berlin", time(2, 30), FALL_BACK, utc(2026, 10, 25, 0, 29)),
        ("Europe/Berlin", time(2, 30), FALL_BACK, utc(2026, 10, 25, 0, 30)),
        ("Europe/Berlin", time(2, 30), FALL_BACK, utc(2026, 10, 25, 1, 0)),  # the hour again
        ("Europe/Berlin", time(2, 30), FALL_BACK, utc(2026, 10, 25, 1, 30)),  # 02:30 again
        ("Europe/Berlin", time(2, 30), FALL_BACK, utc(2026, 10, 25, 23, 0)),  # the next day
        # Clocks go forward: 02:30 never comes that night; 03:00 CEST is past it.
        ("Europe/Berlin", time(2, 30), SPRING_FORWARD, utc(2026, 3, 29, 1, 0)),
        # A 45-minute offset: 17:00 in Kathmandu is 11:15 UTC; its day ends at 18:15 UTC.
        ("Asia/Kathmandu", time(17), date(2026, 11, 18), utc(2026, 11, 18, 11, 15)),
        ("Asia/Kathmandu", time(17), date(2026, 11, 18), utc(2026, 11, 18, 18, 14, 59)),
        ("Asia/Kathmandu", time(17), date(2026, 11, 18), utc(2026, 11, 18, 18, 15)),
    ],
)
def test_a_restart_at_any_instant_posts_the_days_poll_once(
    slack: FakeSlack, tmp_path: Path, tz: str, at: time, day: date, restart: datetime
) -> None:
    """Down until ``restart``, then restarted again in the last second of the local day:
    the day has its one poll, unless the first restart came after the day was over."""
    db = tmp_path / "delight.db"
    seed_schedule(db, at, tz, datetime.combine(day - timedelta(days=1), time(12), ZoneInfo(tz)))
    last_second = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(tz))
    last_second -= timedelta(seconds=1)
    for now in (restart, max(restart, last_second)):
        with restart_at(slack, db, now) as app:
            assert app.runtime.jobs.caught_up.wait(5)
            app.runtime.jobs.fire_due()  # a double firing changes nothing
            app.settle()
            poll = app.runtime.storage.poll_on(TEAM_ID, CHANNEL, day)
    posts = 1 if restart <= last_second else 0
    assert len(slack.posted(CHANNEL)) == posts
    assert (poll is not None and poll.message_ts is not None) == bool(posts)


def test_a_restart_after_the_poll_was_queued_sends_it_once(slack: FakeSlack, tmp_path: Path):
    """Fired, its post waiting in the outbox (Slack is down), then stopped: the next start
    finds its next instant already written with it, and the delivery worker posts it."""
    db = tmp_path / "delight.db"
    seed_schedule(db, time(17), "UTC", utc(2026, 11, 18, 9))
    slack.fail("chat.postMessage", "internal_error", status=500)
    with restart_at(slack, db, utc(2026, 11, 18, 17, 0, 1)) as app:
        eventually(lambda: len(slack.calls_to("chat.postMessage")) >= 1)
        assert app.runtime.storage.outbox_pending() == {"poll": 1}
        assert app.runtime.jobs.instants(TEAM_ID, CHANNEL)[DueKind.POLL] == utc(2026, 11, 19, 17)
    slack.heal()
    with restart_at(slack, db, utc(2026, 11, 18, 17, 5)) as app:
        assert app.runtime.jobs.caught_up.wait(5)
        app.settle()
    assert len(slack.posted(CHANNEL)) == 1


def test_a_schedule_change_wakes_the_timer_at_once(slack: FakeSlack, tmp_path: Path) -> None:
    """With nothing due, the real timer sleeps a minute at a time. The system clock stopped
    at 11:59:59, a poll set for 12:00 by the command wakes it: moved on a second, the poll
    is posted within the seconds the wait allows, not when the minute's sleep ends."""
    start = datetime(2026, 11, 18, 11, 59, 59, tzinfo=UTC)
    with (
        time_machine.travel(start, tick=False) as traveller,
        serve(slack, system_clock, tmp_path / "delight.db") as app,
    ):
        assert app.runtime.jobs.caught_up.wait(5)  # and asleep: the index is empty
        app.sender.command("schedule 12:00 UTC daily")
        traveller.shift(timedelta(seconds=1))
        (poll,) = slack.wait_for("chat.postMessage", timeout=10)
        assert "actions" in str(poll.params["blocks"])


def test_a_schedule_moved_later_or_paused_fires_only_at_its_new_time(running: Running) -> None:
    jobs = running.runtime.jobs
    running.sender.command("schedule 17:00")
    running.sender.command("schedule 18:00")
    running.clock.now = utc(2026, 11, 18, 17, 30)
    jobs.fire_due()
    running.settle()
    assert running.slack.posted(CHANNEL) == []
    running.sender.command("pause")
    assert DueKind.POLL not in jobs.instants(TEAM_ID, CHANNEL)
    running.clock.now = utc(2026, 11, 18, 18, 0)
    jobs.fire_due()
    running.sender.command("resume")  # after today's time: tomorrow's is next
    assert jobs.instants(TEAM_ID, CHANNEL)[DueKind.POLL] == utc(2026, 11, 19, 18)
    jobs.fire_due()
    running.settle()
    assert running.slack.posted(CHANNEL) == []
    running.clock.now = utc(2026, 11, 19, 18, 0, 1)
    jobs.fire_due()
    assert len(running.slack.wait_for("chat.postMessage")) == 1


def test_yesterdays_result_line_follows_todays_poll_when_its_day_is_up(running: Running) -> None:
    """Yesterday's poll, asked for half a minute before the daily time, reaches its 24 hours
    just before today's poll fires: today's goes first, and its post closes yesterday's,
    whose result line then follows in yesterday's thread."""
    running.sender.command("schedule 17:00 UTC daily")
    jobs, slack = running.runtime.jobs, running.slack
    running.clock.now = utc(2026, 11, 18, 16, 59, 30)
    poll_id, _ = post_and_answer(running, ["1", "2", "3"])
    running.clock.now = utc(2026, 11, 18, 17, 0)
    jobs.fire_due()  # the daily firing finds today's poll posted: tomorrow's is next
    running.clock.now = utc(2026, 11, 19, 17, 0, 1)  # the close's instant came first
    jobs.fire_due()
    running.settle()
    _yesterday, today, result = slack.calls_to("chat.postMessage")
    assert "actions" in str(today.params["blocks"]) and "thread_ts" not in today.params
    assert result.params["thread_ts"] == running.runtime.storage.get_poll(poll_id).message_ts
    assert result.params["text"].startswith(":tada: Wednesday 18 November: we delighted 6")
    assert result.at - today.at > 0
