"""The lists the dashboard shows (every list of `sync.registry.LISTS`, in its order), and the read-only
queries behind their cards.

Everything here runs in worker threads (a COUNT over a 10M-member community takes a moment), never on the UI
loop; the results are plain dataclasses the cards render.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vksync_tui.store import models
from vksync_tui.sync.definition import ListDefinition
from vksync_tui.sync.diff import is_baseline
from vksync_tui.sync.registry import LISTS


def registered_lists() -> frozenset[str]:
    """The lists a card may start: every defined list (the card of any other says "not available yet")."""
    return frozenset(LISTS)


@dataclass(frozen=True)
class RunInfo:
    """The latest SyncRun of a list, as the card shows it."""

    run_id: int
    started_at: float | None
    finished_at: float | None
    status: str
    expected: int | None
    fetched: int | None
    requests: int | None
    failed_chunks: int
    figures: dict[str, object] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class PendingInfo:
    run_id: int
    created_at: float | None
    expected: int | None
    fetched: int | None
    joined: int
    left: int
    still_member: int
    threshold: float | None
    baseline: bool = False
    # Someone in the diff has no fetched profile (read when the review opens: `diff_pages.profiles_missing`).
    profiles_missing: bool = False


@dataclass(frozen=True)
class ListStatus:
    info: ListDefinition
    available: bool
    rows: int
    last_run: RunInfo | None
    pending: PendingInfo | None = None


def _failed_count(raw: object) -> int:
    if isinstance(raw, list | dict):
        return len(raw)
    return int(raw) if isinstance(raw, int) else 0


def last_run(list_name: str, group_id: int) -> RunInfo | None:
    run = (
        models.SyncRun.select()
        .where((models.SyncRun.list_name == list_name) & (models.SyncRun.community_id == group_id))
        .order_by(models.SyncRun.id.desc())
        .first()
    )
    if run is None:
        return None
    return RunInfo(
        run_id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        expected=run.expected,
        fetched=run.fetched,
        requests=run.requests,
        failed_chunks=_failed_count(run.failed_chunks),
        figures=run.figures if isinstance(run.figures, dict) else {},
        error=run.error,
    )


def pending_diff(group_id: int) -> PendingInfo | None:
    diff = models.PendingDiff.select().where(models.PendingDiff.community_id == group_id).first()
    if diff is None:
        return None
    return PendingInfo(
        run_id=diff.run_id,
        created_at=diff.created_at,
        expected=diff.expected,
        fetched=diff.fetched,
        joined=diff.joined,
        left=diff.left,
        still_member=diff.still_member,
        threshold=diff.threshold,
        baseline=is_baseline(group_id),
    )


def list_statuses(group_id: int) -> list[ListStatus]:
    """One status per list, read in one go (from a worker thread: counts over big lists take a moment)."""
    available = registered_lists()
    return [
        ListStatus(
            info,
            info.name in available,
            info.stored_rows(group_id),
            last_run(info.name, group_id),
            pending_diff(group_id) if info.name == "subscribers" else None,
        )
        for info in LISTS.values()
    ]
