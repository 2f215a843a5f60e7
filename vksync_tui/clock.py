"""Clocks for everything that waits: the rate limiter, token cool-downs, retry pauses, the emulator's windows.

Time-dependent code takes a `Clock` so tests can drive time instead of sleeping. The client and the emulator
share this one protocol (it sits outside both, so the emulator still imports nothing of the client).
Three implementations:

- `SystemClock`: monotonic time, real sleeps, cancellable waits (production).
- `ManualClock`: single-threaded tests; `sleep()` just moves time forward.
- `VirtualClock`: multi-threaded tests. It is a tiny discrete-event scheduler: time stands still while any
  participating thread is running and jumps to the earliest wake-up only when every participant is asleep.
  So N threads hammering a limiter see exactly the interleaving the timestamps dictate, never wall-clock
  flakiness.

Calendar questions (which day a request counts for, whether a token has expired) are a different clock: a
`WallClock` returns Unix seconds (`time.time` in production), because a monotonic scale knows no dates.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

WallClock = Callable[[], float]
"""Unix seconds now; injected where the calendar matters (token expiry, daily counts)."""


class Clock(Protocol):
    """Monotonic time plus the two ways to wait on it."""

    def now(self) -> float:
        """Seconds on a monotonic scale (only differences matter)."""
        ...

    def sleep(self, seconds: float) -> None: ...

    def wait(self, event: threading.Event | None, seconds: float) -> bool:
        """Sleep up to `seconds`, returning True early as soon as `event` is set (cancellation)."""
        ...


class SystemClock:
    """Monotonic time with real sleeps: immune to clock adjustments, which matter for one-second windows."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def wait(self, event: threading.Event | None, seconds: float) -> bool:
        if event is None:
            self.sleep(seconds)
            return False
        return event.wait(max(seconds, 0.0))


class ManualClock:
    """Time moves only when someone sleeps or calls `advance()`; for single-threaded tests."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(seconds, 0.0)

    def advance_to(self, instant: float) -> None:
        """Move time to `instant` exactly (never back): for tests that name the moments they mean."""
        with self._lock:
            self._now = max(self._now, instant)

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def wait(self, event: threading.Event | None, seconds: float) -> bool:
        if event is not None and event.is_set():
            return True
        self.advance(seconds)
        return event is not None and event.is_set()


class VirtualClock:
    """Deterministic time for several threads (see the module docstring).

    Threads started through `run()` are participants. A thread that sleeps without being a participant joins
    for the duration of its sleep, so a plain single-threaded test works too. `call_at()` schedules a callback
    (e.g. `cancel.set`) at a virtual instant; it runs on whichever thread advances time past that instant.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._cond = threading.Condition()
        self._now = start
        self._participants = 0
        self._sleepers: dict[int, tuple[float, threading.Event | None]] = {}
        self._callbacks: list[tuple[float, int, Callable[[], None]]] = []
        self._ids = itertools.count()
        self._local = threading.local()

    def now(self) -> float:
        with self._cond:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.wait(None, seconds)

    def wait(self, event: threading.Event | None, seconds: float) -> bool:
        joined = not getattr(self._local, "participant", False)
        with self._cond:
            if event is not None and event.is_set():
                return True
            if joined:
                self._participants += 1
            sleeper = next(self._ids)
            wake_at = self._now + max(seconds, 0.0)
            self._sleepers[sleeper] = (wake_at, event)
            try:
                self._advance_if_all_asleep()
                while not self._is_due(wake_at, event):
                    self._cond.wait()
            finally:
                del self._sleepers[sleeper]
                if joined:
                    self._participants -= 1
                    self._advance_if_all_asleep()
            return event is not None and event.is_set()

    def call_at(self, when: float, callback: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._callbacks, (when, next(self._ids), callback))

    def run(self, targets: Iterable[Callable[[], None]]) -> None:
        """Run each target in its own participant thread, wait for all, re-raise the first failure."""
        failures: list[BaseException] = []

        def participate(target: Callable[[], None]) -> None:
            self._local.participant = True
            try:
                target()
            except BaseException as exc:
                failures.append(exc)
            finally:
                with self._cond:
                    self._participants -= 1
                    self._advance_if_all_asleep()

        targets = list(targets)
        with self._cond:
            self._participants += len(targets)
        threads = [threading.Thread(target=participate, args=(target,), daemon=True) for target in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]

    def _is_due(self, wake_at: float, event: threading.Event | None) -> bool:
        return self._now >= wake_at or (event is not None and event.is_set())

    def _advance_if_all_asleep(self) -> None:
        """With the condition held: if nobody is running, jump to the next instant something happens."""
        while self._sleepers and len(self._sleepers) >= self._participants:
            if any(self._is_due(wake_at, event) for wake_at, event in self._sleepers.values()):
                break
            next_wake = min(wake_at for wake_at, _ in self._sleepers.values())
            if self._callbacks and self._callbacks[0][0] <= next_wake:
                when, _, callback = heapq.heappop(self._callbacks)
                self._now = max(self._now, when)
                callback()
            else:
                self._now = next_wake
        self._cond.notify_all()
