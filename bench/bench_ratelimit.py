"""Rate limiter precision with the real clock, then against the emulator's per-token window over real HTTP.

    .venv/bin/python bench/bench_ratelimit.py      # about 20 s

Part 1: 8 threads share 2 tokens (3 rps each) for 6 s; prints per token the grants, the achieved rate and the
most grants in any sliding 1-second window (VK's error-6 rule: must be ≤ 3).
Part 2: 8 worker threads call users.get through a TokenPool on the emulator (real loopback socket) for 6 s
with two user tokens; prints requests, error-6 answers from the emulator's sliding window, and requests/s.
Part 3: the cost of the home's shared budget per request (a grant in flight plus its sent-stamp: two locked
read-decide-writes of the token's file) at a community token's steady 20 rps (time is simulated, so the
record holds what it holds in a real sync), in one process and with two processes on one token's file.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from vksync_tui.clock import ManualClock, SystemClock
from vksync_tui.config import TokenEntry, Tuning
from vksync_tui.emulator.server import start_emulator
from vksync_tui.vk.budget import FileRateBudget, Grant, MemoryRateBudget
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.errors import VkError
from vksync_tui.vk.ratelimit import RateLimiter
from vksync_tui.vk.tokens import TokenPool

THREADS = 8
SECONDS = 6.0


def max_in_window(times: list[float], window: float = 1.0) -> int:
    ordered, best, left = sorted(times), 0, 0
    for right, moment in enumerate(ordered):
        while moment - ordered[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best


def run_threads(work: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=work, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def limiter_alone() -> None:
    clock = SystemClock()
    limiters = [RateLimiter(3, clock), RateLimiter(3, clock)]
    grants: list[list[float]] = [[], []]
    deadline = clock.now() + SECONDS

    def work(index: int) -> None:
        limiter, times = limiters[index % 2], grants[index % 2]
        while True:
            limiter.acquire()
            now = clock.now()
            if now >= deadline:
                return
            times.append(now)

    run_threads(work)
    for number, times in enumerate(grants):
        rate = (len(times) - 1) / (times[-1] - times[0])
        print(f"limiter token {number}: {len(times)} grants in {SECONDS:g} s, {rate:.2f}/s, "
              f"max in any 1 s window {max_in_window(times)} (limit 3)")


def against_emulator() -> None:
    with start_emulator(seed=1, members=1000) as emulator:
        users = [info for info in emulator.world.tokens if info.kind == "user"][:2]
        entries = [TokenEntry(info.label, info.token, "user") for info in users]
        pool = TokenPool(entries, Tuning(), budget=MemoryRateBudget())
        client = VkClient(emulator.url)
        outcomes: Counter[str] = Counter()
        lock = threading.Lock()
        deadline = time.monotonic() + SECONDS

        def work(index: int) -> None:
            while time.monotonic() < deadline:
                try:
                    pool.with_fallback(lambda token: token.call(client, "users.get", {"user_ids": 1}),
                                       pool.tokens, start=index)
                    outcome = "ok"
                except VkError as exc:
                    outcome = type(exc).__name__
                with lock:
                    outcomes[outcome] += 1

        started = time.monotonic()
        run_threads(work)
        elapsed = time.monotonic() - started
        errors_6 = sum(token.errors_by_code["6"] for token in pool.tokens)
        calls = sum(token.calls for token in pool.tokens)
        print(f"emulator: {calls} HTTP requests in {elapsed:.1f} s with 2 tokens "
              f"(nominal ceiling {pool.ceiling_rps(pool.tokens):g}/s, spacing 1/3 s + 10 ms); "
              f"error 6 answers: {errors_6}; outcomes {dict(outcomes)}")
        client.close()


BUDGET_REQUESTS = 20_000


def budget_round_trips(folder: str, requests: int) -> float:
    """Seconds per request: a grant in flight and its sent-stamp, one request every 1/20 s of simulated time
    (a process alone never waits; two processes each at 20 rps make the other wait, which costs nothing
    here but a refused try)."""
    clock = ManualClock(time.monotonic())
    budget = FileRateBudget(Path(folder), clock)
    started = time.process_time()  # CPU time: what the budget costs, whatever else runs on the machine
    for _ in range(requests):
        outcome = budget.try_grant("bench-token", 20, 1.1, in_flight=True)
        if isinstance(outcome, Grant):
            budget.sent(outcome)
        clock.advance(1 / 20)
    return (time.process_time() - started) / requests


def budget_cost() -> None:
    with tempfile.TemporaryDirectory() as folder:
        alone = budget_round_trips(folder, BUDGET_REQUESTS)
        with multiprocessing.get_context("spawn").Pool(2) as workers:
            contended = workers.starmap(budget_round_trips, [(folder, BUDGET_REQUESTS // 2)] * 2)
    print(f"shared budget: {alone * 1e6:.1f} µs CPU per request in one process; "
          f"{max(contended) * 1e6:.1f} µs with two processes on one token's file")


if __name__ == "__main__":
    limiter_alone()
    against_emulator()
    budget_cost()
