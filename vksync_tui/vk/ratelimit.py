"""Per-token request limiting that keeps VK's "N requests per second" limit (error 6) from ever firing.

Design: an exact sliding-window log. A token may be granted `capacity` (= its rps, rounded down, at least 1)
requests in any window of `window = (1 + slack) × capacity / rps` seconds (1.1 s for 3 or 20 rps) — which
is VK's own rule (it counts arrivals per token in a sliding second, as the emulator does) with a margin.
Why not a bucket with capacity = rps: capacity plus refill lets ~2×rps through in one second. Why not plain
spacing (grants 1.1/rps apart): it holds the same long-run rate but makes every short job wait a spacing per
request — a posts pass of 20 requests on 5 user tokens, or the few probes before any sync, paid up to 0.73 s
of waiting a token's first window never needed. Bursts of `rps` at once are what VK clients do (vksdk's
limiter sends `Limit` requests, then sleeps out the second). The slack absorbs the jitter between our grant
and VK's arrival stamp: grant i and grant i + rps are `window` apart, so any arrival jitter below the slack
is harmless — at every rate. (A fixed per-request margin would instead cost a 20-rps community token 20×
the slack of a 3-rps user token.)

Two steps per `acquire()`:
1. Under the lock, reserve the next free slot (the moment the reservation `capacity` places back leaves the
   window, or now) — this queues callers in order without a thundering herd — and sleep until it *outside*
   the lock.
2. On waking, re-check under the lock against the *actual* grants: a thread that woke late would otherwise
   sit closer to the next one than the reservation assumed; the re-check makes the window hold for real
   grant times, not just planned ones.
A cancelled waiter gives up its slot silently; the slot then stays empty (conservative, never too fast).

The slack adapts: when VK still answers error 6 on a token, the jitter on that path (a loaded machine, a
slow proxy) is larger than the slack, so `widen()` adds `WIDEN_STEP` to that token's slack, up to
`MAX_SLACK`. A steady sync thus pays at most one cool-down per step instead of one every few seconds.
"""

from __future__ import annotations

import threading
from collections import deque

from vksync_tui.vk.clock import Clock, SystemClock
from vksync_tui.vk.errors import Cancelled

DEFAULT_SLACK = 0.10  # 1.1 s per rps-window: the margin VK clients settled on (1100/3 ms, notes §6)
WIDEN_STEP = 0.02
MAX_SLACK = 0.20


class RateLimiter:
    def __init__(self, rps: float, clock: Clock | None = None, *, slack: float = DEFAULT_SLACK) -> None:
        if rps <= 0:
            raise ValueError(f"rps must be positive, got {rps}")
        self.rps = rps
        self.capacity = max(1, int(rps))
        self.slack = slack
        self.window = (1.0 + slack) * self.capacity / rps
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._reserved: deque[float] = deque(maxlen=self.capacity)  # the last `capacity` planned slots
        self._granted: deque[float] = deque(maxlen=self.capacity)  # the last `capacity` actual grants

    def widen(self) -> None:
        """VK counted too many requests although our grants were spaced: widen this token's window."""
        with self._lock:
            self.slack = min(self.slack + WIDEN_STEP, max(MAX_SLACK, self.slack))
            self.window = (1.0 + self.slack) * self.capacity / self.rps

    def recent_grants(self) -> list[float]:
        """The last `capacity` grants (clock time), oldest first: what VK still counts of this token."""
        with self._lock:
            return list(self._granted)

    def remember(self, grants: list[float]) -> None:
        """Take grants made before this limiter existed (another process, clock time) into its window."""
        with self._lock:
            for moment in sorted(grants)[-self.capacity:]:
                if not self._granted or moment >= self._granted[-1]:
                    self._granted.append(moment)
                    self._reserved.append(moment)

    def next_free(self) -> float:
        """When (clock time) a caller arriving now would be granted at the earliest: -inf if at once."""
        with self._lock:
            return max(self._leaves_window(self._reserved), self._leaves_window(self._granted))

    def _leaves_window(self, moments: deque[float]) -> float:
        """When the oldest of a full log of `capacity` moments stops counting; -inf while the log has room."""
        return moments[0] + self.window if len(moments) == self.capacity else float("-inf")

    def acquire(self, cancel: threading.Event | None = None) -> None:
        """Block until this caller may send one request; raises `Cancelled` if `cancel` is set meanwhile."""
        with self._lock:
            now = self._clock.now()
            latest = self._reserved[-1] if self._reserved else now
            slot = max(now, latest, self._leaves_window(self._reserved))
            self._reserved.append(slot)
        wait = slot - now
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("cancelled while waiting for the rate limit")
            if wait > 0 and self._clock.wait(cancel, wait):
                raise Cancelled("cancelled while waiting for the rate limit")
            with self._lock:
                now = self._clock.now()
                wait = self._leaves_window(self._granted) - now
                if wait <= 0:
                    self._granted.append(now)
                    return
