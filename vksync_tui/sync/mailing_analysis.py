"""Mailing analysis: when each dialog started and who started it (the user, or the community's mailing).

For every mailing user of the community without an analysis (every one with `all_users=True`):
`messages.getHistory(peer_id, count=1, rev=1)` returns the dialog's first message; its date becomes
`first_message_date` and its author `first_message_from_id` — the user's id, or the community's negative id
when the community wrote first (`out = 1` or a negative `from_id`). A dialog with no messages left is marked
analysed with both fields empty. Community tokens only (those `mailing.dialog_tokens` finds).

Batching and pacing ("staggered parallel execute"): 20 calls per `execute` (configurable up to
25); the engine's workers start one request interval apart (`FetchJob.stagger`, interval = 1 / Σ rps of the
tokens: derived from their real limits, not a fixed pause), so the first wave does not arrive at once and
draw error 6; failed packets go to the engine's sequential retry phase. Results are committed in small
groups as they arrive, so a cancelled run keeps what it analysed and the next run continues with the rest.
"""

from __future__ import annotations

import threading
from array import array
from dataclasses import dataclass
from functools import partial
from typing import Any

import peewee as pw

from vksync_tui.store.bulk import execute_many, upsert_sql
from vksync_tui.store.models import Mailing
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.engine import MAX_EXECUTE_CALLS, Chunk, FetchJob
from vksync_tui.sync.errors import SyncInputError
from vksync_tui.sync.events import JobStarted, ProgressReporter
from vksync_tui.sync.figures import RunFigures
from vksync_tui.sync.mailing import dialog_tokens
from vksync_tui.sync.recorded import ending_status, run_recorded
from vksync_tui.sync.runs import RunSummary
from vksync_tui.vk.errors import TransientError
from vksync_tui.vk.execute import ApiCall

LIST_NAME = "mailing-analysis"
DEFAULT_BATCH = 20  # packet size: 20 getHistory calls per execute
WRITE_EVERY = 200  # analysed dialogs per writer job

ANALYSIS_COLUMNS: tuple[pw.Field, ...] = (
    Mailing.community_id,
    Mailing.user_id,
    Mailing.first_message_date,
    Mailing.first_message_from_id,
    Mailing.analysed_at,
)


def users_to_analyse(group_id: int, all_users: bool) -> array:
    """Mailing users of the community with a dialog, by id; only those never analysed unless `all_users`."""
    query = Mailing.select(Mailing.user_id).where(
        (Mailing.community_id == group_id) & (Mailing.has_dialog == True)  # noqa: E712 (peewee expression)
    )
    if not all_users:
        query = query.where(Mailing.analysed_at.is_null())
    return array("q", (user_id for (user_id,) in query.order_by(Mailing.user_id).tuples().iterator()))


def analysed_dialogs(group_id: int) -> int:
    analysed = (Mailing.community_id == group_id) & Mailing.analysed_at.is_null(False)
    return Mailing.select().where(analysed).count()


def first_message_initiator(message: dict[str, Any], group_id: int) -> int | None:
    """Who wrote the first message: the user's id, or `-group_id` when the community did."""
    from_id = message.get("from_id")
    if message.get("out") == 1 or (isinstance(from_id, int) and from_id < 0):
        return -group_id
    return from_id if isinstance(from_id, int) else None


def sync_mailing_analysis(
    ctx: SyncContext, group_id: int, *, all_users: bool = False, batch: int = DEFAULT_BATCH
) -> RunSummary:
    """Analyse the community's dialogs (see the module docstring); records a SyncRun."""
    if not 0 < batch <= MAX_EXECUTE_CALLS:
        raise SyncInputError(f"batch must be 1..{MAX_EXECUTE_CALLS} calls per execute, got {batch}")

    def body(reporter: ProgressReporter, summary: RunSummary, figures: AnalysisFigures) -> None:
        _analyse(ctx, reporter, summary, figures, all_users, batch)

    return run_recorded(ctx, LIST_NAME, group_id, body, AnalysisFigures())


@dataclass
class AnalysisFigures(RunFigures):
    """The community tokens that asked, and the interval their workers started apart (`FetchJob.stagger`)."""

    tokens: list[str] | None = None
    stagger_seconds: float | None = None


def _analyse(
    ctx: SyncContext,
    reporter: ProgressReporter,
    summary: RunSummary,
    figures: AnalysisFigures,
    all_users: bool,
    batch: int,
) -> None:
    group_id = summary.group_id
    engine = ctx.engine(reporter)
    found = dialog_tokens(ctx, engine, reporter, group_id)
    if ctx.cancel.is_set():
        summary.status = "cancelled"
        return
    user_ids = ctx.write(partial(users_to_analyse, group_id, all_users))
    summary.expected = len(user_ids)
    chunks = (
        Chunk(
            f"peer={user_id}",
            ApiCall("messages.getHistory", {"group_id": group_id, "peer_id": user_id, "count": 1, "rev": 1}),
        )
        for user_id in user_ids
    )
    reporter.emit(JobStarted(summary.run_id, LIST_NAME, group_id, len(user_ids), len(user_ids)))
    sink = _FirstMessages(ctx, group_id)
    job = FetchJob(
        LIST_NAME,
        chunks,
        found.tokens,
        sink.on_result,
        total_chunks=len(user_ids),
        batch_size=batch,
        stagger=True,
        phase="analyse",
    )
    report = engine.run(job)
    sink.flush()
    ctx.writer.flush()
    figures.absorb(summary, report)
    summary.fetched = sink.analysed
    summary.extras["started_by_community"] = sink.by_community
    summary.extras["empty_dialogs"] = sink.empty
    figures.tokens = [token.label for token in found.tokens]
    figures.stagger_seconds = round(1.0 / max(ctx.pool.ceiling_rps(found.tokens), 1e-9), 4)
    unfinished = len(report.failed) + len(report.rejected)
    ending_status(summary, report.cancelled or ctx.cancel.is_set(), unfinished, "dialog(s)")


class _FirstMessages:
    """on_result of the analysis job: rows gathered and committed `WRITE_EVERY` at a time."""

    def __init__(self, ctx: SyncContext, group_id: int) -> None:
        self.ctx = ctx
        self.group_id = group_id
        self.sql = upsert_sql(
            Mailing, ANALYSIS_COLUMNS, [Mailing.community_id, Mailing.user_id], preserve=ANALYSIS_COLUMNS[2:]
        )
        self.analysed = 0
        self.by_community = 0
        self.empty = 0
        self._rows: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()

    def on_result(self, chunk: Chunk, value: Any) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("items"), list):
            raise TransientError("messages.getHistory answer without items")
        user_id = chunk.int_param("peer_id")
        first = value["items"][0] if value["items"] else None
        if first is not None and not isinstance(first, dict):
            raise TransientError("messages.getHistory item is not a message")
        date = first.get("date") if first else None
        initiator = first_message_initiator(first, self.group_id) if first else None
        row = (self.group_id, user_id, date, initiator, self.ctx.now())
        with self._lock:
            self._rows.append(row)
            self.analysed += 1
            self.by_community += int(initiator is not None and initiator < 0)
            self.empty += int(first is None)
            ready = self._take() if len(self._rows) >= WRITE_EVERY else []
        if ready:
            self.ctx.writer.submit(partial(execute_many, self.ctx.db, self.sql, ready))

    def _take(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def flush(self) -> None:
        """Queue whatever is still gathered (the job ended, or was cancelled)."""
        with self._lock:
            rows = self._take()
        if rows:
            self.ctx.writer.submit(partial(execute_many, self.ctx.db, self.sql, rows))
