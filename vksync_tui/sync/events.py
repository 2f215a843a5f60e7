"""Typed progress events: the only thing the engine tells its faces (TUI panel, CLI progress, JSON summary).

Events are plain frozen dataclasses so both faces render the same facts. High-frequency facts (items so far,
chunks done, requests, errors) travel as a cumulative `Progress` snapshot that the `ProgressReporter` emits
at most a few times per second; rare, notable facts (phase changes, token fallbacks, failures) go out at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

TokenState = Literal["ok", "cooling", "disabled"]


@dataclass(frozen=True)
class JobStarted:
    run_id: int | None
    list_name: str
    group_id: int
    expected_items: int | None
    total_chunks: int | None


@dataclass(frozen=True)
class PhaseStarted:
    phase: str
    total: int | None = None


@dataclass(frozen=True)
class PhaseFinished:
    phase: str
    seconds: float
    summary: dict[str, int | float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChunkFailed:
    """A chunk no eligible token could fetch in the parallel phase: it waits for the retry phase."""

    phase: str
    chunk: str
    error: str


@dataclass(frozen=True)
class ChunkRetried:
    chunk: str
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class TokenChanged:
    """A token fell back, started cooling down, or was disabled for this run."""

    label: str
    state: TokenState
    reason: str


@dataclass(frozen=True)
class Notice:
    """A notable line for the panel's log (warnings such as 'reposts skipped: no admin-level-3 token')."""

    level: Literal["info", "warning", "error"]
    text: str


@dataclass(frozen=True)
class Progress:
    """Cumulative figures of the running phase; later snapshots replace earlier ones."""

    phase: str
    items: int = 0
    expected_items: int | None = None
    chunks_done: int = 0
    chunks_total: int | None = None
    chunks_failed: int = 0
    chunks_retried_ok: int = 0
    requests: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)
    requests_per_second: float = 0.0
    ceiling_rps: float = 0.0
    eta_seconds: float | None = None
    tokens: dict[str, TokenState] = field(default_factory=dict)


@dataclass(frozen=True)
class JobFinished:
    status: Literal["applied", "pending", "done", "aborted", "failed", "cancelled"]
    summary: dict[str, object]
    error: str | None = None


SyncEvent = (
    JobStarted
    | PhaseStarted
    | PhaseFinished
    | ChunkFailed
    | ChunkRetried
    | TokenChanged
    | Notice
    | Progress
    | JobFinished
)
EventSink = Callable[[SyncEvent], None]


def discard(_: SyncEvent) -> None:
    """An event sink for callers that do not watch progress."""


class ProgressReporter:
    """Thread-safe accumulator of a job's figures that emits `Progress` at most `max_per_second` times.

    Worker threads call `add(...)` per request; a 10M-member sync therefore produces ~4 events per second, not
    one per page, so neither the Textual event loop nor a terminal is flooded. `flush()` forces an emission
    (phase boundaries, the end of a job) so the last figures are never lost. Figures (requests, errors, items)
    are cumulative over the job; `chunks_done`/`chunks_total` and the ETA belong to the running phase.
    """

    def __init__(
        self,
        sink: EventSink,
        *,
        max_per_second: float = 4.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sink = sink
        self._interval = 1.0 / max_per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot = Progress(phase="recon")
        self._errors: Counter[str] = Counter()
        self._last_emit = float("-inf")
        self._job_started = clock()
        self._phase_started = self._job_started

    @property
    def snapshot(self) -> Progress:
        with self._lock:
            return self._snapshot

    @property
    def errors_by_code(self) -> dict[str, int]:
        with self._lock:
            return dict(self._errors)

    def emit(self, event: SyncEvent) -> None:
        """Notable events go out at once, unthrottled (they are rare by construction)."""
        self._sink(event)

    def mark_job_start(self) -> None:
        """Restart the job clock (the requests-per-second figure is measured from here)."""
        with self._lock:
            self._job_started = self._clock()

    def start_phase(
        self, phase: str, *, chunks_total: int | None = None, expected_items: int | None = None
    ) -> None:
        with self._lock:
            expected = self._snapshot.expected_items if expected_items is None else expected_items
            self._snapshot = replace(
                self._snapshot,
                phase=phase,
                chunks_total=chunks_total,
                chunks_done=0,
                eta_seconds=None,
                expected_items=expected,
            )
            self._phase_started = self._clock()
        self._sink(PhaseStarted(phase, chunks_total))
        self.flush()

    def finish_phase(self, phase: str, summary: dict[str, int | float | str] | None = None) -> float:
        """Emit the phase's last snapshot and `PhaseFinished`; returns the phase's duration in seconds."""
        with self._lock:
            seconds = self._clock() - self._phase_started
        self.flush()
        self._sink(PhaseFinished(phase, seconds, dict(summary or {})))
        return seconds

    def set_ceiling(self, ceiling_rps: float) -> None:
        with self._lock:
            self._snapshot = replace(self._snapshot, ceiling_rps=ceiling_rps)

    def add_chunks_total(self, extra: int) -> None:
        """Follow-up work discovered while a phase runs (next pages, bridging pages) grows its total."""
        with self._lock:
            total = (self._snapshot.chunks_total or 0) + extra
            self._snapshot = replace(self._snapshot, chunks_total=total)

    def set_token_state(self, label: str, state: TokenState) -> None:
        with self._lock:
            tokens = dict(self._snapshot.tokens)
            tokens[label] = state
            self._snapshot = replace(self._snapshot, tokens=tokens)

    def token_changed(self, label: str, state: TokenState, reason: str) -> None:
        """The token pool's `on_token_event` callback: remember the state and tell the faces at once."""
        self.set_token_state(label, state)
        self._sink(TokenChanged(label, state, reason))

    def add(
        self,
        *,
        items: int = 0,
        chunks_done: int = 0,
        chunks_failed: int = 0,
        chunks_retried_ok: int = 0,
        requests: int = 0,
        error_code: str | None = None,
    ) -> None:
        with self._lock:
            if error_code is not None:
                self._errors[error_code] += 1
            s = self._snapshot
            now = self._clock()
            done = s.chunks_done + chunks_done
            eta = s.eta_seconds
            if s.chunks_total and done:
                eta = max(now - self._phase_started, 0.0) * max(s.chunks_total - done, 0) / done
            total_requests = s.requests + requests
            self._snapshot = replace(
                s,
                items=s.items + items,
                chunks_done=done,
                chunks_failed=s.chunks_failed + chunks_failed,
                chunks_retried_ok=s.chunks_retried_ok + chunks_retried_ok,
                requests=total_requests,
                errors_by_code=dict(self._errors),
                requests_per_second=total_requests / max(now - self._job_started, 1e-6),
                eta_seconds=eta,
            )
            due = now - self._last_emit >= self._interval
            if due:
                self._last_emit = now
                snapshot = self._snapshot
        if due:
            self._sink(snapshot)

    def flush(self) -> None:
        with self._lock:
            self._last_emit = self._clock()
            snapshot = self._snapshot
        self._sink(snapshot)
