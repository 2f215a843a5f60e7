"""Jobs fed to the App through its own message path (the engine's event dataclasses), no sync behind them.

A finished or mid-run panel is then exactly what a real run leaves, without an emulator or a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.pilot import Pilot

from tests.helpers.tui import GROUP_ID, settle
from vksync_tui.sync.events import JobFinished, JobStarted, PhaseFinished, PhaseStarted, Progress, SyncEvent
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.jobs import JobKey, JobView, RunningJob
from vksync_tui.tui.messages import SyncEventPosted


def finished_run(list_name: str, status: str = "done") -> list[SyncEvent]:
    """A one-phase run that ended with `status`."""
    return [
        JobStarted(1, list_name, GROUP_ID, 100, 1),
        PhaseStarted("parallel", 1),
        Progress(phase="parallel", items=100, expected_items=100, chunks_done=1, chunks_total=1, requests=1),
        PhaseFinished("parallel", 0.5),
        JobFinished(status, {"expected": 100, "fetched": 100}),  # type: ignore[arg-type]
    ]


def subscribers_fetching(expected: int, chunks: int, done: int, **progress: Any) -> list[SyncEvent]:
    """A subscribers run past its recon, `done` of its fetch's `chunks` in (`progress`: more figures)."""
    return [
        JobStarted(9, "subscribers", GROUP_ID, expected, chunks),
        PhaseStarted("recon", 1),
        Progress(phase="recon", chunks_done=1, chunks_total=1, items=1, expected_items=1, item_unit="calls"),
        PhaseFinished("recon", 0.4),
        PhaseStarted("fetch", chunks),
        Progress(
            phase="fetch",
            items=expected * done // chunks,
            expected_items=expected,
            chunks_done=done,
            chunks_total=chunks,
            item_unit="member ids",
            **progress,
        ),
    ]


async def feed_job(
    app: VkSyncApp,
    pilot: Pilot[int],
    list_name: str,
    events: Sequence[SyncEvent],
    *,
    group_id: int = GROUP_ID,
) -> JobKey:
    """Register a job on the App and deliver `events` to it as its worker thread would."""
    key = JobKey(list_name, group_id)
    app.jobs[key] = RunningJob(key, JobView(key))
    for event in events:
        app.post_message(SyncEventPosted(key, event))
    await settle(app, pilot)
    app.render_dashboard()
    await settle(app, pilot)
    return key
