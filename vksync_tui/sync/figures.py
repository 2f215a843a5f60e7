"""How a run went, recorded beside its summary: the `figures` of its SyncRun row.

The summary says what a run did (fetched, joined, failed chunks); its figures say how: the phases of its
engine jobs (seconds, requests, calls), each job's worker count and batch size, and what the list itself
measures (pages, bridge rounds, a resumable checkpoint, …). Each list declares its figures as the fields of
a `RunFigures` subclass, so a misspelt figure is a type error rather than a new key in the database;
`as_json()` is what the row stores (the TUI's history, the mailing resume and the benchmarks read it).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Any

from vksync_tui.sync.engine import FetchReport, PhaseFigures
from vksync_tui.sync.runs import RunSummary

# The fields every run has; `as_json` writes them its own way.
_COMMON = frozenset({"phases", "jobs", "_lock"})


@dataclass(frozen=True)
class JobShape:
    """How the engine ran one job: its most workers at once and its last batch size."""

    workers: int
    batch_size: int


@dataclass
class RunFigures:
    """The figures of a list with none of its own: its jobs' phases and shapes (see the module docstring)."""

    phases: list[PhaseFigures] = field(default_factory=list)
    jobs: dict[str, JobShape] = field(default_factory=dict)
    # jobs of one run may end on different threads (the interactions sync's two scans)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def absorb(self, summary: RunSummary, report: FetchReport, job: str = "") -> None:
        """A job's report into the summary (requests, errors, failed chunks) and its phases and shape here.

        `job` names its shape's figures (`fetch_workers`, `fetch_batch_size`); a list's main job leaves it
        empty (`workers`, `batch_size`)."""
        summary.absorb(report)
        with self._lock:
            self.phases.extend(report.phases)
            self.jobs[job] = JobShape(report.workers, report.batch_size)

    def as_json(self) -> dict[str, Any]:
        """The stored form: every figure that was measured (None: not measured, left out), nested
        dataclasses as objects."""
        with self._lock:
            stored: dict[str, Any] = {"phases": [phase.as_dict() for phase in self.phases]}
            for job, shape in self.jobs.items():
                prefix = f"{job}_" if job else ""
                stored[f"{prefix}workers"] = shape.workers
                stored[f"{prefix}batch_size"] = shape.batch_size
        for figure in dataclasses.fields(self):
            value = getattr(self, figure.name)
            if figure.name in _COMMON or value is None:
                continue
            nested = dataclasses.is_dataclass(value) and not isinstance(value, type)
            stored[figure.name] = dataclasses.asdict(value) if nested else value
        return stored
