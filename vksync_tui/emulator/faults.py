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

API_ERROR_FAULTS: Mapping[str, int] = {"error6": 6, "error9": 9, "error10": 10, "error29": 29, "captcha": 14}
TRANSPORT_FAULTS: tuple[str, ...] = ("http500", "timeout", "reset", "truncate", "empty")
REQUEST_FAULTS: tuple[str, ...] = (*API_ERROR_FAULTS, *TRANSPORT_FAULTS)
DEFAULT_TIMEOUT_DELAY = 35.0
UNKEYED_PARAMS = frozenset({"access_token", "v"})
OTHER_KEYS: tuple[str, ...] = ("inner_false", "sticky", "revoke", "delay", "timeout_delay", "oversize_html")


@dataclass(frozen=True)
class FaultSpec:
    """A parsed fault spec; `str(spec)` gives its canonical text (what `/_emu/faults` reports as active)."""

    request_faults: Mapping[str, float] = field(default_factory=dict)
    inner_false: float = 0.0
    sticky: float = 0.0
    revokes: Mapping[str, int] = field(default_factory=dict)
    delay: float = 0.0
    timeout_delay: float = DEFAULT_TIMEOUT_DELAY
    oversize_html: int = 0  # bytes; 0 = off

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        """Parse a spec string; raises ValueError naming the offending item."""
        request_faults: dict[str, float] = {}
        revokes: dict[str, int] = {}
        scalars: dict[str, float] = {}
        for item in (part.strip() for part in (text or "").split(",")):
            if not item:
                continue
            key, sep, value = (piece.strip() for piece in item.partition("="))
            if not sep or not value:
                raise ValueError(f"fault spec item {item!r} is not key=value")
            if key == "revoke":
                target, count = _parse_revoke(value)
                revokes[target] = count
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
            revokes=revokes,
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
        items.extend(f"revoke={target}@{count}" for target, count in self.revokes.items())
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


def _parse_revoke(value: str) -> tuple[str, int]:
    target, sep, count = value.rpartition("@")
    if not sep or not target or not count.isdigit():
        raise ValueError(f"fault spec revoke={value!r}: expected revoke=LABEL@N (N = requests it still gets)")
    return target, int(count)


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
        self._revoke_counts: dict[str, int] = {}
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

    def note_request_and_check_revoked(self, label: str, token: str) -> bool:
        """Count a request made with this token; True once it has outlived its `revoke=` allowance."""
        target = label if label in self.spec.revokes else token if token in self.spec.revokes else None
        if target is None:
            return False
        with self._lock:
            seen = self._revoke_counts.get(target, 0) + 1
            self._revoke_counts[target] = seen
        return seen > self.spec.revokes[target]
