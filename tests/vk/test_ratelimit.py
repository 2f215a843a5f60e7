"""RateLimiter precision under many threads, driven by a virtual clock (no real sleeping)."""

from __future__ import annotations

import random
import threading

import pytest

from vksync_tui.clock import ManualClock, VirtualClock
from vksync_tui.vk.errors import Cancelled
from vksync_tui.vk.ratelimit import RateLimiter


def max_in_any_window(times: list[float], window: float = 1.0) -> int:
    """Most grants inside any half-open window [t, t + window): what VK's sliding window sees."""
    ordered = sorted(times)
    best, left = 0, 0
    for right, moment in enumerate(ordered):
        while moment - ordered[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best


def hammer(limiter: RateLimiter, clock: VirtualClock, threads: int, seconds: float,
           work: tuple[float, float] | None = None, seed: int = 7) -> list[float]:
    grants: list[float] = []
    lock = threading.Lock()
    rng = random.Random(seed)
    pauses = [[rng.uniform(*work) if work else 0.0 for _ in range(200)] for _ in range(threads)]

    def worker(index: int) -> None:
        for pause in pauses[index]:
            limiter.acquire()
            now = clock.now()
            if now >= seconds:
                return
            with lock:
                grants.append(now)
            if pause:
                clock.sleep(pause)  # the request's latency: the thread is busy, others keep going

    clock.run([lambda index=index: worker(index) for index in range(threads)])
    return grants


@pytest.mark.parametrize("threads", [1, 2, 8, 16])
def test_threads_on_one_3rps_token_never_exceed_3_in_any_second(threads: int) -> None:
    clock = VirtualClock()
    grants = hammer(RateLimiter(3, clock), clock, threads, seconds=3.0)
    assert max_in_any_window(grants) == 3
    assert len(grants) == 9  # the limit is used fully: 3 s × 3 rps


def test_precision_holds_with_random_request_latency() -> None:
    clock = VirtualClock()
    grants = hammer(RateLimiter(3, clock), clock, threads=6, seconds=20.0, work=(0.05, 1.5))
    assert max_in_any_window(grants) <= 3
    assert len(grants) >= 55  # ~2.9 rps sustained: latency does not waste the budget with 6 workers


def test_group_rate_20rps() -> None:
    clock = VirtualClock()
    grants = hammer(RateLimiter(20, clock), clock, threads=12, seconds=5.0, work=(0.0, 0.3))
    assert max_in_any_window(grants) <= 20
    assert len(grants) >= 80


def back_to_back(rps: float, slack: float, count: int) -> list[float]:
    """The grant times of `count` acquires made one right after the other on a fresh limiter."""
    clock = ManualClock()
    limiter = RateLimiter(rps, clock, slack=slack)
    grants = []
    for _ in range(count):
        limiter.acquire()
        grants.append(clock.now())
    return grants


def test_a_burst_of_rps_then_the_window_with_slack() -> None:
    assert back_to_back(3, 0.03, 7) == pytest.approx([0.0, 0.0, 0.0, 1.03, 1.03, 1.03, 2.06])


def test_the_window_slides_from_each_grant_not_from_a_fixed_second() -> None:
    clock = ManualClock()
    limiter = RateLimiter(3, clock, slack=0.0)
    grants = []
    for moment in (0.0, 0.4, 0.8, 0.9, 1.2):
        clock.advance(max(0.0, moment - clock.now()))
        limiter.acquire()
        grants.append(clock.now())
    # the 4th waits for the 1st to leave its window (1.0), the 5th for the 2nd (1.4)
    assert grants == pytest.approx([0.0, 0.4, 0.8, 1.0, 1.4])


def test_fractional_rps_spaces_single_grants() -> None:
    assert back_to_back(0.5, 0.1, 3) == pytest.approx([0.0, 2.2, 4.4])


def test_next_free_tells_when_a_full_window_opens() -> None:
    clock = ManualClock()
    limiter = RateLimiter(3, clock, slack=0.1)
    assert limiter.next_free() == float("-inf")
    for _ in range(3):
        limiter.acquire()
    assert limiter.next_free() == pytest.approx(1.1)
    limiter.widen()
    assert limiter.next_free() == pytest.approx(1.12)


@pytest.mark.parametrize("rps", [3, 20, 60])
def test_rps_grants_span_one_second_plus_slack_at_every_rate(rps: int) -> None:
    grants = back_to_back(rps, 0.03, rps + 1)
    assert grants[rps] - grants[0] == pytest.approx(1.03)


def test_idle_token_grants_immediately() -> None:
    clock = ManualClock()
    limiter = RateLimiter(3, clock)
    limiter.acquire()
    clock.advance(5)
    limiter.acquire()
    assert clock.now() == 5


def test_cancel_wakes_a_waiting_thread_early() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(0.5, clock)  # 2 s apart
    cancel = threading.Event()
    outcome: dict[str, float] = {}

    def first() -> None:
        limiter.acquire(cancel)

    def second() -> None:
        clock.sleep(0.1)
        try:
            limiter.acquire(cancel)
        except Cancelled:
            outcome["cancelled_at"] = clock.now()

    clock.call_at(0.5, cancel.set)
    clock.run([first, second])
    assert outcome == {"cancelled_at": 0.5}


def test_already_cancelled_raises_without_waiting() -> None:
    clock = ManualClock()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        RateLimiter(3, clock).acquire(cancel)
    assert clock.now() == 0


def test_rps_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
