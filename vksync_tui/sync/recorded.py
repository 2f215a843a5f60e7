"""The frame every list run shares: a SyncRun row, a job reporter, and one way to end (done, failed, raised).

`run_recorded` starts the run row, runs `body(reporter, summary, figures)` and, whatever happens, completes
the row from the summary and the figures (the list's `RunFigures`) the body filled in, and emits
`JobFinished`. VK, store and input
errors end the run as `failed` with a redacted one-line reason (input errors, and an API URL that does not
answer as VK, are re-raised for the faces' exit code 2); anything else is recorded the same way and re-raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from vksync_tui.secrets import redact
from vksync_tui.store.errors import StoreError
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.engine import PhasedFetch
from vksync_tui.sync.errors import ApiUrlMisconfigured, SyncInputError
from vksync_tui.sync.events import JobFinished, ProgressReporter
from vksync_tui.sync.figures import RunFigures
from vksync_tui.sync.runs import RunSummary, finish_run, start_run
from vksync_tui.vk.errors import ApiUrlError, VkError
from vksync_tui.vk.tokens import PooledToken

F = TypeVar("F", bound=RunFigures)
RunBody = Callable[[ProgressReporter, RunSummary, F], None]


class ListRun(Generic[F]):
    """What every list's run works with inside `run_recorded`: the context, the job's reporter and engine,
    the tokens it may use, and the summary and figures the run frame records. Lists subclass it."""

    def __init__(
        self,
        ctx: SyncContext,
        reporter: ProgressReporter,
        tokens: Sequence[PooledToken],
        summary: RunSummary,
        figures: F,
    ) -> None:
        self.ctx = ctx
        self.reporter = reporter
        self.tokens = list(tokens)
        self.summary = summary
        self.figures = figures
        self.group_id = summary.group_id
        self.run_id = int(summary.run_id or 0)
        self.engine: PhasedFetch = ctx.engine(reporter)


def run_recorded(
    ctx: SyncContext, list_name: str, group_id: int, body: RunBody[F], figures: F
) -> RunSummary:
    """Run `body` as one recorded run of `list_name` for `group_id`, recording `figures` (the list's
    `RunFigures`, filled in by `body`); see the module docstring."""
    started = time.monotonic()
    summary = RunSummary(list_name, group_id, status="running")
    summary.run_id = start_run(ctx, list_name, group_id)
    try:
        with ctx.job_reporter() as reporter:
            try:
                body(reporter, summary, figures)
            except (SyncInputError, VkError, StoreError) as error:
                summary.status, summary.error = "failed", redact(str(error))
                if isinstance(error, SyncInputError):
                    raise
                if isinstance(error, ApiUrlError):
                    raise ApiUrlMisconfigured(str(error)) from None
            except BaseException as error:
                summary.status, summary.error = "failed", redact(f"{type(error).__name__}: {error}")
                raise
            finally:
                summary.seconds = time.monotonic() - started
                finish_run(ctx, summary, figures.as_json())
    finally:
        # Emitted once the reporter detached: a face that sees JobFinished may reload the pool at once.
        ctx.emit(JobFinished(summary.status, summary.as_json(), summary.error))  # type: ignore[arg-type]
    return summary


def ending_status(summary: RunSummary, cancelled: bool, unfinished: int, what: str) -> None:
    """Set the summary's final status: cancelled, failed (`unfinished` of `what` left, as in "3 page(s) of
    dialogs could not be fetched"), or done."""
    if cancelled:
        summary.status = "cancelled"
    elif unfinished:
        summary.status = "failed"
        summary.error = f"{unfinished} {what} could not be fetched; run again to finish"
    else:
        summary.status = "done"
