"""The token pool: every configured token with its own rate limiter, health and counters, plus fallback.

Every limiter counts in the `RateBudget` the pool is given (`vk/budget.py`): the home's shared one in every
real session, so all pools, threads and processes on a home spend one budget per token.

Health of a `PooledToken`:
- `ok`: usable.
- `cooling`: VK told us to slow down (6 too many requests ~1 s, 9 flood control ~10 s, 14 captcha and 29 daily
  quota ~60 s; configurable). Skipped while another token is usable; waited for when all usable ones cool.
- `disabled`: 5 (authorization failed: revoked/expired) and 28 (service token where a user/group one is
  needed) disable the token for the rest of the run; so does a token the last `tokens check` found invalid.
Error 27 means "wrong kind for this method": the token stays healthy but is skipped for that method.

`TokenPool.with_fallback` is the "smart fallback" of the original design: run an operation with one token, and
on a token fault (transient network/HTTP trouble, 1/5/6/9/10/14/27/28/29) move on to the next candidate;
request errors (15, 18, 30, 100, 113, 125, 203, 212, 917) would fail with any token and propagate at once.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from vksync_tui.config import TokenEntry, Tuning
from vksync_tui.secrets import mask, redact
from vksync_tui.vk.budget import RateBudget, fingerprint
from vksync_tui.vk.client import ExecuteResult, VkClient
from vksync_tui.vk.clock import Clock, SystemClock
from vksync_tui.vk.errors import Cancelled, VkApiError, VkError, is_token_fault
from vksync_tui.vk.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_COOLDOWNS", "AllTokensFailed", "Clock", "PooledToken", "RateLimiter", "TokenEvent", "TokenPool",
]

T = TypeVar("T")
TokenEvent = Callable[[str, str, str], None]  # (label, state, reason)

TOO_MANY_REQUESTS_CODE = 6
DEFAULT_COOLDOWNS: Mapping[int, float] = {6: 1.0, 9: 10.0, 14: 60.0, 29: 60.0}
DISABLING_CODES = frozenset({5, 28})
WRONG_KIND_CODE = 27
# A community token acts as its own community with full rights: treat it as an administrator there.
COMMUNITY_TOKEN_ADMIN_LEVEL = 3


class AllTokensFailed(VkError):
    """Every candidate token failed once; `errors` maps label → (already masked) error text."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        if errors:
            details = "; ".join(f"{label}: {error}" for label, error in errors.items())
            super().__init__(f"all {len(errors)} token(s) failed: {details}")
        else:
            super().__init__("no usable token for this request")


class PooledToken:
    def __init__(
        self,
        entry: TokenEntry,
        limiter: RateLimiter,
        clock: Clock,
        *,
        cooldowns: Mapping[int, float] = DEFAULT_COOLDOWNS,
        on_event: TokenEvent | None = None,
    ) -> None:
        self.entry = entry
        self.label = entry.label
        self.kind = entry.kind
        self.limiter = limiter
        self.calls = 0
        self.errors_by_code: Counter[str] = Counter()
        self.unsupported_methods: set[str] = set()
        self._clock = clock
        self._cooldowns = cooldowns
        self._on_event = on_event
        self._lock = threading.Lock()
        self._state = "disabled" if entry.check.invalid else "ok"
        self._reason = f"invalid at last check: {entry.check.last_error}" if entry.check.invalid else ""
        self._cooling_until = 0.0

    def __repr__(self) -> str:
        return f"PooledToken({self.label!r}, {self.kind}, {mask(self.entry.secret)}, {self.state})"

    @property
    def state(self) -> str:
        """`ok`, `cooling` or `disabled`; a finished cool-down turns back into `ok` (and reports it)."""
        with self._lock:
            recovered = self._state == "cooling" and self._clock.now() >= self._cooling_until
            if recovered:
                self._state, self._reason = "ok", "cool-down over"
            state = self._state
        if recovered:
            self._emit("ok", "cool-down over")
        return state

    @property
    def reason(self) -> str:
        return self._reason

    @property
    def cooling_until(self) -> float:
        return self._cooling_until

    @property
    def rps(self) -> float:
        return self.limiter.rps

    @property
    def next_free(self) -> float:
        """When this token may send next (its limiter's clock time; -inf: now)."""
        return self.limiter.next_free()

    def supports(self, method: str | None) -> bool:
        return method is None or method not in self.unsupported_methods

    def admin_level(self, group_id: int) -> int:
        if self.kind == "group":
            return COMMUNITY_TOKEN_ADMIN_LEVEL if self.entry.group_id == group_id else 0
        return self.entry.check.admin_levels.get(group_id, 0)

    def has_right(self, right: str) -> bool:
        """Scopes (user) or rights (community) from the last check. Unknown ones (never checked, or VK did not
        say) get the benefit of the doubt: VK answers 15 if the right is really missing."""
        return not self.entry.check.scopes or right in self.entry.check.scopes

    def call(self, client: VkClient, method: str, params: Mapping[str, object],
             cancel: threading.Event | None = None) -> Any:
        """Wait for the limiter, call, and update counters and health from the outcome."""
        return self._tracked(
            method, lambda sent: client.call(method, params, self.entry.secret, on_sent=sent), cancel
        )

    def execute(self, client: VkClient, code: str, args: Mapping[str, object] | None = None,
                cancel: threading.Event | None = None) -> ExecuteResult:
        return self._tracked(
            "execute", lambda sent: client.execute(code, self.entry.secret, args, on_sent=sent), cancel
        )

    def _tracked(self, method: str, request: Callable[[Callable[[], None]], T],
                 cancel: threading.Event | None) -> T:
        """`request(sent)` runs inside the limiter's grant; the client calls `sent` when its bytes left."""
        with self.limiter.sending(cancel) as sent:
            with self._lock:
                self.calls += 1
            try:
                return request(sent)
            except VkError as exc:
                self.record_failure(exc, method)
                raise

    def record_failure(self, error: VkError, method: str = "") -> None:
        """Count the error and move the token to the health state it implies (see the module docstring)."""
        code = error.code if isinstance(error, VkApiError) else None
        event: tuple[str, str] | None = None
        with self._lock:
            self.errors_by_code["transient" if code is None else str(code)] += 1
            if code in DISABLING_CODES and self._state != "disabled":
                self._state, self._reason = "disabled", f"error {code}: {error.reason}"
                event = (self._state, self._reason)
            elif code == WRONG_KIND_CODE and method:
                self.unsupported_methods.add(method)
                event = (self._state, f"error 27: {method} is not available to a {self.kind} token")
            elif code in self._cooldowns and self._state != "disabled":
                if code == TOO_MANY_REQUESTS_CODE:
                    self.limiter.widen()
                pause = self._cooldowns[code]
                self._cooling_until = max(self._cooling_until, self._clock.now() + pause)
                self._state, self._reason = "cooling", f"error {code}: cooling down {pause:g} s"
                event = (self._state, self._reason)
        if event:
            self._emit(*event)

    def _emit(self, state: str, reason: str) -> None:
        reason = redact(reason)
        level = logging.INFO if state == "ok" else logging.WARNING
        logger.log(level, "token %s: %s (%s)", self.label, state, reason)
        if self._on_event is not None:
            self._on_event(self.label, state, reason)


class TokenPool:
    def __init__(
        self,
        entries: Sequence[TokenEntry],
        tuning: Tuning,
        *,
        budget: RateBudget,
        clock: Clock | None = None,
        on_token_event: TokenEvent | None = None,
        cooldowns: Mapping[int, float] = DEFAULT_COOLDOWNS,
    ) -> None:
        """`budget`: where every token's requests are counted — the home's shared budget in a real session,
        so that this pool, other pools of the process and other processes never exceed a token's rate."""
        self.clock = clock or SystemClock()
        self.budget = budget
        self._tuning = tuning
        self._cooldowns = cooldowns
        self._on_token_event = on_token_event
        self.tokens = [self.pooled(entry) for entry in entries if entry.enabled]

    def rps_for(self, kind: str) -> float:
        return self._tuning.rps_for(kind)

    def pooled(self, entry: TokenEntry, *, rps: float | None = None) -> PooledToken:
        """A `PooledToken` for `entry` on this pool's budget, at its kind's rate (or `rps`), not added to
        the pool: how a token that is being checked, or added, is asked for anything."""
        limiter = RateLimiter(rps or self.rps_for(entry.kind), self.clock, budget=self.budget,
                              key=fingerprint(entry.secret))
        return PooledToken(entry, limiter, self.clock, cooldowns=self._cooldowns,
                           on_event=self._on_token_event)

    def __iter__(self) -> Iterator[PooledToken]:
        return iter(self.tokens)

    def get(self, label: str) -> PooledToken | None:
        return next((token for token in self.tokens if token.label == label), None)

    def eligible(
        self,
        *,
        kinds: Collection[str] = ("user", "group", "service"),
        group_id: int | None = None,
        min_admin_level: int = 0,
        right: str | None = None,
    ) -> list[PooledToken]:
        """Tokens that may do a job at all (kind, admin level in `group_id`, right), disabled ones excluded.

        A community token reads public data of any community, but admin-only or right-gated work
        (`min_admin_level` > 0 or `right`) is limited to its own community.
        """
        chosen = []
        for token in self.tokens:
            if token.kind not in kinds or token.state == "disabled":
                continue
            if right is not None and not token.has_right(right):
                continue
            needs_own_community = token.kind == "group" and (min_admin_level > 0 or right is not None)
            if group_id is not None and needs_own_community and token.entry.group_id != group_id:
                continue
            if group_id is not None and token.admin_level(group_id) < min_admin_level:
                continue
            chosen.append(token)
        return chosen

    def ceiling_rps(self, candidates: Sequence[PooledToken]) -> float:
        """Σ rps of candidates not disabled: the most requests per second these tokens can make together."""
        return sum(token.rps for token in candidates if token.state != "disabled")

    def with_fallback(
        self,
        op: Callable[[PooledToken], T],
        candidates: Sequence[PooledToken],
        *,
        start: int = 0,
        cancel: threading.Event | None = None,
        method: str | None = None,
        rounds: int = 1,
    ) -> T:
        """Run `op(token)` with the first usable candidate (rotating from `start`); fall back on token faults.

        Each candidate is tried at most once per round (`rounds`, default 1; a later round naturally waits for
        tokens that are cooling down). Cooling tokens are skipped while another is ready; if only cooling ones
        remain, this waits for the earliest to recover. `method` (optional) skips tokens that already got
        error 27 for it. `op` should go through `token.call` / `token.execute` so health and counters update.
        Raises `AllTokensFailed` when every candidate failed in every round, `Cancelled` if `cancel` is set
        while waiting.
        """
        shift = start % len(candidates) if candidates else 0
        order = [*candidates[shift:], *candidates[:shift]]
        failures: dict[str, str] = {}
        tried: set[str] = set()
        round_number = 1
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            remaining = [token for token in order if token.label not in tried
                         and token.state != "disabled" and token.supports(method)]
            if not remaining and round_number < rounds and tried:
                round_number, tried = round_number + 1, set()
                continue
            if not remaining:
                raise AllTokensFailed({**failures, **_skip_reasons(order, failures, method)})
            ready = next((token for token in remaining if token.state == "ok"), None)
            if ready is None:
                earliest = min(token.cooling_until for token in remaining)
                if self.clock.wait(cancel, earliest - self.clock.now()):
                    raise Cancelled()
                continue
            try:
                return op(ready)
            except VkError as exc:
                if isinstance(exc, Cancelled) or not is_token_fault(exc):
                    raise
                failures[ready.label] = exc.reason
                tried.add(ready.label)


def _skip_reasons(
    order: Sequence[PooledToken], failures: Mapping[str, str], method: str | None
) -> dict[str, str]:
    """Why the candidates that were never tried were skipped, so the final error explains every token."""
    return {
        token.label: (f"skipped: {token.reason}" if token.state == "disabled"
                      else f"skipped: error 27 earlier for {method}")
        for token in order
        if token.label not in failures
    }
