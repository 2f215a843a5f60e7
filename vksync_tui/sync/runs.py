"""Sync-run records (`SyncRun` rows) and the summary every run ends with.

A run row is written when a sync starts (status `running`) and completed when it ends, whatever the end:
`applied` / `pending` / `done`, `aborted` (safety threshold), `cancelled`, `failed`. The figures per phase and
the keys of chunks that never came in are kept as JSON, so the TUI's history and `--json` show the same facts.
Writes go through the context's single writer.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vksync_tui.secrets import redact
from vksync_tui.store.models import PendingDiff, PendingDiffItem, SyncRun
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.engine import FetchReport

RUN_STATUSES = ("running", "applied", "pending", "done", "aborted", "cancelled", "failed", "interrupted")


@dataclass
class RunSummary:
    """The outcome of one `run_sync`; `as_json()` is the CLI's final `--json` line."""

    list_name: str
    group_id: int
    status: str
    run_id: int | None = None
    expected: int | None = None
    fetched: int = 0
    joined: int = 0
    left: int = 0
    verified_still_member: int = 0
    failed_chunks: list[str] = field(default_factory=list)
    retried_ok: int = 0
    fell_back: int = 0  # batches a token failed that another token then sent
    rate_requeued: int = 0  # calls sent again after every token tried answered error 6
    requests: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # jobs of one run may finish on different threads (e.g. the posts admin check beside the full pass)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "group_id": self.group_id,
            "status": self.status,
            "expected": self.expected,
            "fetched": self.fetched,
            "joined": self.joined,
            "left": self.left,
            "verified_still_member": self.verified_still_member,
            "failed_chunks": list(self.failed_chunks),
            "retried_ok": self.retried_ok,
            "fell_back": self.fell_back,
            "rate_requeued": self.rate_requeued,
            "requests": self.requests,
            "errors_by_code": dict(sorted(self.errors_by_code.items())),
            "seconds": round(self.seconds, 3),
            "run_id": self.run_id,
            "error": self.error,
            **self.extras,
        }

    def absorb(self, report: FetchReport) -> None:
        """Take the engine's figures (requests, retries, errors, failed chunk keys) into the summary."""
        with self._lock:
            self.requests += report.requests
            self.retried_ok += report.retried_ok
            self.fell_back += report.fell_back
            self.rate_requeued += report.rate_requeued
            for code, count in report.errors_by_code.items():
                self.errors_by_code[code] = self.errors_by_code.get(code, 0) + count
            self.failed_chunks.extend(report.failed_keys)


def start_run(ctx: SyncContext, list_name: str, group_id: int) -> int:
    """Record a new run; an earlier run of the same list and community left `running` by a crash is closed
    as `interrupted` (a new run of that pair means the old one is not running any more), and the diff items
    such a run wrote but never made a pending diff go: a process killed between a subscribers diff and its
    `PendingDiff` header leaves them, invisible (everything reads items through a header) but never used."""
    now = ctx.now()

    def record() -> int:
        same_pair = (SyncRun.list_name == list_name) & (SyncRun.community_id == group_id)
        stale = same_pair & (SyncRun.status == "running")
        SyncRun.update(
            status="interrupted", finished_at=now, error="the process stopped before the run ended"
        ).where(stale).execute()
        with_header = PendingDiff.select(PendingDiff.run_id)
        without_header = SyncRun.select(SyncRun.id).where(
            same_pair & (SyncRun.status != "running") & SyncRun.id.not_in(with_header)
        )
        PendingDiffItem.delete().where(PendingDiffItem.run_id.in_(without_header)).execute()
        return int(SyncRun.insert(list_name=list_name, community_id=group_id, started_at=now).execute())

    return ctx.write(record)


def finish_run(ctx: SyncContext, summary: RunSummary, figures: Mapping[str, Any] | None = None) -> None:
    """Complete the run's row from its summary (status, counts, figures, failed chunks, redacted error)."""
    if summary.run_id is None:
        return
    now = ctx.now()
    stored_figures = {**summary.as_json(), **(figures or {})}
    error = redact(summary.error) if summary.error else None

    def record() -> None:
        SyncRun.update(
            status=summary.status,
            finished_at=now,
            expected=summary.expected,
            fetched=summary.fetched,
            requests=summary.requests,
            figures=stored_figures,
            failed_chunks=list(summary.failed_chunks),
            error=error,
        ).where(SyncRun.id == summary.run_id).execute()

    ctx.write(record)


def incidents_line(summary: Mapping[str, Any]) -> str:
    """What the run met and worked around (VK errors, token fallbacks, re-sends, retries), from its summary
    (`RunSummary.as_json()`), so an operator sees — in the CLI's summary and the TUI's finished panel — that
    a run which finished had to get past a failing token or VK's rate limit; empty for a clean run. Calls
    that never came in are shown on their own (`failed chunks`)."""
    errors = summary.get("errors_by_code") or {}
    parts = []
    if errors:
        parts.append("VK/transport errors " + ", ".join(f"{code}×{count}" for code, count in errors.items()))
    if summary.get("fell_back"):
        parts.append(f"{summary['fell_back']} batch(es) sent by another token")
    if summary.get("rate_requeued"):
        parts.append(f"{summary['rate_requeued']} call(s) sent again after error 6")
    if summary.get("retried_ok"):
        parts.append(f"{summary['retried_ok']} call(s) recovered in the retry phase")
    return "during the run: " + "; ".join(parts) if parts else ""
