"""The seven lists the dashboard shows, and the read-only queries behind their cards.

Everything here runs in worker threads (a COUNT over a 10M-member community takes a moment), never on the UI
loop; the results are plain dataclasses the cards render.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vksync_tui.store import models
from vksync_tui.sync.diff import is_baseline
from vksync_tui.sync.registry import LISTS as SYNC_REGISTRY


@dataclass(frozen=True)
class ListInfo:
    name: str
    title: str
    rows_label: str
    rows: Callable[[int], int]


def _subscribers(group_id: int) -> int:
    return (
        models.Membership.select()
        .where((models.Membership.community_id == group_id) & (models.Membership.is_current == True))  # noqa: E712
        .count()
    )


def _posts(group_id: int) -> int:
    return models.Post.select().where(models.Post.community_id == group_id).count()


def _authors(group_id: int) -> int:
    return models.Author.select().where(models.Author.community_id == group_id).count()


def _interactions(group_id: int) -> int:
    return models.Interaction.select().where(models.Interaction.community_id == group_id).count()


def _mailing(group_id: int) -> int:
    return models.Mailing.select().where(models.Mailing.community_id == group_id).count()


def _mailing_analysed(group_id: int) -> int:
    return (
        models.Mailing.select()
        .where((models.Mailing.community_id == group_id) & models.Mailing.analysed_at.is_null(False))
        .count()
    )


def _profiles(_group_id: int) -> int:
    return models.User.select().where(models.User.refreshed_at.is_null(False)).count()


LISTS: tuple[ListInfo, ...] = (
    ListInfo("subscribers", "Subscribers", "members", _subscribers),
    ListInfo("posts", "Posts", "posts", _posts),
    ListInfo("authors", "Authors", "authors", _authors),
    ListInfo("interactions", "Interactions", "interactions", _interactions),
    ListInfo("mailing", "Mailing", "dialogs", _mailing),
    ListInfo("mailing-analysis", "Mailing analysis", "dialogs analysed", _mailing_analysed),
    ListInfo("profiles", "Profiles", "profiles", _profiles),
)
LISTS_BY_NAME = {info.name: info for info in LISTS}


def registered_lists() -> frozenset[str]:
    """Lists whose sync is registered with the engine; the others show "not available yet"."""
    return frozenset(SYNC_REGISTRY)


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
    info: ListInfo
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
            info.rows(group_id),
            last_run(info.name, group_id),
            pending_diff(group_id) if info.name == "subscribers" else None,
        )
        for info in LISTS
    ]
