"""The posting pace: slots within Slack's per-channel and workspace limits (pure logic)."""

from __future__ import annotations

import threading

import pytest

from bot.domain.pacing import Pacer
from tests.conftest import Ticker


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


def test_posts_in_one_channel_are_a_second_apart(ticker: Ticker) -> None:
    pacer = Pacer(rate=100, burst=100, monotonic=ticker)
    assert [pacer.reserve("T", "C1") for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacer.reserve("T", "C2") == 0.0  # another channel is not held up
    ticker.now += 1.5
    assert pacer.reserve("T", "C1") == pytest.approx(1.5)  # slot 3 s after the first


def test_a_workspace_bursts_then_keeps_its_rate(ticker: Ticker) -> None:
    pacer = Pacer(rate=10, burst=5, monotonic=ticker)
    delays = [pacer.reserve("T", f"C{n}") for n in range(8)]
    assert delays == pytest.approx([0, 0, 0, 0, 0, 0.1, 0.2, 0.3])
    ticker.now += 10  # a quiet spell refills the burst
    assert [pacer.reserve("T", f"D{n}") for n in range(5)] == [0.0] * 5


def test_workspaces_do_not_share_a_limit(ticker: Ticker) -> None:
    pacer = Pacer(rate=1, burst=1, monotonic=ticker)
    assert pacer.reserve("T1", "C") == 0.0
    assert pacer.reserve("T1", "D") == pytest.approx(1.0)
    assert pacer.reserve("T2", "C") == 0.0


def test_a_post_waits_for_both_its_channel_and_its_workspace(ticker: Ticker) -> None:
    pacer = Pacer(rate=2, burst=1, monotonic=ticker)
    assert pacer.reserve("T", "C") == 0.0
    assert pacer.reserve("T", "D") == pytest.approx(0.5)  # the workspace's pace
    assert pacer.reserve("T", "C") == pytest.approx(1.0)  # the channel's second
    assert pacer.reserve("T", "E") == pytest.approx(1.5)  # after every slot given before


def test_no_slot_is_given_twice_across_threads() -> None:
    ticker = Ticker()
    pacer = Pacer(rate=1000, burst=1, channel_interval=0, monotonic=ticker)
    slots: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(200):
            slot = pacer.reserve("T", "C")
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(s * 1000) for s in slots) == list(range(1600))


def test_forgotten_channels_are_free_again(ticker: Ticker) -> None:
    pacer = Pacer(rate=10_000, burst=10_000, monotonic=ticker)
    for n in range(2048):
        pacer.reserve("T", f"C{n}")
    ticker.now += 5
    pacer.reserve("T", "X")  # pruning happens every 1,024 reservations
    for n in range(1023):
        pacer.reserve("T", f"Y{n}")
    assert pacer.reserve("T", "C0") == 0.0
    assert len(pacer._channel_next) < 2048


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_nonsense_limits_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        Pacer(rate=rate, burst=burst)


@pytest.mark.parametrize("seed", range(5))
def test_every_slot_sequence_passes_slacks_limits(ticker: Ticker, seed: int) -> None:
    """Random posts across channels and workspaces, replayed in time order through the same
    limits the fake Slack enforces: none would be refused."""
    import random

    from tests.fake_slack import Limit

    rng = random.Random(seed)
    pacer = Pacer(rate=20, burst=5, monotonic=ticker)
    sends: list[tuple[float, str, str]] = []
    for _ in range(600):
        ticker.now += rng.choice([0, 0, 0, 0.01, 0.2, 1.5])
        team, channel = rng.choice(["T1", "T2"]), rng.choice(["C1", "C2", "C3", "C4", "C5"])
        sends.append((ticker.now + pacer.reserve(team, channel), team, channel))
    limit = Limit(per_channel=1.0, rate=20, burst=5, slack=1e-9)
    refused = [s for s in sorted(sends) if limit.admit(s[1], s[2], s[0]) > 0]
    assert refused == []


def test_a_post_that_left_late_pushes_its_channels_next_slot(ticker: Ticker) -> None:
    pacer = Pacer(rate=100, burst=100, monotonic=ticker)
    assert pacer.reserve("T", "C") == 0.0
    ticker.now += 0.7  # the post waited for a free thread, then went out
    pacer.sent("T", "C")
    assert pacer.reserve("T", "C") == pytest.approx(1.0)  # not 0.3: a second after it left
    pacer.sent("T", "D")  # a post that reserved nothing still spaces the next one
    assert pacer.reserve("T", "D") == pytest.approx(1.0)


def test_a_big_workspace_does_not_hold_up_a_small_one(ticker: Ticker) -> None:
    """Limits are per workspace, and a job waits for its slot on the scheduler, not on a
    pool thread: a workspace far behind its pace never queues ahead of another one."""
    pacer = Pacer(rate=10, burst=1, monotonic=ticker)
    big = [pacer.reserve("TBIG", f"C{n}") for n in range(100)]
    small = [pacer.reserve("TSMALL", f"C{n}") for n in range(5)]
    assert big[-1] == pytest.approx(9.9)
    assert small == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])
