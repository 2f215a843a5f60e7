"""Per-token request spacing that keeps VK's "N requests per second" limit (error 6) from ever firing.

Design: GCRA with burst 1, i.e. grants at least `interval = (1 + slack) / rps` apart. A bucket with capacity
= rps would let ~2×rps through in one second (capacity plus refill); spacing cannot, since any 1-second window
holds at most ceil(1/interval) grants. The slack absorbs the jitter between our grant and VK's arrival
timestamp: VK counts `rps` arrivals per second, so grant i and grant i+rps are `1 + slack` seconds apart and
any arrival jitter below `slack` is harmless — at every rate. (A fixed per-request margin would instead cost
a 20-rps community token 20× the slack of a 3-rps user token.)

Two steps per `acquire()`:
1. Under the lock, reserve the next free slot (`max(now, last slot) + interval`) — this queues callers in
   order without a thundering herd — and sleep until it *outside* the lock.
2. On waking, re-check under the lock that the previous *actual* grant is at least `interval` ago. A thread
   that woke late would otherwise sit closer to the next one than the reservation assumed; the re-check
   makes the spacing hold for real grant times, not just planned ones.
A cancelled waiter gives up its slot silently; the slot then stays empty (conservative, never too fast).

The slack adapts: when VK still answers error 6 on a token, the jitter on that path (a loaded machine, a
slow proxy) is larger than the slack, so `widen()` adds `WIDEN_STEP` to that token's slack, up to
`MAX_SLACK`. A steady sync thus pays at most one cool-down per step instead of one every few seconds.
"""

from __future__ import annotations

import threading

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
        self.slack = slack
        self.interval = (1.0 + slack) / rps
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._next_slot = float("-inf")
        self._last_grant = float("-inf")

    def widen(self) -> None:
        """VK counted too many requests although our grants were spaced: widen this token's spacing."""
        with self._lock:
            self.slack = min(self.slack + WIDEN_STEP, max(MAX_SLACK, self.slack))
            self.interval = (1.0 + self.slack) / self.rps

    def next_free(self) -> float:
        """When (clock time) a caller arriving now would be granted at the earliest: -inf if at once."""
        with self._lock:
            return max(self._next_slot, self._last_grant + self.interval)

    def acquire(self, cancel: threading.Event | None = None) -> None:
        """Block until this caller may send one request; raises `Cancelled` if `cancel` is set meanwhile."""
        with self._lock:
            now = self._clock.now()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        wait = slot - now
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("cancelled while waiting for the rate limit")
            if wait > 0 and self._clock.wait(cancel, wait):
                raise Cancelled("cancelled while waiting for the rate limit")
            with self._lock:
                now = self._clock.now()
                wait = self._last_grant + self.interval - now
                if wait <= 0:
                    self._last_grant = now
                    self._next_slot = max(self._next_slot, now + self.interval)
                    return
