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

Two steps per request:
1. Under this limiter's lock, reserve the next free slot (the moment the reservation `capacity` places back
   leaves the window, or now) — this queues this process's callers in order without a thundering herd — and
   sleep until it *outside* the lock.
2. Ask the token's `RateBudget` (`vk/budget.py`), which every limiter, thread and process of the token
   shares, for a grant: it counts the *actual* requests, this process's and others', and says how long to
   wait when the window is full. A thread that woke late, or another process's requests, are thus never
   crowded; the reservation only orders this process's callers.
A cancelled waiter gives up its slot silently; the slot then stays empty (conservative, never too fast).

`sending()` is how the pool sends: the grant stays *in flight* until the client says the request's bytes
have left, so a request that waited after its grant (a busy interpreter, a new connection) is counted from
when VK can see it, not from when it was allowed.

The slack adapts: when VK still answers error 6 on a token, the jitter on that path (a loaded machine, a
slow proxy) is larger than the slack, so `widen()` adds `WIDEN_STEP` to that token's slack, up to
`MAX_SLACK`. A steady sync thus pays at most one cool-down per step instead of one every few seconds.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable, Iterator

from vksync_tui.clock import Clock, SystemClock
from vksync_tui.vk.budget import Grant, MemoryRateBudget, RateBudget
from vksync_tui.vk.errors import Cancelled

DEFAULT_SLACK = 0.10  # 1.1 s per rps-window: the margin VK clients settled on (1100/3 ms)
WIDEN_STEP = 0.02
MAX_SLACK = 0.20


class RateLimiter:
    """One token's pace: `capacity` requests in any `window`, counted in the token's shared budget.

    `budget` and `key` name the token's record (default: a budget of its own, for a limiter used alone).
    """

    def __init__(self, rps: float, clock: Clock | None = None, *, slack: float = DEFAULT_SLACK,
                 budget: RateBudget | None = None, key: str = "token") -> None:
        if rps <= 0:
            raise ValueError(f"rps must be positive, got {rps}")
        self.rps = rps
        self.capacity = max(1, int(rps))
        self.slack = slack
        self.window = (1.0 + slack) * self.capacity / rps
        self.key = key
        self._clock = clock or SystemClock()
        self._budget = budget if budget is not None else MemoryRateBudget(self._clock)
        self._lock = threading.Lock()
        self._reserved: deque[float] = deque(maxlen=self.capacity)  # the last `capacity` planned slots

    def widen(self) -> None:
        """VK counted too many requests although our grants were spaced: widen this token's window."""
        with self._lock:
            self.slack = min(self.slack + WIDEN_STEP, max(MAX_SLACK, self.slack))
            self.window = (1.0 + self.slack) * self.capacity / self.rps

    def next_free(self) -> float:
        """When (clock time) a caller arriving now would be granted at the earliest: -inf if at once."""
        with self._lock:
            now = self._clock.now()
            reserved = self._leaves_window(self._reserved)
        shared = self._budget.wait_hint(self.key, self.capacity, self.window)
        return max(reserved, now + shared) if shared > 0 or reserved > now else float("-inf")

    def _leaves_window(self, moments: deque[float]) -> float:
        """When the oldest of a full log of `capacity` moments stops counting; -inf while the log has room."""
        return moments[0] + self.window if len(moments) == self.capacity else float("-inf")

    def acquire(self, cancel: threading.Event | None = None) -> None:
        """Block until this caller may send one request, counted as sent at once; raises `Cancelled` if
        `cancel` is set meanwhile."""
        self._take_turn(cancel)
        self._grant(cancel, in_flight=False)

    @contextlib.contextmanager
    def sending(self, cancel: threading.Event | None = None) -> Iterator[Callable[[], None]]:
        """Block until this caller may send one request, then yield `mark_sent`, to be called when the
        request's bytes have left; if it was not called, leaving the block marks the request sent then."""
        self._take_turn(cancel)
        grant = self._grant(cancel, in_flight=True)
        marked = False

        def mark_sent() -> None:
            nonlocal marked
            if not marked:
                marked = True
                self._budget.sent(grant)

        try:
            yield mark_sent
        finally:
            mark_sent()

    def _take_turn(self, cancel: threading.Event | None) -> None:
        """Step 1: this process's callers in order, `capacity` per window."""
        with self._lock:
            now = self._clock.now()
            latest = self._reserved[-1] if self._reserved else now
            slot = max(now, latest, self._leaves_window(self._reserved))
            self._reserved.append(slot)
        if cancel is not None and cancel.is_set():
            raise Cancelled("cancelled while waiting for the rate limit")
        if slot > now and self._clock.wait(cancel, slot - now):
            raise Cancelled("cancelled while waiting for the rate limit")

    def _grant(self, cancel: threading.Event | None, *, in_flight: bool) -> Grant:
        """Step 2: the token's shared budget decides, counting every request of the token."""
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("cancelled while waiting for the rate limit")
            outcome = self._budget.try_grant(self.key, self.capacity, self.window, in_flight=in_flight)
            if isinstance(outcome, Grant):
                return outcome
            if self._clock.wait(cancel, outcome):
                raise Cancelled("cancelled while waiting for the rate limit")
