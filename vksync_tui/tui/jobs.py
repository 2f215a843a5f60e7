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
class PhaseRun:
    """One job's run of a phase: its total, whether it ended, and the latest snapshot that named it."""

    total: int | None = None
    done: bool = False
    seconds: float | None = None
    last: Progress | None = None

    @property
    def chunks_total(self) -> int | None:
        return self.last.chunks_total if self.last is not None and self.last.chunks_total else self.total


@dataclass
class PhaseView:
    """Everything the run did under one phase name, summed over the jobs that ran it.

    Several jobs may run a phase of the same name one after another (posts checks each admin token in a job
    of its own, all called `admin-check`): the panel shows one row per name with the sum of their figures,
    never one row per job. A Progress snapshot belongs to the latest run of its name that has not ended.
    """

    number: int
    name: str
    runs: list[PhaseRun] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return bool(self.runs) and all(run.done for run in self.runs)

    @property
    def seconds(self) -> float | None:
        times = [run.seconds for run in self.runs if run.seconds is not None]
        return sum(times) if times else None

    @property
    def snapshots(self) -> list[Progress]:
        return [run.last for run in self.runs if run.last is not None]

    @property
    def chunks_total(self) -> int | None:
        totals = [run.chunks_total for run in self.runs]
        return None if not totals or None in totals else sum(t for t in totals if t is not None)

    @property
    def chunks_done(self) -> int:
        return sum(progress.chunks_done for progress in self.snapshots)

    @property
    def items(self) -> int:
        return sum(progress.items for progress in self.snapshots)

    @property
    def expected_items(self) -> int | None:
        expected = [progress.expected_items for progress in self.snapshots]
        return None if not expected or None in expected else sum(e for e in expected if e is not None)

    @property
    def item_unit(self) -> str:
        snapshots = self.snapshots
        return snapshots[-1].item_unit if snapshots else "items"

    @property
    def running(self) -> list[Progress]:
        """The latest snapshots of this name's runs that have not ended (usually one)."""
        return [run.last for run in self.runs if not run.done and run.last is not None]

    @property
    def complete(self) -> bool:
        """Ended with every chunk done (a cancelled or failed phase ends short of its total); a phase that
        ended before any snapshot of it arrived counts as complete (nothing says otherwise)."""
        total = self.chunks_total
        return self.done and (not self.snapshots or total is None or self.chunks_done >= total)

    def current_run(self) -> PhaseRun | None:
        return next((run for run in reversed(self.runs) if not run.done), None)


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
    # What the operator did with the pending diff this run saved ("applied" / "discarded"), once decided.
    decided: str | None = None
    # The run's latest warning or error of its own (a `Notice`: reposts skipped, no posts to scan), which a
    # panel too narrow for the log keeps in view after later lines.
    notice: tuple[str, str] | None = None

    @property
    def running(self) -> bool:
        return self.finished is None and self.crashed is None

    @property
    def status(self) -> str:
        if self.crashed is not None:
            return "failed"
        if self.finished is not None:
            return self.decided or self.finished.status
        return "running"

    def diff_decided(self, run_id: int, outcome: str) -> bool:
        """The pending diff of run `run_id` was applied or discarded: if this run saved it, say so."""
        if self.finished is None or self.finished.status != "pending" or self.run_id != run_id:
            return False
        self.decided = outcome
        self._note("info", f"pending diff {outcome}")
        return True

    def apply(self, event: SyncEvent) -> None:
        """Fold one engine event into the view (events arrive in order, from one job)."""
        match event:
            case JobStarted():
                self.run_id = event.run_id
                self.expected_items = event.expected_items
            case PhaseStarted():
                self._start_run(event.phase, event.total)
            case PhaseFinished():
                run = self._current_run(event.phase) or self._start_run(event.phase, None)
                run.done, run.seconds = True, event.seconds
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
                if event.level in ("warning", "error"):
                    self.notice = self.log[-1]
            case Progress():
                self.progress = event
                self.tokens.update(event.tokens)
                run = self._current_run(event.phase)
                if run is None and event.phase not in PRE_PHASE_NAMES:
                    run = self._start_run(event.phase, event.chunks_total)
                if run is not None:
                    run.last = event
            case JobFinished():
                self.finished = event
                level = "info" if event.status in ("applied", "pending", "done") else "error"
                self._note(level, f"finished: {event.status}" + (f" — {event.error}" if event.error else ""))

    def phase(self, name: str) -> PhaseView | None:
        return next((phase for phase in self.phases if phase.name == name), None)

    def _current_run(self, name: str) -> PhaseRun | None:
        """The run of phase `name` that has not ended yet (the latest one)."""
        phase = self.phase(name)
        return phase.current_run() if phase is not None else None

    def _start_run(self, name: str, total: int | None) -> PhaseRun:
        phase = self.phase(name)
        if phase is None:
            phase = PhaseView(len(self.phases) + 1, name)
            self.phases.append(phase)
        run = PhaseRun(total=total)
        phase.runs.append(run)
        return run

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
