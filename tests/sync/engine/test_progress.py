"""Progress figures: one series per phase (overlapping phases), a recent-window rate against the phase's own
ceiling, items and expected items in one unit per phase — checked on the reporter, the engine and real syncs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tests.helpers.emulator_home import EmulatorHome, make_emulator_home
from tests.helpers.scripted_engine import ScriptedFetcher, chunk
from tests.helpers.wall_sync import FAST, GROUP_ID, wall_world
from vksync_tui.clock import ManualClock
from vksync_tui.config import TokenEntry, Tuning
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.home import Home
from vksync_tui.store.models import SyncRun
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.engine import FetchJob, PhasedFetch
from vksync_tui.sync.events import (
    RPS_WINDOW_SECONDS,
    PhaseStarted,
    Progress,
    ProgressReporter,
    RunTotals,
    SyncEvent,
)
from vksync_tui.sync.registry import run_sync
from vksync_tui.vk.budget import MemoryRateBudget
from vksync_tui.vk.errors import AuthError
from vksync_tui.vk.execute import ApiCall
from vksync_tui.vk.tokens import TokenPool

WALL_POSTS = 300


def last_progress(events: list[SyncEvent]) -> dict[str, Progress]:
    """The latest snapshot of every phase, as a face keeps them."""
    latest: dict[str, Progress] = {}
    for event in events:
        if isinstance(event, Progress):
            latest[event.phase] = event
    return latest


class Events:
    """A thread-safe event sink (concurrent phases emit from their own worker threads)."""

    def __init__(self) -> None:
        self.events: list[SyncEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: SyncEvent) -> None:
        with self._lock:
            self.events.append(event)


# -- the reporter -----------------------------------------------------------------------------------------


def test_concurrent_phases_keep_their_own_figures() -> None:
    clock = ManualClock()
    sink = Events()
    reporter = ProgressReporter(sink, clock=clock.now)
    likes = reporter.start_phase("likes", chunks_total=10, expected_items=4, item_unit="posts")
    reposts = reporter.start_phase("reposts", chunks_total=3)
    for step in range(10):
        clock.advance(1.0)
        reporter.add(likes, requests=1, chunks_done=1, items=step % 2)
        if step < 3:
            reporter.add(reposts, requests=1, chunks_done=1, items=1)
    reporter.finish_phase(likes)
    reporter.finish_phase(reposts)
    latest = last_progress(sink.events)
    likes_seen = latest["likes"]
    assert (likes_seen.chunks_done, likes_seen.chunks_total, likes_seen.requests) == (10, 10, 10)
    assert (likes_seen.items, likes_seen.expected_items, likes_seen.item_unit) == (5, 4, "posts")
    # A phase without its own expected figure counts calls of calls planned.
    assert (latest["reposts"].chunks_done, latest["reposts"].requests) == (3, 3)
    assert (latest["reposts"].items, latest["reposts"].expected_items, latest["reposts"].item_unit) == (
        3, 3, "calls",
    )


def test_rate_is_measured_over_the_recent_window_of_the_phase() -> None:
    clock = ManualClock()
    reporter = ProgressReporter(lambda event: None, clock=clock.now)
    phase = reporter.start_phase("fetch", chunks_total=100, ceiling=lambda: 6.0)
    for _ in range(50):  # a burst at the start ...
        clock.advance(0.02)
        reporter.add(phase, requests=1)
    clock.advance(60.0)  # ... then a long stall, then 2 requests within the last window
    reporter.add(phase, requests=1)
    clock.advance(1.0)
    reporter.add(phase, requests=1)
    reporter.flush(phase)
    snapshot = reporter.phase_snapshot("fetch")
    assert snapshot is not None
    assert snapshot.requests == 52
    assert snapshot.requests_per_second == 2 / RPS_WINDOW_SECONDS
    assert snapshot.ceiling_rps == 6.0


def test_every_snapshot_carries_the_runs_totals_over_its_phases() -> None:
    clock = ManualClock()
    reporter = ProgressReporter(lambda event: None, clock=clock.now)
    fetch = reporter.start_phase("fetch", chunks_total=30)
    reporter.add(fetch, requests=20, chunks_done=20)
    reporter.add(fetch, chunks_failed=10)
    reporter.finish_phase(fetch)
    retry = reporter.start_phase("retry", chunks_total=10)
    reporter.add(retry, requests=10, chunks_retried_ok=3)
    reporter.flush(retry)
    snapshot = reporter.phase_snapshot("retry")
    assert snapshot is not None
    assert (snapshot.chunks_failed, snapshot.requests) == (0, 10)  # the phase's own figures
    assert snapshot.run == RunTotals(requests=30, chunks_failed=10, chunks_retried_ok=3)


def test_the_rate_never_reads_above_the_ceiling() -> None:
    """Four workers of one 3-rps token take their turn at once: the limiter sends three, the fourth waits."""
    clock = ManualClock()
    reporter = ProgressReporter(lambda event: None, clock=clock.now)
    phase = reporter.start_phase("head", chunks_total=5, ceiling=lambda: 3.0)
    reporter.add(phase, requests=4)
    reporter.flush(phase)
    snapshot = reporter.phase_snapshot("head")
    assert snapshot is not None and snapshot.requests == 4
    assert snapshot.requests_per_second == 3.0


# -- the engine -------------------------------------------------------------------------------------------


def test_two_jobs_at_once_on_one_reporter_report_their_own_chunks_and_ceilings() -> None:
    clock = ManualClock()
    tuning = Tuning(user_rps=3.0, workers=2, execute_batch=5, retry_pause=0.5, retry_attempts=3)
    entries = [TokenEntry(label=f"t{i}", secret=f"secret-token-{i}-xxxxxxxx") for i in range(3)]
    pool = TokenPool(entries, tuning, clock=clock, budget=MemoryRateBudget(clock))
    sink = Events()
    reporter = ProgressReporter(sink, clock=clock.now)
    engine = PhasedFetch(pool, ScriptedFetcher(lambda label, call, size: 1), tuning, reporter,
                         threading.Event(), clock)
    tokens = pool.eligible()
    jobs = [
        FetchJob("wide", [chunk(n) for n in range(200)], tokens, lambda u, v: None, total_chunks=200,
                 phase="wide"),
        FetchJob("narrow", [chunk(n) for n in range(30)], tokens[:1], lambda u, v: None, total_chunks=30,
                 phase="narrow"),
    ]
    threads = [threading.Thread(target=engine.run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latest = last_progress(sink.events)
    wide, narrow = latest["wide"], latest["narrow"]
    assert (wide.chunks_done, wide.chunks_total, wide.items) == (200, 200, 200)
    assert (narrow.chunks_done, narrow.chunks_total, narrow.items) == (30, 30, 30)
    assert wide.ceiling_rps == 9.0 and narrow.ceiling_rps == 3.0
    every_snapshot = [event for event in sink.events if isinstance(event, Progress)]
    assert all(event.chunks_done <= (event.chunks_total or 0) for event in every_snapshot)


def test_the_ceiling_drops_when_a_token_of_the_phase_is_disabled() -> None:
    clock = ManualClock()
    tuning = Tuning(user_rps=3.0, workers=1, execute_batch=1, retry_pause=0.5, retry_attempts=1)
    entries = [TokenEntry(label=f"t{i}", secret=f"secret-token-{i}-xxxxxxxx") for i in range(2)]
    pool = TokenPool(entries, tuning, clock=clock, budget=MemoryRateBudget(clock))
    reporter = ProgressReporter(lambda event: None, clock=clock.now)

    def script(label: str, call: ApiCall, size: int) -> Any:
        return AuthError(5, "User authorization failed", call.method) if label == "t0" else 1

    engine = PhasedFetch(pool, ScriptedFetcher(script), tuning, reporter, threading.Event(), clock)
    chunks = [chunk(n) for n in range(6)]
    engine.run(FetchJob("job", chunks, pool.eligible(), lambda u, v: None, total_chunks=6))
    snapshot = reporter.phase_snapshot("parallel")
    assert snapshot is not None and snapshot.chunks_done == 6
    assert snapshot.errors_by_code == {"5": 1}
    assert snapshot.ceiling_rps == 3.0  # t0 is disabled for the run: only t1's 3 rps remain


# -- real syncs against the emulator ------------------------------------------------------------------------


def wall_configured(home: Home, emulator_factory: Callable[..., RunningEmulator]) -> EmulatorHome:
    emulator = emulator_factory(world=wall_world(WALL_POSTS), rps={"user": 400, "group": 400})
    configured = make_emulator_home(home, emulator)
    configured.configure(tuning=FAST)
    with SyncContext.open(configured.home) as ctx:
        assert run_sync("posts", ctx, GROUP_ID).status == "done"
    return configured


def interaction_phases(events: list[SyncEvent]) -> set[str]:
    return {event.phase for event in events if isinstance(event, PhaseStarted)
            and event.phase.startswith("interactions-")}


def test_overlapping_interactions_phases_count_posts_of_posts_each(
    home: Home, emulator_factory: Callable[..., RunningEmulator]
) -> None:
    configured = wall_configured(home, emulator_factory)
    sink = Events()
    with SyncContext.open(configured.home, on_event=sink) as ctx:
        summary = run_sync("interactions", ctx, GROUP_ID)
    assert summary.status == "done", summary.as_json()
    phases = interaction_phases(sink.events)
    assert phases == {"interactions-like+comment", "interactions-repost"}  # the two jobs ran at once
    latest = last_progress(sink.events)
    for phase in phases:
        progress = latest[phase]
        assert (progress.item_unit, progress.items) == ("posts", WALL_POSTS)
        assert progress.expected_items == WALL_POSTS
        assert progress.chunks_done <= (progress.chunks_total or 0)
        assert progress.requests_per_second <= progress.ceiling_rps * 1.05


def test_a_cancelled_interactions_run_never_records_a_negative_fetched(
    home: Home, emulator_factory: Callable[..., RunningEmulator]
) -> None:
    configured = wall_configured(home, emulator_factory)
    cancel = threading.Event()
    sink = Events()

    def cancel_once_both_started(event: SyncEvent) -> None:
        sink(event)
        if len(interaction_phases(sink.events)) == 2:
            cancel.set()  # both scans have nearly every post still out: their sum would exceed the posts

    with SyncContext.open(configured.home, on_event=cancel_once_both_started, cancel=cancel) as ctx:
        summary = run_sync("interactions", ctx, GROUP_ID)
    assert summary.status == "cancelled"
    assert len(interaction_phases(sink.events)) == 2
    assert 0 <= summary.fetched < WALL_POSTS
    run = SyncRun.get_by_id(summary.run_id)
    assert (run.fetched, run.expected) == (summary.fetched, WALL_POSTS)


def test_subscribers_phases_count_member_ids_against_their_own_expected(
    emulator_home_factory: Callable[..., EmulatorHome],
) -> None:
    configured = emulator_home_factory(members=5000)
    with SyncContext.open(configured.home) as ctx:
        baseline = run_sync("subscribers", ctx, configured.group_id, apply=True)
    assert baseline.status == "applied"
    configured.churn(leave=20)
    sink = Events()
    with SyncContext.open(configured.home, on_event=sink) as ctx:
        summary = run_sync("subscribers", ctx, configured.group_id)
    assert summary.status == "pending" and summary.left == 20
    latest = last_progress(sink.events)
    fetch, verify = latest["fetch"], latest["verify"]
    # Pages overlap by design; the fetch phase counts ids net of that overlap, so it meets the member count.
    assert (fetch.item_unit, fetch.items, fetch.expected_items) == ("member ids", 4980, 4980)
    assert (verify.item_unit, verify.items, verify.expected_items) == ("left candidates", 20, 20)
