"""Typed progress events: the only thing the engine tells its faces (TUI panel, CLI progress, JSON summary).

Events are plain frozen dataclasses so both faces render the same facts. High-frequency facts (items so far,
chunks done, requests, errors) travel as cumulative `Progress` snapshots, one series per phase, that the
`ProgressReporter` emits at most a few times per second per phase; rare, notable facts (phase changes,
token fallbacks, failures) go out at once.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
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
class RunTotals:
    """Figures of the whole run so far, summed over every phase of every job (as `Progress.run`).

    `chunks_failed` counts chunks that no token could fetch in a parallel phase (each waits for a retry
    phase), `chunks_retried_ok` those a retry phase then fetched: the difference is what is still missing.
    """

    requests: int = 0
    chunks_failed: int = 0
    chunks_retried_ok: int = 0


@dataclass(frozen=True)
class Progress:
    """The figures of ONE phase (named by `phase`); a later snapshot of a phase replaces its earlier ones.

    Phases may overlap (the interactions sync runs its likes+comments and reposts jobs at once): each has its
    own snapshots, so a face keeps the latest one per phase name.

    Per phase: `items` counts in `item_unit`, and `expected_items` is in that same unit (None: unknown):
    - `calls` (the engine's default): calls answered of calls planned — `expected_items` follows
      `chunks_total`, which grows as answers add follow-up calls (next pages);
    - `member ids` (subscribers fetch): ids received, not counting the ids a page shares with the page
      before it by design (`PAGE_OVERLAP`), of the member count VK reported — equal when nobody joins or
      leaves mid-fetch; `left candidates` (subscribers verify): checked of those to check;
    - `posts` (interactions): posts whose every call is settled of posts to scan;
    - `items`: a list's own count (posts of a wall page, profiles, dialogs) with no expected total.
    `chunks_*` and `requests` belong to the phase too; `requests_per_second` is measured over the phase's
    last few seconds (`RPS_WINDOW_SECONDS`) and `ceiling_rps` is the summed rate limit of the tokens this
    phase uses (disabled ones left out), so the two compare. `errors_by_code` and `tokens` are job-wide, and
    `run` holds the run's totals over all its phases.
    """

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
    item_unit: str = "items"
    run: RunTotals = field(default_factory=RunTotals)


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


ITEM_UNIT_CALLS = "calls"
RPS_WINDOW_SECONDS = 5.0


class PhaseProgress:
    """The figures of one running phase; the engine's workers update it through `ProgressReporter`.

    Counters belong to this phase only, so two phases running at once (the interactions sync's likes+comments
    and reposts jobs) never overwrite each other. Requests per second are measured over the last
    `RPS_WINDOW_SECONDS` of this phase (a job-long average would hide a stall and mix phases of different
    ceilings); `ceiling()` is asked at every snapshot, so tokens cooling down or disabled lower it at once.
    """

    def __init__(
        self,
        name: str,
        *,
        started: float,
        chunks_total: int | None,
        expected_items: int | None,
        item_unit: str,
        ceiling: Callable[[], float],
    ) -> None:
        self.name = name
        self.started = started
        self.chunks_total = chunks_total
        self.expected_items = expected_items
        self.item_unit = item_unit
        self.ceiling = ceiling
        self.items = 0
        self.chunks_done = 0
        self.chunks_failed = 0
        self.chunks_retried_ok = 0
        self.requests = 0
        self.eta_seconds: float | None = None
        self.last_emit = float("-inf")
        self._request_times: deque[float] = deque()

    def count(
        self,
        now: float,
        *,
        items: int,
        chunks_done: int,
        chunks_failed: int,
        chunks_retried_ok: int,
        requests: int,
    ) -> None:
        self.items += items
        self.chunks_done += chunks_done
        self.chunks_failed += chunks_failed
        self.chunks_retried_ok += chunks_retried_ok
        self.requests += requests
        self._request_times.extend(itertools.repeat(now, requests))
        if self.chunks_total and self.chunks_done:
            remaining = max(self.chunks_total - self.chunks_done, 0)
            self.eta_seconds = max(now - self.started, 0.0) * remaining / self.chunks_done

    def requests_per_second(self, now: float, ceiling_rps: float) -> float:
        """Requests of the last `RPS_WINDOW_SECONDS`, per second of that window (or of the phase so far,
        counted as at least one second so the first request does not read as a burst), never above the
        ceiling when one is known.

        Why the cap states the truth: the engine counts a request when a worker takes its turn to send,
        before the token's limiter grants it, and a limiter lets a token's whole window go at once. Over a
        few seconds the count thus runs ahead of what was sent by up to the number of waiting workers, while
        the limiter keeps what VK receives at or below the ceiling (error 6 counts would show it if not)."""
        while self._request_times and self._request_times[0] <= now - RPS_WINDOW_SECONDS:
            self._request_times.popleft()
        span = min(RPS_WINDOW_SECONDS, max(now - self.started, 1.0))
        measured = len(self._request_times) / span
        return min(measured, ceiling_rps) if ceiling_rps > 0 else measured

    def snapshot(
        self,
        now: float,
        ceiling_rps: float,
        errors: Counter[str],
        tokens: dict[str, TokenState],
        run: RunTotals,
    ) -> Progress:
        expected = self.expected_items
        if expected is None and self.item_unit == ITEM_UNIT_CALLS:
            expected = self.chunks_total
        return Progress(
            phase=self.name,
            items=self.items,
            expected_items=expected,
            item_unit=self.item_unit,
            chunks_done=self.chunks_done,
            chunks_total=self.chunks_total,
            chunks_failed=self.chunks_failed,
            chunks_retried_ok=self.chunks_retried_ok,
            requests=self.requests,
            errors_by_code=dict(errors),
            requests_per_second=self.requests_per_second(now, ceiling_rps),
            ceiling_rps=ceiling_rps,
            eta_seconds=self.eta_seconds,
            tokens=dict(tokens),
            run=run,
        )


class ProgressReporter:
    """Thread-safe accumulator of a run's figures that emits each phase's `Progress` at most `max_per_second`
    times a second (every snapshot also carries the run's totals so far).

    Worker threads call `add(phase, ...)` per request with the handle `start_phase` returned; a 10M-member
    sync therefore produces ~4 events per second per running phase, not one per page, so neither the Textual
    event loop nor a terminal is flooded. `flush(phase)` forces an emission (phase boundaries) so the last
    figures are never lost. Phase figures live in their `PhaseProgress`; errors and token states are job-wide.
    The pool's token events may arrive from inside `ceiling()` (a token's cool-down ending), so the ceiling is
    read outside the lock.
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
        self._errors: Counter[str] = Counter()
        self._tokens: dict[str, TokenState] = {}
        self._last: dict[str, Progress] = {}
        self._run = RunTotals()

    def phase_snapshot(self, phase: str) -> Progress | None:
        """The last snapshot emitted for the phase called `phase` (kept after it finished)."""
        with self._lock:
            return self._last.get(phase)

    @property
    def errors_by_code(self) -> dict[str, int]:
        with self._lock:
            return dict(self._errors)

    def emit(self, event: SyncEvent) -> None:
        """Notable events go out at once, unthrottled (they are rare by construction)."""
        self._sink(event)

    def start_phase(
        self,
        phase: str,
        *,
        chunks_total: int | None = None,
        expected_items: int | None = None,
        item_unit: str = ITEM_UNIT_CALLS,
        ceiling: Callable[[], float] = lambda: 0.0,
    ) -> PhaseProgress:
        """Open a phase's figures (units: see `Progress`); the handle goes to `add` and `finish_phase`."""
        handle = PhaseProgress(
            phase,
            started=self._clock(),
            chunks_total=chunks_total,
            expected_items=expected_items,
            item_unit=item_unit,
            ceiling=ceiling,
        )
        self._sink(PhaseStarted(phase, chunks_total))
        self.flush(handle)
        return handle

    def finish_phase(
        self, phase: PhaseProgress, summary: dict[str, int | float | str] | None = None
    ) -> float:
        """Emit the phase's last snapshot and `PhaseFinished`; returns the phase's duration in seconds."""
        seconds = self._clock() - phase.started
        self.flush(phase)
        self._sink(PhaseFinished(phase.name, seconds, dict(summary or {})))
        return seconds

    def add_chunks_total(self, phase: PhaseProgress, extra: int) -> None:
        """Follow-up work discovered while a phase runs (next pages, bridging pages) grows its total."""
        with self._lock:
            phase.chunks_total = (phase.chunks_total or 0) + extra

    def set_items(self, phase: PhaseProgress, items: int) -> None:
        """For phases whose items are a gauge the job keeps (posts finished), not a sum of per-call counts."""
        with self._lock:
            phase.items = items

    def set_token_state(self, label: str, state: TokenState) -> None:
        with self._lock:
            self._tokens[label] = state

    def token_changed(self, label: str, state: TokenState, reason: str) -> None:
        """The token pool's `on_token_event` callback: remember the state and tell the faces at once."""
        self.set_token_state(label, state)
        self._sink(TokenChanged(label, state, reason))

    def add(
        self,
        phase: PhaseProgress,
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
            if requests or chunks_failed or chunks_retried_ok:
                self._run = RunTotals(
                    self._run.requests + requests,
                    self._run.chunks_failed + chunks_failed,
                    self._run.chunks_retried_ok + chunks_retried_ok,
                )
            now = self._clock()
            phase.count(
                now,
                items=items,
                chunks_done=chunks_done,
                chunks_failed=chunks_failed,
                chunks_retried_ok=chunks_retried_ok,
                requests=requests,
            )
            due = now - phase.last_emit >= self._interval
            if due:
                phase.last_emit = now
        if due:
            self._emit_snapshot(phase)

    def flush(self, phase: PhaseProgress) -> None:
        with self._lock:
            phase.last_emit = self._clock()
        self._emit_snapshot(phase)

    def _emit_snapshot(self, phase: PhaseProgress) -> None:
        ceiling = phase.ceiling()
        with self._lock:
            snapshot = phase.snapshot(self._clock(), ceiling, self._errors, self._tokens, self._run)
            self._last[phase.name] = snapshot
        self._sink(snapshot)
