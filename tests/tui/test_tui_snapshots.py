"""SVG snapshots (pytest-textual-snapshot) of the four main views at a fixed size, clock, theme and data.

The sync panel is fed a fixed sequence of the engine's own event dataclasses through the App's message path,
so its mid-run state is the same on every run. Update with `pytest tests/tui --snapshot-update` after
checking the new pictures in snapshot_report.html.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.helpers.tui import GROUP_ID, settle
from tests.helpers.tui_seed import seed_members, seed_pending, seed_run
from vksync_tui.sync.events import (
    ChunkFailed,
    JobStarted,
    Notice,
    PhaseFinished,
    PhaseStarted,
    Progress,
    RunTotals,
    SyncEvent,
    TokenChanged,
)
from vksync_tui.tui import lists
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.jobs import JobKey, JobView, RunningJob
from vksync_tui.tui.messages import SyncEventPosted

SIZE = (120, 36)


@pytest.fixture(autouse=True)
def only_subscribers_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pictures show a fixed set of registered lists, so they stay put whenever another list lands."""
    monkeypatch.setattr(lists, "registered_lists", lambda: frozenset({"subscribers"}))


TOKENS = {"admin": "ok", "reader": "cooling"}


def midrun_events() -> list[SyncEvent]:
    return [
        PhaseStarted("recon", 1),
        PhaseFinished("recon", 0.4, {"calls": 1}),
        JobStarted(7, "subscribers", GROUP_ID, 100_000, 4),
        PhaseStarted("fetch", 4),
        TokenChanged("reader", "cooling", "VK error 6: too many requests per second"),
        ChunkFailed("fetch", "offset=50000", "every eligible token failed these calls"),
        Notice("warning", "1 chunk waits for the retry phase"),
        Progress(
            phase="fetch",
            items=62_000,
            expected_items=100_000,
            chunks_done=2,
            chunks_total=4,
            chunks_failed=1,
            requests=3,
            errors_by_code={"6": 2, "10": 1},
            requests_per_second=2.4,
            ceiling_rps=6.0,
            eta_seconds=12.0,
            tokens=TOKENS,  # type: ignore[arg-type]
            item_unit="member ids",
            run=RunTotals(requests=4, chunks_failed=1),
        ),
    ]


def with_running_job(app: VkSyncApp) -> Callable[[Pilot[int]], object]:
    async def run_before(pilot: Pilot[int]) -> None:
        await settle(app, pilot)
        key = JobKey("subscribers", GROUP_ID)
        app.jobs[key] = RunningJob(key, JobView(key))
        for event in midrun_events():
            app.post_message(SyncEventPosted(key, event))
        await settle(app, pilot)
        app.render_dashboard()
        await settle(app, pilot)

    return run_before


def settled(app: VkSyncApp, *keys: str) -> Callable[[Pilot[int]], object]:
    async def run_before(pilot: Pilot[int]) -> None:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)

    return run_before


def seeded_app(make_app: Callable[..., VkSyncApp]) -> VkSyncApp:
    app = make_app()
    seed_members(98_765 // 100)
    seed_run("posts", "done", expected=3000, fetched=3000, figures={})
    seed_pending(joined=150, left=120)
    return app


def test_dashboard_snapshot(snap_compare: Callable[..., bool], make_app: Callable[..., VkSyncApp]) -> None:
    app = seeded_app(make_app)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(app))


def test_sync_panel_snapshot(snap_compare: Callable[..., bool], make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    assert snap_compare(app, terminal_size=SIZE, run_before=with_running_job(app))


def test_diff_review_snapshot(snap_compare: Callable[..., bool], make_app: Callable[..., VkSyncApp]) -> None:
    app = seeded_app(make_app)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(app, "r"))


def test_settings_snapshot(snap_compare: Callable[..., bool], make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(app, "f2"))


def test_dashboard_at_80x24_snapshot(
    snap_compare: Callable[..., bool], make_app: Callable[..., VkSyncApp]
) -> None:
    app = seeded_app(make_app)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(app))
