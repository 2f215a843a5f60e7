"""Request statistics of the VK emulator, served at `/_emu/stats` : what a client really did.

Shape of `snapshot()`: `{"requests", "by_method": {name: n}, "by_token": {label: {"requests", "by_method",
"requests_by_method", "errors_by_code", "max_rps"}}, "errors_by_code": {"<code>": n}, "inner_calls",
"oversized_pages"}`.

- `requests` counts every `/method/` HTTP request that arrived, whatever happened to it (rate-limited,
  faulted, unauthorised); `by_method` counts those requests under their method name **plus** every inner call
  of an `execute` under its own method name, so `by_method["execute"]` is the number of executes and
  `by_method["groups.getMembers"]` includes the calls made inside them; `inner_calls` totals the latter.
- `errors_by_code` counts error envelopes sent (including injected `errorN`/`captcha` faults) and inner-call
  errors reported in `execute_errors`. Transport faults (HTTP 500, reset, empty...) are not VK errors and are
  not counted there; `oversized_pages` counts the answers the `oversize_html` fault replaced with a page.
- `by_token` is keyed by token label and only holds known tokens. Its `requests_by_method` counts the
  requests that asked for a method, directly or in an `execute` script (each request once per method it
  names, whatever became of it: faulted, refused or answered): how often a client asked a token for it.
  Its `max_rps` is the largest number of
  requests that token sent within any one-second window, counting requests on *arrival* (accepted or
  rejected): it measures the client's pacing, which is what a rate-limit test wants, not what got through.
"""

from __future__ import annotations

import threading
from bisect import insort
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from vksync_tui.clock import Clock
from vksync_tui.emulator.limits import busiest_second_with


@dataclass
class _TokenStats:
    requests: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    requests_by_method: Counter[str] = field(default_factory=Counter)
    errors_by_code: Counter[str] = field(default_factory=Counter)
    max_rps: int = 0
    recent: list[float] = field(default_factory=list)  # arrival stamps, ascending

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_method": dict(self.by_method),
            "requests_by_method": dict(self.requests_by_method),
            "errors_by_code": dict(self.errors_by_code),
            "max_rps": self.max_rps,
        }


class EmulatorStats:
    """Thread-safe counters; `reset()` starts a fresh measurement without restarting the emulator."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._inner_calls = 0
            self._by_method: Counter[str] = Counter()
            self._errors_by_code: Counter[str] = Counter()
            self._by_token: dict[str, _TokenStats] = {}
            self._oversized_pages = 0

    def record_request(self, method: str, label: str | None, arrived: float | None = None,
                       asked: Collection[str] = ()) -> None:
        """A `/method/` request arrived (label None = no or unknown token) at `arrived` (default: now), asking
        for `asked` (its method, and for an execute the methods its script names)."""
        with self._lock:
            self._requests += 1
            self._by_method[method] += 1
            if label is None:
                return
            token = self._by_token.setdefault(label, _TokenStats())
            token.requests += 1
            token.by_method[method] += 1
            token.requests_by_method.update(set(asked) | {method})
            at = self._clock.now() if arrived is None else arrived
            token.max_rps = max(token.max_rps, busiest_second_with(token.recent, at))
            insort(token.recent, at)

    def record_inner_call(self, method: str, label: str | None) -> None:
        with self._lock:
            self._inner_calls += 1
            self._by_method[method] += 1
            if label is not None:
                self._by_token.setdefault(label, _TokenStats()).by_method[method] += 1

    def record_error(self, code: int, label: str | None) -> None:
        with self._lock:
            self._errors_by_code[str(code)] += 1
            if label is not None:
                self._by_token.setdefault(label, _TokenStats()).errors_by_code[str(code)] += 1

    def record_oversized_page(self) -> None:
        with self._lock:
            self._oversized_pages += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self._requests,
                "by_method": dict(self._by_method),
                "by_token": {label: stats.as_dict() for label, stats in self._by_token.items()},
                "errors_by_code": dict(self._errors_by_code),
                "inner_calls": self._inner_calls,
                "oversized_pages": self._oversized_pages,
            }
