"""The sync panel tells the truth: run totals and per-phase figures labelled as such, one row per phase name,
a stopped run's bars where they stopped, and the outcome of the diff review once the operator decided."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.helpers.tui import GROUP_ID, open_review, settle, visible
from tests.helpers.tui_jobs import feed_job, subscribers_fetching
from tests.helpers.tui_seed import seed_pending
from vksync_tui.sync.events import (
    JobFinished,
    JobStarted,
    PhaseFinished,
    PhaseStarted,
    Progress,
    RunTotals,
    SyncEvent,
)
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.jobs import JobKey
from vksync_tui.tui.widgets.sync_panel import PhaseRow, SyncPanel, figures_text


def panel(app: VkSyncApp, key: JobKey) -> SyncPanel:
    return app.dashboard.query_one(f"#panel-{key.slug}", SyncPanel)


def row_texts(app: VkSyncApp, key: JobKey) -> list[str]:
    lines = visible(app).splitlines()
    names = [str(row.children[0].render()) for row in panel(app, key).query(PhaseRow)]
    return [next(line for line in lines if f"│ {name} " in line) for name in names]


def posts_run() -> list[SyncEvent]:
    """The posts sync's shape: a recon, one admin check per admin token (three jobs), then the head."""
    events: list[SyncEvent] = [JobStarted(3, "posts", GROUP_ID, None, None)]
    for _ in range(3):
        events += [
            PhaseStarted("admin-check", 1),
            Progress(
                phase="admin-check",
                chunks_done=1,
                chunks_total=1,
                items=1,
                expected_items=1,
                item_unit="calls",
                requests=1,
            ),
            PhaseFinished("admin-check", 0.2),
        ]
    events += [
        PhaseStarted("posts-head", 2),
        Progress(
            phase="posts-head",
            chunks_done=1,
            chunks_total=2,
            items=100,
            requests=1,
            eta_seconds=3.0,
            requests_per_second=1.0,
            ceiling_rps=9.0,
            run=RunTotals(4, 0, 0),
        ),
    ]
    return events


async def test_one_row_per_phase_name_with_its_own_figures(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        key = await feed_job(app, pilot, "posts", posts_run())
        rows = row_texts(app, key)
        assert len(rows) == 2
        assert "admin-check ×3" in rows[0] and "3/3 calls · done in 0:01" in rows[0]
        assert "head" in rows[1] and "50%" in rows[1] and "100 items · ETA 0:03" in rows[1]
        figures = figures_text(app.jobs[key].view).plain
        assert "run: 4 requests" in figures and "now: head 1.0 rps of 9.0 ceiling" in figures


def threshold_abort_run() -> list[SyncEvent]:
    failed = [f"offset={n * 1000}" for n in range(10)]
    return [
        JobStarted(5, "subscribers", GROUP_ID, 60_000, 3),
        PhaseStarted("fetch", 30),
        Progress(
            phase="fetch",
            items=50_000,
            expected_items=60_000,
            chunks_done=20,
            chunks_total=30,
            chunks_failed=10,
            requests=2,
            item_unit="member ids",
            run=RunTotals(3, 10, 0),
        ),
        PhaseFinished("fetch", 1.0),
        PhaseStarted("retry", 10),
        Progress(phase="retry", chunks_done=0, chunks_total=10, requests=10, run=RunTotals(13, 10, 0)),
        PhaseFinished("retry", 2.0),
        JobFinished(
            "aborted",
            {
                "expected": 60_000,
                "fetched": 50_000,
                "requests": 13,
                "failed_chunks": failed,
                "retried_ok": 0,
                "seconds": 3.0,
            },
            "safety threshold: fetched 50000 unique member ids of 60000 expected; 10 chunks failed",
        ),
    ]


async def test_a_threshold_abort_shows_the_runs_failed_chunks(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.push_review = lambda *args: None  # type: ignore[method-assign]  # only the panel matters here
        key = await feed_job(app, pilot, "subscribers", threshold_abort_run())
        figures = figures_text(app.jobs[key].view).plain
        assert "status aborted" in figures
        assert "run: 13 requests · 10 chunks failed, 0 retried ok" in figures
        assert "failed 0" not in figures


async def test_a_cancelled_run_leaves_its_bars_where_they_stopped(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    events = [
        *subscribers_fetching(100_000, 4, 2),
        PhaseFinished("fetch", 2.0),
        JobFinished("cancelled", {"expected": 100_000, "fetched": 50_000}),
    ]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        key = await feed_job(app, pilot, "subscribers", events)
        recon, fetch = row_texts(app, key)
        assert "100%" in recon and "done in" in recon
        assert "50%" in fetch and "100%" not in fetch
        assert "50,000/100,000 member ids · cancelled" in fetch and "done in" not in fetch


@pytest.mark.parametrize(("key", "outcome"), [("y", "applied"), ("n", "discarded")])
async def test_the_panel_says_what_became_of_the_diff_once_decided(
    make_app: Callable[..., VkSyncApp], key: str, outcome: str
) -> None:
    app = make_app()
    run_id = seed_pending(joined=5, left=2)
    events: list[SyncEvent] = [
        JobStarted(run_id, "subscribers", GROUP_ID, 1000, 1),
        JobFinished("pending", {"expected": 1000, "fetched": 990, "run_id": run_id}),
    ]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.open_review = lambda group_id: None  # type: ignore[method-assign]  # opened with `r` below
        job = await feed_job(app, pilot, "subscribers", events)
        assert panel(app, job).border_subtitle == "pending" and panel(app, job).has_class("-pending")
        del app.open_review
        await open_review(app, pilot)
        await pilot.press(key)
        await settle(app, pilot)
        assert app.screen is app.dashboard
        assert panel(app, job).border_subtitle == outcome and not panel(app, job).has_class("-pending")
        assert f"status {outcome}" in figures_text(app.jobs[job].view).plain
