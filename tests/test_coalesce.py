"""The Coalescer: bursts of requests become few refreshes, and the last one reads the final state.

No sleeps: tests synchronise with ``wait_idle`` and ``threading.Event``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterator

import pytest

from bot.coalesce import Coalescer

TIMEOUT = 10.0


class Recorder:
    """An action that records (key, version seen) each time it runs."""

    def __init__(self) -> None:
        self.version = 0
        self.runs: list[tuple[Hashable, int]] = []
        self.lock = threading.Lock()
        # Runs after the state was read and before the run is recorded; may block or raise.
        self.before: Callable[[Hashable], None] | None = None

    def __call__(self, key: Hashable) -> None:
        seen = self.version  # read the "state" first, as a refresh does
        if self.before is not None:
            self.before(key)
        with self.lock:
            self.runs.append((key, seen))

    def keys(self) -> list[Hashable]:
        with self.lock:
            return [key for key, _ in self.runs]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(params=[1, 4], ids=["1-worker", "4-workers"])
def make(recorder: Recorder, request: pytest.FixtureRequest) -> Iterator[Callable[..., Coalescer]]:
    made: list[Coalescer] = []

    def build(
        min_interval: float = 0.05, action: Callable[[Hashable], None] = recorder
    ) -> Coalescer:
        coalescer = Coalescer(action, min_interval=min_interval, workers=request.param)
        made.append(coalescer)
        return coalescer

    yield build
    for coalescer in made:
        coalescer.close(TIMEOUT)


def test_burst_for_one_key_coalesces_and_last_run_sees_final_state(
    make: Callable[..., Coalescer], recorder: Recorder
) -> None:
    coalescer = make()
    for _ in range(200):
        recorder.version += 1
        coalescer.request("poll-1")
    assert coalescer.wait_idle(TIMEOUT)
    assert 1 <= len(recorder.runs) < 20
    assert recorder.runs[-1] == ("poll-1", 200)
    assert set(recorder.keys()) == {"poll-1"}


def test_request_while_running_schedules_another_run(
    make: Callable[..., Coalescer], recorder: Recorder
) -> None:
    started, release = threading.Event(), threading.Event()

    def block_first_run(key: Hashable) -> None:
        if not started.is_set():
            started.set()
            assert release.wait(TIMEOUT)

    recorder.before = block_first_run
    coalescer = make()
    coalescer.request("k")
    assert started.wait(TIMEOUT)
    # The first run has read version 0 and is still running; these changes arrive while it
    # runs, so exactly one more run must follow and read the final version.
    for _ in range(50):
        recorder.version += 1
        coalescer.request("k")
    release.set()
    assert coalescer.wait_idle(TIMEOUT)
    assert recorder.runs == [("k", 0), ("k", 50)]


def test_wait_idle_is_false_while_an_action_is_stuck(make: Callable[..., Coalescer]) -> None:
    started, release = threading.Event(), threading.Event()

    def stuck(key: Hashable) -> None:
        started.set()
        release.wait(TIMEOUT)

    coalescer = make(action=stuck)
    coalescer.request("k")
    assert started.wait(TIMEOUT)
    assert coalescer.wait_idle(0.01) is False
    release.set()
    assert coalescer.wait_idle(TIMEOUT) is True


def test_a_stuck_key_holds_up_no_other_and_never_runs_twice_at_once() -> None:
    started, release = threading.Event(), threading.Event()
    running: set[Hashable] = set()
    overlaps: list[Hashable] = []
    done: list[Hashable] = []
    lock = threading.Lock()

    def action(key: Hashable) -> None:
        with lock:
            if key in running:
                overlaps.append(key)
            running.add(key)
        if key == "slow":
            started.set()
            release.wait(TIMEOUT)
        with lock:
            running.discard(key)
            done.append(key)

    coalescer = Coalescer(action, min_interval=0.0, workers=4)
    try:
        coalescer.request("slow")
        assert started.wait(TIMEOUT)
        for _ in range(5):
            coalescer.request("slow")  # due at once, but "slow" is still running
            coalescer.request("fast")
        deadline = threading.Event()
        for _ in range(500):
            with lock:
                if "fast" in done:
                    break
            deadline.wait(0.01)
        with lock:
            assert "fast" in done and "slow" not in done
        release.set()
        assert coalescer.wait_idle(TIMEOUT)
        assert overlaps == []
        assert done.count("slow") == 2  # the first run, then one for all the requests during it
    finally:
        release.set()
        coalescer.close(TIMEOUT)


def test_wait_idle_with_nothing_to_do(make: Callable[..., Coalescer]) -> None:
    assert make().wait_idle(TIMEOUT) is True


def test_each_key_is_refreshed(make: Callable[..., Coalescer], recorder: Recorder) -> None:
    coalescer = make()
    keys = [f"poll-{n}" for n in range(20)]
    for _ in range(10):
        recorder.version += 1
        for key in keys:
            coalescer.request(key)
    assert coalescer.wait_idle(TIMEOUT)
    assert set(recorder.keys()) == set(keys)
    last_seen = {key: seen for key, seen in recorder.runs}
    assert last_seen == dict.fromkeys(keys, 10)
    assert len(recorder.runs) < 10 * len(keys)


def test_failing_action_does_not_kill_the_worker(
    make: Callable[..., Coalescer], recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    def fail_on_bad(key: Hashable) -> None:
        if key == "bad":
            raise RuntimeError("boom")

    recorder.before = fail_on_bad
    coalescer = make()
    with caplog.at_level(logging.ERROR, logger="bot.coalesce"):
        coalescer.request("bad")
        assert coalescer.wait_idle(TIMEOUT)
    assert [r.getMessage() for r in caplog.records] == ["refresh failed"]
    assert caplog.records[0].exc_info is not None
    coalescer.request("good")
    coalescer.request("bad")
    coalescer.request("other")
    assert coalescer.wait_idle(TIMEOUT)
    assert sorted(recorder.keys()) == ["good", "other"]


def test_close_runs_pending_work_without_waiting_out_the_interval(
    recorder: Recorder,
) -> None:
    # An hour between runs: without close() forcing it, the second run would never happen here.
    coalescer = Coalescer(recorder, min_interval=3600)
    coalescer.request("k")
    assert coalescer.wait_idle(TIMEOUT)
    recorder.version = 2
    coalescer.request("k")
    coalescer.request("j")
    coalescer.close(TIMEOUT)
    assert sorted(recorder.runs, key=str) == [("j", 2), ("k", 0), ("k", 2)]
    assert recorder.runs[0] == ("k", 0)


def test_requests_after_close_are_ignored(recorder: Recorder) -> None:
    coalescer = Coalescer(recorder, min_interval=0.05)
    coalescer.close(TIMEOUT)
    coalescer.request("k")
    assert coalescer.wait_idle(TIMEOUT)
    assert recorder.runs == []


def test_close_twice_is_harmless(recorder: Recorder) -> None:
    coalescer = Coalescer(recorder, min_interval=0.05)
    coalescer.request("k")
    coalescer.close(TIMEOUT)
    coalescer.close(TIMEOUT)
    assert recorder.runs == [("k", 0)]


def test_fake_clock_spaces_runs_by_min_interval(recorder: Recorder) -> None:
    """With an injected clock, a key that just ran is next due ``min_interval`` later."""
    now = [100.0]
    coalescer = Coalescer(recorder, min_interval=5.0, clock=lambda: now[0])
    try:
        coalescer.request("k")
        assert coalescer.wait_idle(TIMEOUT)
        coalescer.request("k")
        # Due at 105 on the fake clock; the worker waits on real time, so it is not due yet.
        assert coalescer.wait_idle(0.05) is False
        assert recorder.keys() == ["k"]
    finally:
        now[0] = 200.0
        coalescer.close(TIMEOUT)
    assert recorder.keys() == ["k", "k"]
