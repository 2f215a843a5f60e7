"""Per-token request limits of the emulated VK API: per-second windows (error 6) and daily quotas (error 29).

VK counts requests per token in a sliding one-second window: 3 for a user token, 20 for a community token.
A request over the limit is answered with error 6 and is *not* counted, so a client that backs off correctly
regains the full window one second after its oldest accepted request. One `execute` is one request here, while
each of its inner calls is charged separately against the per-method daily quotas (as VK does, see the notes
on vk_api#411).

The service-token rate is configurable and defaults to 3: VK's own documentation contradicts itself (old
pages and vksdk say a service key is limited like a user key, 3 rps; another copy scales it from 5 to 60 rps
with the app's audience). The strict reading is the safe default: a client tuned against 3 rps never trips
the real API, while one tuned against 60 would.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Mapping

from vksync_tui.clock import Clock

WINDOW_SECONDS = 1.0
_KEEP_SECONDS = 2 * WINDOW_SECONDS  # stamps kept: a late-handled request still sees its whole window
QUOTA_PERIOD_SECONDS = 86_400.0
DEFAULT_RPS: Mapping[str, int] = {"user": 3, "group": 20, "service": 3}



def busiest_second_with(stamps: list[float], at: float) -> int:
    """The most stamps any one-second window holding `at` would hold with `at` added to the ascending
    `stamps` (which forgets stamps too old to matter, so it stays short).

    Requests are handled by parallel threads, so one that arrived earlier may be counted after one that
    arrived later: the windows holding `at` are the one ending at it and those ending at later stamps less
    than a second after it.
    """
    if stamps and stamps[0] <= at - _KEEP_SECONDS:
        del stamps[:bisect_right(stamps, at - _KEEP_SECONDS)]
    end = bisect_right(stamps, at)
    busiest = end - bisect_right(stamps, at - WINDOW_SECONDS, 0, end)
    for index in range(end, bisect_left(stamps, at + WINDOW_SECONDS)):
        later = stamps[index]
        busiest = max(busiest, index + 1 - bisect_right(stamps, later - WINDOW_SECONDS, 0, index + 1))
    return busiest + 1


class RateLimits:
    """Thread-safe per-token sliding windows and per-(token, method) daily quotas."""

    def __init__(
        self,
        clock: Clock,
        *,
        rps: Mapping[str, int] | None = None,
        daily_quotas: Mapping[str, int] | None = None,
    ) -> None:
        self._clock = clock
        self._rps = {**DEFAULT_RPS, **(rps or {})}
        self._daily_quotas = dict(daily_quotas or {})
        self._windows: dict[str, list[float]] = {}  # accepted arrival stamps per token, ascending
        self._quota_use: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def rps_for(self, kind: str) -> int:
        return self._rps[kind]

    def admit(self, token: str, kind: str, arrived: float | None = None) -> bool:
        """Count a request in the token's one-second window; False (not counted) when the window is full.

        `arrived` is when the request reached the front (the server stamps it as its first bytes come in);
        default: now. A request is admitted only if no one-second window holding its arrival would then hold
        more than the limit (see `busiest_second_with`).
        """
        with self._lock:
            at = self._clock.now() if arrived is None else arrived
            stamps = self._windows.setdefault(token, [])
            if busiest_second_with(stamps, at) > self._rps[kind]:
                return False
            insort(stamps, at)
            return True

    def charge_daily(self, token: str, method: str) -> bool:
        """Count one call of `method` against its daily quota; False (not counted) when the quota is spent.

        The day is a fixed 24 h period starting at the token's first call of that method, which is what a
        client observes of VK's quota (it lifts some hours after it was hit, never at a predictable moment).
        """
        quota = self._daily_quotas.get(method)
        if quota is None:
            return True
        with self._lock:
            now = self._clock.now()
            started, used = self._quota_use.get((token, method), (now, 0))
            if now - started >= QUOTA_PERIOD_SECONDS:
                started, used = now, 0
            if used >= quota:
                return False
            self._quota_use[(token, method)] = (started, used + 1)
            return True
