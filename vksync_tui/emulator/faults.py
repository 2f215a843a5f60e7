"""Seeded fault injection for the VK emulator: the failures a real sync meets, on demand and reproducibly.

A fault spec is a comma-separated list of `key=value` pairs, e.g.
`error6=0.05,http500=0.02,reset=0.01,inner_false=0.05,sticky=0.1,revoke=main@40,delay=0.05`.
An empty spec means no faults. Keys:

Per-request faults (probabilities in [0, 1]; at most one fires per `/method/` request, so their sum must be
≤ 1; one seeded draw per request decides which, if any):
- `error6=P`    answer VK error 6 "Too many requests per second" (the window is not consumed).
- `error9=P`    answer VK error 9 "Flood control".
- `error10=P`   answer VK error 10 "Internal server error".
- `error29=P`   answer VK error 29 "Rate limit reached".
- `error36=P`   answer VK error 36 "Method execution was interrupted due to timeout".
- `error43=P`   answer VK error 43 "This section is temporary unavailable".
  Each `errorN` key also takes `LABEL@N` instead of P (below): that token's requests, not a random share.
- `captcha=P`   answer VK error 14 "Captcha needed" with `captcha_sid` and `captcha_img`.
- `http500=P`   HTTP 500 with an HTML body, as VK's front-end does when a backend fails.
- `timeout=P`   the answer is held back `timeout_delay` seconds (then sent normally) so the client times out.
- `reset=P`     the connection is dropped without any response (the client sees a connection error).
- `truncate=P`  the request is processed, but its valid JSON answer is cut in half (invalid JSON).
- `empty=P`     HTTP 200 with an empty body.

Other keys:
- `inner_false=P`    each inner call of an `execute` fails with probability P: it evaluates to `false` in
                     the script and adds an `execute_errors` entry with error 10 (own seeded stream).
- `sticky=P`         a deterministic, permanent error 10 for a fraction P of calls, keyed by (method, params
                     without `access_token` and `v`): the same call fails on every token and every retry,
                     for direct calls and inner calls of `execute` alike (`execute` itself is never sticky).
- `revoke=LABEL@N`   the token with that label (or that token string) works for N requests, then every
                     request with it gets error 5 "User authorization failed: invalid access_token (4)."
                     (repeatable: `revoke=a@10,revoke=b@20`; requests count on arrival, whatever the outcome).
- `expire=LABEL@N`   the same, with error 1117 "Access token has expired" (a token without `offline`, seen
                     on real VK: https://github.com/jieggii/vktoken/issues/3).
- `deactivate=LABEL@N`  the same, with error 3610 "User is deactivated" (the token's owner was deactivated).
- `errorN=LABEL@N`   the same with that error code (6, 9, 10, 29, 36, 43): every request of the token from its
                     (N+1)th on answers it, e.g. `error36=b@3` for a token whose calls all time out.
                     One token may have several of these phases: it answers the code of the one with the
                     largest N it has outlived (`expire=a@0,deactivate=a@5`: 1117, then 3610 from its 6th
                     request; `error36=b@2,error43=b@4`: 36 to its 3rd and 4th requests, 43 after).
- `quota=LABEL:METHOD@N`  the token's daily quota of METHOD is N calls (inner calls of an execute count, as
                     VK counts them): further calls get error 29 "Rate limit reached" until the emulator's
                     next day (its clock's next multiple of 86,400 s), as VK's per-method quotas last
                     (https://github.com/python273/vk_api/issues/411). Repeatable.
- `delay=S`          every request is answered S seconds late (e.g. 0.05 for VK-like latency in benchmarks).
- `timeout_delay=S`  how long a `timeout` fault holds the answer back (default 35, above a typical 30 s
                     client timeout).
- `oversize_html=B`  an answer of more than B bytes comes back as VK's front end sends an oversized one:
                     an nginx "404 Not Found" HTML page instead of the JSON
                     (https://github.com/Dementiy/vkR/issues/23), whatever the method.

The same seed and the same sequence of requests give the same faults.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

API_ERROR_FAULTS: Mapping[str, int] = {
    "error6": 6, "error9": 9, "error10": 10, "error29": 29, "error36": 36, "error43": 43, "captcha": 14,
}
TRANSPORT_FAULTS: tuple[str, ...] = ("http500", "timeout", "reset", "truncate", "empty")
REQUEST_FAULTS: tuple[str, ...] = (*API_ERROR_FAULTS, *TRANSPORT_FAULTS)
DEFAULT_TIMEOUT_DELAY = 35.0
UNKEYED_PARAMS = frozenset({"access_token", "v"})
# A token's end: from its Nth request on it answers this error (code, detail after the schema's text).
TOKEN_ENDS: Mapping[str, tuple[int, str | None]] = {
    "revoke": (5, "invalid access_token (4)."),
    "expire": (1117, None),
    "deactivate": (3610, None),
}
# Every key that can put one token in a phase of answering one error (`KEY=LABEL@N`).
TOKEN_PHASES: Mapping[str, tuple[int, str | None]] = {
    **TOKEN_ENDS, **{key: (code, None) for key, code in API_ERROR_FAULTS.items() if key != "captcha"},
}
QUOTA_DAY_SECONDS = 86_400.0
OTHER_KEYS: tuple[str, ...] = (
    "inner_false", "sticky", *TOKEN_ENDS, "quota", "delay", "timeout_delay", "oversize_html",
)


@dataclass(frozen=True)
class TokenPhase:
    """`KEY=TARGET@AFTER`: the token TARGET (label or token string) answers KEY's error after AFTER
    requests."""

    key: str
    target: str
    after: int

    def __str__(self) -> str:
        return f"{self.key}={self.target}@{self.after}"


@dataclass(frozen=True)
class Quota:
    """`quota=TARGET:METHOD@CALLS`: TARGET's daily quota of METHOD."""

    target: str
    method: str
    calls: int

    def __str__(self) -> str:
        return f"quota={self.target}:{self.method}@{self.calls}"


@dataclass(frozen=True)
class FaultSpec:
    """A parsed fault spec; `str(spec)` gives its canonical text (what `/_emu/faults` reports as active)."""

    request_faults: Mapping[str, float] = field(default_factory=dict)
    inner_false: float = 0.0
    sticky: float = 0.0
    token_phases: tuple[TokenPhase, ...] = ()
    quotas: tuple[Quota, ...] = ()
    delay: float = 0.0
    timeout_delay: float = DEFAULT_TIMEOUT_DELAY
    oversize_html: int = 0  # bytes; 0 = off

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        """Parse a spec string; raises ValueError naming the offending item."""
        request_faults: dict[str, float] = {}
        token_phases: list[TokenPhase] = []
        quotas: list[Quota] = []
        scalars: dict[str, float] = {}
        for item in (part.strip() for part in (text or "").split(",")):
            if not item:
                continue
            key, sep, value = (piece.strip() for piece in item.partition("="))
            if not sep or not value:
                raise ValueError(f"fault spec item {item!r} is not key=value")
            if key in TOKEN_ENDS or (key in TOKEN_PHASES and "@" in value):
                target, count = _parse_target_at(key, value, "LABEL")
                token_phases.append(TokenPhase(key, target, count))
                continue
            if key == "quota":
                target_method, count = _parse_target_at(key, value, "LABEL:METHOD")
                target, colon, method = target_method.rpartition(":")
                if not colon or not target or not method:
                    raise ValueError(f"fault spec quota={value!r}: expected quota=LABEL:METHOD@N")
                quotas.append(Quota(target, method, count))
                continue
            if key in request_faults or key in scalars:
                raise ValueError(f"fault spec key {key!r} is given twice")
            if key in REQUEST_FAULTS:
                request_faults[key] = _parse_probability(key, value)
            elif key in ("inner_false", "sticky"):
                scalars[key] = _parse_probability(key, value)
            elif key in ("delay", "timeout_delay"):
                scalars[key] = _parse_seconds(key, value)
            elif key == "oversize_html":
                scalars[key] = _parse_bytes(key, value)
            else:
                known = ", ".join((*REQUEST_FAULTS, *OTHER_KEYS))
                raise ValueError(f"unknown fault spec key {key!r} (known: {known})")
        total = sum(request_faults.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"per-request fault probabilities add up to {total:g}, more than 1")
        return cls(
            request_faults=request_faults,
            inner_false=scalars.get("inner_false", 0.0),
            sticky=scalars.get("sticky", 0.0),
            token_phases=tuple(token_phases),
            quotas=tuple(quotas),
            delay=scalars.get("delay", 0.0),
            timeout_delay=scalars.get("timeout_delay", DEFAULT_TIMEOUT_DELAY),
            oversize_html=int(scalars.get("oversize_html", 0)),
        )

    def __str__(self) -> str:
        faults = self.request_faults
        items = [f"{key}={faults[key]:g}" for key in REQUEST_FAULTS if key in faults]
        for key in ("inner_false", "sticky", "delay"):
            value = getattr(self, key)
            if value:
                items.append(f"{key}={value:g}")
        if self.timeout_delay != DEFAULT_TIMEOUT_DELAY:
            items.append(f"timeout_delay={self.timeout_delay:g}")
        if self.oversize_html:
            items.append(f"oversize_html={self.oversize_html}")
        items.extend(str(phase) for phase in self.token_phases)
        items.extend(str(quota) for quota in self.quotas)
        return ",".join(items)


def _parse_probability(key: str, value: str) -> float:
    try:
        probability = float(value)
    except ValueError:
        raise ValueError(f"fault spec {key}={value!r}: not a number") from None
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"fault spec {key}={value}: a probability must be between 0 and 1")
    return probability


def _parse_seconds(key: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"fault spec {key}={value!r}: not a number of seconds") from None
    if seconds < 0:
        raise ValueError(f"fault spec {key}={value}: seconds cannot be negative")
    return seconds


def _parse_bytes(key: str, value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise ValueError(f"fault spec {key}={value!r}: expected a positive number of bytes")
    return int(value)


def _parse_target_at(key: str, value: str, target: str) -> tuple[str, int]:
    """`TARGET@N` of a token key; N is how many requests (or calls) the token still gets."""
    name, sep, count = value.rpartition("@")
    if not sep or not name or not count.isdigit():
        raise ValueError(f"fault spec {key}={value!r}: expected {key}={target}@N (N = what it still gets)")
    return name, int(count)


class FaultInjector:
    """Draws faults from a FaultSpec with seeded generators; thread-safe.

    Per-request draws and inner-call draws use separate streams, so how many inner calls an execute makes does
    not shift which later requests fail.
    """

    def __init__(self, spec: FaultSpec, seed: int = 0) -> None:
        self.spec = spec
        self.seed = seed
        self._request_rng = random.Random(f"requests:{seed}")
        self._inner_rng = random.Random(f"inner:{seed}")
        self._token_requests: dict[str, int] = {}
        self._quota_use: dict[Quota, tuple[int, int]] = {}  # quota → (day, calls that day)
        self._lock = threading.Lock()

    def draw_request_fault(self) -> str | None:
        """The per-request fault for the next request (a REQUEST_FAULTS key), or None."""
        with self._lock:
            roll = self._request_rng.random()
        threshold = 0.0
        for key in REQUEST_FAULTS:
            threshold += self.spec.request_faults.get(key, 0.0)
            if roll < threshold:
                return key
        return None

    def draw_inner_false(self) -> bool:
        if not self.spec.inner_false:
            return False
        with self._lock:
            return self._inner_rng.random() < self.spec.inner_false

    def captcha_sid(self) -> str:
        with self._lock:
            return str(self._request_rng.randrange(10**11, 10**12))

    def is_sticky(self, method: str, params: Mapping[str, str]) -> bool:
        """Whether this (method, params) call is one of the permanently failing ones (stateless)."""
        if not self.spec.sticky:
            return False
        keyed = (f"{name}={params[name]}" for name in sorted(params) if name not in UNKEYED_PARAMS)
        key = "\x1f".join([str(self.seed), method, *keyed])
        digest = hashlib.sha256(key.encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.spec.sticky

    def token_phase(self, label: str, token: str) -> TokenPhase | None:
        """Count a request made with this token; the phase it has reached (the latest outlived), if any."""
        phases = [phase for phase in self.spec.token_phases if phase.target in (label, token)]
        if not phases:
            return None
        with self._lock:
            seen = self._token_requests.get(label, 0) + 1
            self._token_requests[label] = seen
        outlived = [phase for phase in phases if seen > phase.after]
        return max(outlived, key=lambda phase: phase.after) if outlived else None

    def charge_quota(self, label: str, token: str, method: str, now: float) -> bool:
        """Count one call of `method` against the token's `quota=` for it; False once that day's are spent."""
        quota = next((quota for quota in self.spec.quotas
                      if quota.method == method and quota.target in (label, token)), None)
        if quota is None:
            return True
        today = int(now // QUOTA_DAY_SECONDS)
        with self._lock:
            day, used = self._quota_use.get(quota, (today, 0))
            if day != today:
                used = 0
            if used >= quota.calls:
                return False
            self._quota_use[quota] = (today, used + 1)
            return True
