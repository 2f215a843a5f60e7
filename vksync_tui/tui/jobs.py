"""What the TUI knows about a running sync: the engine's events folded into one plain state object.

The sync panel renders a `JobView`; keeping the folding here (no widgets, no Textual) makes the panel a pure
function of its state and lets tests check the figures without a terminal.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from vksync_tui.secrets import redact
from vksync_tui.sync.errors import SyncInputError
from vksync_tui.sync.events import (
    ChunkFailed,
    ChunkRetried,
    JobFinished,
    JobStarted,
    Notice,
    PhaseFinished,
    PhaseStarted,
    Progress,
    SyncEvent,
    TokenChanged,
    TokenState,
)

LOG_LINES = 8
# The reporter's initial snapshot names a phase before any phase has started: not a phase to show.
PRE_PHASE_NAMES = frozenset({"recon", "starting"})


@dataclass(frozen=True)
class JobKey:
    """One running job per (list, community): starting the same pair twice is refused, not queued."""

    list_name: str
    group_id: int

    @property
    def slug(self) -> str:
        """A string safe for worker groups and widget ids."""
        return f"{self.list_name}-{self.group_id}"


@dataclass
class PhaseView:
    """One phase run; the engine reuses names ("parallel", "retry") for every step of a job, so phases are
    kept in order of appearance rather than by name."""

    number: int
    name: str
    total: int | None = None
    done: bool = False
    seconds: float | None = None
    summary: dict[str, int | float | str] = field(default_factory=dict)
    # The latest Progress snapshot that named this phase: its own bar and ETA when phases overlap.
    last: Progress | None = None


@dataclass
class JobView:
    """Everything the panel shows about one job; updated only on the UI thread."""

    key: JobKey
    run_id: int | None = None
    expected_items: int | None = None
    phases: list[PhaseView] = field(default_factory=list)
    progress: Progress = field(default_factory=lambda: Progress(phase="starting"))
    tokens: dict[str, TokenState] = field(default_factory=dict)
    log: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    finished: JobFinished | None = None
    crashed: str | None = None

    @property
    def running(self) -> bool:
        return self.finished is None and self.crashed is None

    @property
    def status(self) -> str:
        if self.crashed is not None:
            return "failed"
        if self.finished is not None:
            return self.finished.status
        return "running"

    def apply(self, event: SyncEvent) -> None:
        """Fold one engine event into the view (events arrive in order, from one job)."""
        match event:
            case JobStarted():
                self.run_id = event.run_id
                self.expected_items = event.expected_items
            case PhaseStarted():
                self._start_phase(event.phase, event.total)
            case PhaseFinished():
                phase = self.current_phase(event.phase) or self._start_phase(event.phase, None)
                phase.done, phase.seconds, phase.summary = True, event.seconds, dict(event.summary)
            case ChunkFailed():
                self._note("warning", f"chunk {event.chunk} failed in {event.phase}: {event.error}")
            case ChunkRetried():
                outcome = "recovered" if event.ok else f"still failing: {event.error}"
                self._note("info" if event.ok else "error", f"retry of chunk {event.chunk} {outcome}")
            case TokenChanged():
                self.tokens[event.label] = event.state
                self._note(
                    "warning" if event.state != "ok" else "info",
                    f"token {event.label} → {event.state} ({event.reason})",
                )
            case Notice():
                self._note(event.level, event.text)
            case Progress():
                self.progress = event
                self.tokens.update(event.tokens)
                phase = self.current_phase(event.phase)
                if phase is None and event.phase not in PRE_PHASE_NAMES:
                    phase = self._start_phase(event.phase, event.chunks_total)
                if phase is not None:
                    phase.last = event
            case JobFinished():
                self.finished = event
                level = "info" if event.status in ("applied", "pending", "done") else "error"
                self._note(level, f"finished: {event.status}" + (f" — {event.error}" if event.error else ""))

    def current_phase(self, name: str) -> PhaseView | None:
        """The running phase called `name` (the latest one not finished yet)."""
        return next((phase for phase in reversed(self.phases) if phase.name == name and not phase.done), None)

    def _start_phase(self, name: str, total: int | None) -> PhaseView:
        phase = PhaseView(len(self.phases) + 1, name, total=total)
        self.phases.append(phase)
        return phase

    def crash(self, error: BaseException) -> None:
        """The worker raised instead of finishing: show the (redacted) reason, never a traceback."""
        reason = str(error) if isinstance(error, SyncInputError) else f"{type(error).__name__}: {error}"
        self.crashed = redact(reason)
        self._note("error", f"sync crashed: {self.crashed}")

    def token_counts(self) -> dict[str, int]:
        counts = {"ok": 0, "cooling": 0, "disabled": 0}
        for state in self.tokens.values():
            counts[state] = counts.get(state, 0) + 1
        return counts

    def _note(self, level: str, text: str) -> None:
        self.log.append((level, redact(text)))


@dataclass
class RunningJob:
    """A job the App owns: its view, the cancel event its engine watches, and its start options."""

    key: JobKey
    view: JobView
    cancel: threading.Event = field(default_factory=threading.Event)
    options: dict[str, object] = field(default_factory=dict)
    # Set by the worker thread when `run_sync` returns or raises: lets a caller wait for the thread itself.
    thread_done: threading.Event = field(default_factory=threading.Event)
