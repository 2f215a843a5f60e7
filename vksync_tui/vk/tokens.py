"""The token pool: every configured token with its own rate limiter, health and counters, plus fallback.

Every limiter counts in the `RateBudget` the pool is given (`vk/budget.py`): the home's shared one in every
real session, so all pools, threads and processes on a home spend one budget per token.

What an error answer does to a `PooledToken` follows its code's `Fault` class (`vk/errors.py`):
- token dead (5, 1117, 3610, 3611, 17, ...): `disabled` for the rest of the run, with VK's reason in a token
  event; the pool never asks it again (a request already waiting for its turn is not sent). A token the last
  `tokens check` found invalid or expired, or past the expiry VK gave it, starts disabled.
- token throttled: 29 (and 601) say the token has spent its daily quota of *that method*: the pool writes it
  in the home's `QuotaBook` (`vk/quotas.py`, shared by every process) and skips the token for that method
  until VK's next day, while its other methods keep working. The others (6 too many requests ~1 s, 9 flood
  control ~10 s, 14 captcha ~60 s; configurable) make it `cooling`: skipped while another token is usable,
  waited for when all usable ones cool.
- try again (1, 10, 36, 43, 13, a network fault, ...): the call moves on to the next token; the token stays
  as it was. 27 and 28 (a method this kind of token cannot call) skip the token for that method only.
- refused (15, 18, 100, 203, ...): VK refused the request itself. The other candidates are still asked: a
  refusal ends the call only when no token could make it (the tokens agree), so one token's missing access
  never ends a run another token could finish.
An error answer never changes a token's kind.

`TokenPool.with_fallback` runs an operation with one token and moves on to the next candidate on anything
but success. The first request of a method with a token in a run goes alone (`PooledToken.first_answers`):
a token dead from the start, or out of a method's quota, is asked once, not once per worker.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from vksync_tui.clock import Clock, SystemClock, WallClock
from vksync_tui.config import TokenCheck, TokenEntry, Tuning
from vksync_tui.secrets import mask, redact
from vksync_tui.vk.budget import RateBudget, fingerprint
from vksync_tui.vk.client import ExecuteResult, VkClient
from vksync_tui.vk.errors import Cancelled, Fault, VkApiError, VkError, fault_of, is_token_fault
from vksync_tui.vk.quotas import MemoryQuotaBook, QuotaBook
from vksync_tui.vk.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_COOLDOWNS", "AllTokensFailed", "Clock", "PooledToken", "RateLimiter", "TokenEvent", "TokenPool",
    "TokenUnusable",
]

T = TypeVar("T")
TokenEvent = Callable[[str, str, str], None]  # (label, state, reason)

TOO_MANY_REQUESTS_CODE = 6
DEFAULT_COOLDOWNS: Mapping[int, float] = {6: 1.0, 9: 10.0, 14: 60.0, 1105: 60.0, 3300: 60.0}
# A throttling code without a cool-down of its own pauses the token like a captcha.
FALLBACK_COOLDOWN = 60.0
# "Rate limit reached" (a method's daily quota) and "too many actions this day": for that method, for a day.
DAILY_QUOTA_CODES = frozenset({29, 601})
# "Method unavailable with group auth / with service token": this kind of token cannot call that method.
WRONG_KIND_CODES = frozenset({27, 28})
# A community token acts as its own community with full rights: treat it as an administrator there.
COMMUNITY_TOKEN_ADMIN_LEVEL = 3
# How often a request held back behind a token's first request of its method looks again (clock seconds).
FIRST_ANSWER_POLL = 0.005
EXECUTE = "execute"


class AllTokensFailed(VkError):
    """Every candidate token failed once; `errors` maps label → (already masked) error text."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        if errors:
            details = "; ".join(f"{label}: {error}" for label, error in errors.items())
            super().__init__(f"all {len(errors)} token(s) failed: {details}")
        else:
            super().__init__("no usable token for this request")


class TokenUnusable(VkError):
    """The token became unusable for this request (dead, or out of a method's quota) while the request waited
    for its turn: nothing was sent. Not an answer of VK's, so nothing is counted for it."""


class PooledToken:
    def __init__(
        self,
        entry: TokenEntry,
        limiter: RateLimiter,
        clock: Clock,
        *,
        cooldowns: Mapping[int, float] = DEFAULT_COOLDOWNS,
        on_event: TokenEvent | None = None,
        quotas: QuotaBook | None = None,
        wall_clock: WallClock = time.time,
    ) -> None:
        self.entry = entry
        self.label = entry.label
        self.kind = entry.kind
        self.key = fingerprint(entry.secret)
        self.limiter = limiter
        self.calls = 0
        self.requests_by_method: Counter[str] = Counter()  # requests sent, by each method they called
        # The counts when VK's verdict came: `calls` when it said the token is dead, `requests_by_method[m]`
        # when it said the quota of m is spent. Nothing is sent after (`_tracked`): the counts stay these.
        self.calls_at_death: int | None = None
        self.asked_at_quota: dict[str, int] = {}
        self.errors_by_code: Counter[str] = Counter()
        self.unsupported_methods: set[str] = set()
        self._clock = clock
        self._cooldowns = cooldowns
        self._on_event = on_event
        self._quotas = quotas if quotas is not None else MemoryQuotaBook()
        self._lock = threading.Lock()
        dead = entry.dead(wall_clock())
        self._state = "disabled" if dead else "ok"
        self._reason = f"{dead}: {entry.check.last_error or 'past the expiry VK gave'}" if dead else ""
        self._cooling_until = 0.0
        self._answered: set[str] = set()  # methods this token has answered in this run (see `first_answers`)
        self._first_in_flight: set[str] = set()

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

    def supports(self, method: str) -> bool:
        """Whether this token may be asked `method`: its kind can call it (no error 27/28 for it in this run)
        and its daily quota of it is not spent (on this home, by any process)."""
        return method not in self.unsupported_methods and self.quota_spent_until(method) is None

    def quota_spent_until(self, method: str) -> float | None:
        """When (epoch seconds) VK's day for this token's spent quota of `method` ends; None: not spent."""
        return self._quotas.spent_until(self.key, method)

    def usable_for(self, methods: Collection[str]) -> bool:
        """Not disabled, and able to call every one of `methods` (see `supports`)."""
        return self.state != "disabled" and all(self.supports(method) for method in methods)

    def admin_level(self, group_id: int) -> int:
        if self.kind == "group":
            return COMMUNITY_TOKEN_ADMIN_LEVEL if self.entry.group_id == group_id else 0
        return self.entry.check.admin_levels.get(group_id, 0)

    def has_right(self, right: str) -> bool:
        """Scopes (user) or rights (community) from the last check. Unknown ones (never checked, or VK did not
        say) get the benefit of the doubt: VK answers 15 if the right is really missing."""
        return not self.entry.check.scopes or right in self.entry.check.scopes

    @contextlib.contextmanager
    def first_answers(self, methods: Collection[str],
                      cancel: threading.Event | None = None) -> Iterator[bool]:
        """Hold a request back while another request of this token is its first of one of `methods` in this
        run; yields whether the token is (still) usable for them.

        Several workers may pick a token at the same moment. Were it dead from the start, or out of a method's
        quota, each of them would draw the same error; waiting for the first answer instead, they find the
        token disabled (or the method spent) and go to another token, so it is asked once. Once the token has
        answered a method, its requests of it go out side by side as the rate allows.
        """
        wanted = frozenset(methods)
        mine = self._claim_first(wanted, cancel)
        try:
            yield mine is not None
        finally:
            if mine:
                with self._lock:
                    self._first_in_flight -= mine
                if self.usable_for(mine):
                    with self._lock:
                        self._answered |= mine

    def _claim_first(self, methods: frozenset[str], cancel: threading.Event | None) -> frozenset[str] | None:
        """The methods this request is the first of (claimed), once no other request is; None: unusable."""
        while True:
            if not self.usable_for(methods):
                return None
            with self._lock:
                if not methods & self._first_in_flight:
                    mine = methods - self._answered
                    self._first_in_flight |= mine
                    return mine
            if self._clock.wait(cancel, FIRST_ANSWER_POLL):
                raise Cancelled()

    def call(self, client: VkClient, method: str, params: Mapping[str, object],
             cancel: threading.Event | None = None) -> Any:
        """Wait for the limiter, call, and update counters and health from the outcome."""
        return self._tracked(
            method, (method,), lambda sent: client.call(method, params, self.entry.secret, on_sent=sent),
            cancel,
        )

    def execute(self, client: VkClient, code: str, args: Mapping[str, object] | None = None,
                cancel: threading.Event | None = None, *, methods: Collection[str] = ()) -> ExecuteResult:
        """One `execute` of `code`, whose inner calls are of `methods`. Inner errors that say something about
        the token (a spent quota, a method its kind cannot call) update its health like whole answers do."""
        result = self._tracked(
            EXECUTE, (EXECUTE, *methods),
            lambda sent: client.execute(code, self.entry.secret, args, on_sent=sent), cancel,
        )
        for inner in result.errors:
            error = inner.as_api_error()
            if _says_something_about_the_token(error.code):
                self.record_failure(error, inner.method)
        return result

    def _tracked(self, method: str, methods: Collection[str], request: Callable[[Callable[[], None]], T],
                 cancel: threading.Event | None) -> T:
        """`request(sent)` runs inside the limiter's grant; the client calls `sent` when its bytes left.

        A request that waited for its grant while the token died or spent a quota of `methods` is not sent
        (`TokenUnusable`)."""
        with self.limiter.sending(cancel) as sent:
            with self._lock:  # the verdicts are taken under this lock too: a request is sent before or not
                usable = self._state != "disabled" and all(self.supports(name) for name in methods)
                if usable:
                    self.calls += 1
                    self.requests_by_method.update(set(methods))
            if not usable:
                raise TokenUnusable(f"token {self.label} is no longer usable for {', '.join(methods)}")
            try:
                return request(sent)
            except VkError as exc:
                self.record_failure(exc, method)
                raise

    def record_failure(self, error: VkError, method: str = "") -> None:
        """Count the error and move the token to the health state its `Fault` implies (module docstring)."""
        code = error.code if isinstance(error, VkApiError) else None
        fault = fault_of(code) if code is not None else Fault.TRY_AGAIN
        event: tuple[str, str] | None = None
        with self._lock:
            self.errors_by_code["transient" if code is None else str(code)] += 1
            if self._state == "disabled":
                return
            if fault is Fault.TOKEN_DEAD:
                self._state, self._reason = "disabled", f"{error.reason} (left out for the rest of the run)"
                self.calls_at_death = self.calls
                event = (self._state, self._reason)
            elif code in WRONG_KIND_CODES and method:
                self.unsupported_methods.add(method)
                event = (self._state, f"error {code}: {method} is not available to a {self.kind} token")
            elif code is not None and fault is Fault.TOKEN_THROTTLED and code not in DAILY_QUOTA_CODES:
                if code == TOO_MANY_REQUESTS_CODE:
                    self.limiter.widen()
                pause = self._cooldowns.get(code, FALLBACK_COOLDOWN)
                self._cooling_until = max(self._cooling_until, self._clock.now() + pause)
                self._state, self._reason = "cooling", f"error {code}: cooling down {pause:g} s"
                event = (self._state, self._reason)
        if code in DAILY_QUOTA_CODES and method:
            self._quota_spent(error, method)
        if event:
            self._emit(*event)

    def _quota_spent(self, error: VkError, method: str) -> None:
        """Write the spent quota down for every process on the home, once per method and day."""
        with self._lock:
            if self.quota_spent_until(method) is not None:
                return
            until = self._quotas.record(self.key, method)
            self.asked_at_quota[method] = self.requests_by_method[method]
        shown = datetime.fromtimestamp(until).strftime("%Y-%m-%d %H:%M")
        self._emit("ok", f"{error.reason}: its daily quota of {method} is spent; it is left out of {method} "
                         f"until {shown} (its other methods go on)", level=logging.WARNING)

    def _emit(self, state: str, reason: str, level: int | None = None) -> None:
        reason = redact(reason)
        if level is None:
            level = logging.INFO if state == "ok" else logging.WARNING
        logger.log(level, "token %s: %s (%s)", self.label, state, reason)
        if self._on_event is not None:
            self._on_event(self.label, state, reason)


def _says_something_about_the_token(code: int) -> bool:
    """An inner error of an execute that is about the token, not about the call: its health takes it in."""
    return fault_of(code) in (Fault.TOKEN_DEAD, Fault.TOKEN_THROTTLED) or code in WRONG_KIND_CODES


class TokenPool:
    def __init__(
        self,
        entries: Sequence[TokenEntry],
        tuning: Tuning,
        *,
        budget: RateBudget,
        quotas: QuotaBook | None = None,
        clock: Clock | None = None,
        on_token_event: TokenEvent | None = None,
        cooldowns: Mapping[int, float] = DEFAULT_COOLDOWNS,
    ) -> None:
        """`budget`: where every token's requests are counted — the home's shared budget in a real session,
        so that this pool, other pools of the process and other processes never exceed a token's rate.
        `quotas`: where spent daily quotas are written down — the home's in a real session (default: this
        pool's own)."""
        self.clock = clock or SystemClock()
        self.budget = budget
        self.quotas = quotas if quotas is not None else MemoryQuotaBook()
        self._tuning = tuning
        self._cooldowns = cooldowns
        self._on_token_event = on_token_event
        self.tokens = [self.pooled(entry) for entry in entries if entry.enabled]

    def rps_for(self, kind: str) -> float:
        return self._tuning.rps_for(kind)

    def pooled(self, entry: TokenEntry, *, rps: float | None = None, afresh: bool = False) -> PooledToken:
        """A `PooledToken` for `entry` on this pool's budget, at its kind's rate (or `rps`), not added to
        the pool: how a token that is being checked, or added, is asked for anything.

        `afresh`: as if nothing were known of the token — neither its last check's verdict or expiry nor the
        home's spent quotas — for a check, which is there to ask VK itself (a token whose owner has since
        passed VK's validation works again)."""
        limiter = RateLimiter(rps or self.rps_for(entry.kind), self.clock, budget=self.budget,
                              key=fingerprint(entry.secret))
        if afresh:
            return PooledToken(replace(entry, check=TokenCheck(), expires_at=None), limiter, self.clock,
                               cooldowns=self._cooldowns, on_event=self._on_token_event,
                               quotas=MemoryQuotaBook())
        return PooledToken(entry, limiter, self.clock, cooldowns=self._cooldowns,
                           on_event=self._on_token_event, quotas=self.quotas)

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
        methods: Collection[str] = (),
        rounds: int = 1,
    ) -> T:
        """Run `op(token)` with the first usable candidate (rotating from `start`); on anything but success
        move on to the next.

        `methods`: what the request calls (for an execute: "execute" and its inner methods); a token that
        cannot call one of them (error 27/28 earlier, a spent daily quota) is skipped. Each candidate is tried
        at most once per round (`rounds`, default 1; a later round naturally waits for tokens that are cooling
        down). Cooling tokens are skipped while another is ready; if only cooling ones remain, this waits for
        the earliest to recover. `op` should go through `token.call` / `token.execute` so health and counters
        update.

        Raises VK's refusal (a `VkApiError` of a refused code) when tokens refused and none could make the
        call; `AllTokensFailed` when every candidate failed for reasons of its own in every round; `Cancelled`
        if `cancel` is set while waiting.
        """
        shift = start % len(candidates) if candidates else 0
        order = [*candidates[shift:], *candidates[:shift]]
        failures: dict[str, str] = {}
        refusal: VkApiError | None = None
        refused: set[str] = set()
        tried: set[str] = set()
        round_number = 1
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            remaining = [token for token in order if token.label not in tried | refused
                         and token.usable_for(methods)]
            if not remaining and round_number < rounds and tried:
                round_number, tried = round_number + 1, set()
                continue
            if not remaining:
                if refusal is not None:
                    raise refusal
                raise AllTokensFailed({**failures, **_skip_reasons(order, failures, methods)})
            ready = next((token for token in remaining if token.state == "ok"), None)
            if ready is None:
                earliest = min(token.cooling_until for token in remaining)
                if self.clock.wait(cancel, earliest - self.clock.now()):
                    raise Cancelled()
                continue
            with ready.first_answers(methods, cancel) as usable:
                if not usable:
                    continue  # it died or spent a quota while this request waited for its first answer
                try:
                    return op(ready)
                except TokenUnusable:
                    continue
                except VkError as exc:
                    if isinstance(exc, Cancelled):
                        raise
                    if isinstance(exc, VkApiError) and not is_token_fault(exc):
                        refusal = refusal or exc
                        refused.add(ready.label)
                        continue
                    if not is_token_fault(exc):
                        raise
                    failures[ready.label] = exc.reason
                    tried.add(ready.label)


def _skip_reasons(
    order: Sequence[PooledToken], failures: Mapping[str, str], methods: Collection[str]
) -> dict[str, str]:
    """Why the candidates that were never tried were skipped, so the final error explains every token."""
    return {token.label: f"skipped: {_why_skipped(token, methods)}"
            for token in order if token.label not in failures}


def _why_skipped(token: PooledToken, methods: Collection[str]) -> str:
    if token.state == "disabled":
        return token.reason
    for method in methods:
        if method in token.unsupported_methods:
            return f"error 27/28 earlier for {method}"
        until = token.quota_spent_until(method)
        if until is not None:
            return f"daily quota of {method} spent until {datetime.fromtimestamp(until):%Y-%m-%d %H:%M}"
    return "not tried"
