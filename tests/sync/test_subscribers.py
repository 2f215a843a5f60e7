"""The subscribers sync end to end: real loopback HTTP to the emulator, a real SQLite file in a temp home."""

from __future__ import annotations

from typing import Any

from tests.conftest import EmulatorHome
from vksync_tui.config import Tuning
from vksync_tui.store.models import Membership, MembershipEvent, SyncRun
from vksync_tui.sync import diff
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.events import SyncEvent
from vksync_tui.sync.registry import run_sync
from vksync_tui.sync.runs import RunSummary


def sync(
    setup: EmulatorHome, *, apply: bool = True, events: list[SyncEvent] | None = None, **ctx_kw: Any
) -> RunSummary:
    sink = events.append if events is not None else (lambda event: None)
    with SyncContext.open(setup.home, on_event=sink, **ctx_kw) as ctx:
        return run_sync("subscribers", ctx, setup.group_id, apply=apply)


def current_members(setup: EmulatorHome) -> list[int]:
    with SyncContext.open(setup.home):
        query = Membership.select(Membership.user_id).where(
            (Membership.community_id == setup.group_id) & (Membership.is_current == True)  # noqa: E712
        )
        return sorted(user_id for (user_id,) in query.tuples())


def test_first_sync_is_a_baseline_equal_to_the_truth(configured_home: EmulatorHome) -> None:
    summary = sync(configured_home)
    truth = configured_home.truth_members()
    assert summary.status == "applied", summary.error
    assert summary.expected == len(truth) == summary.fetched == summary.joined
    assert summary.left == 0 and not summary.failed_chunks
    assert current_members(configured_home) == truth
    with SyncContext.open(configured_home.home):
        assert MembershipEvent.select().count() == 0  # a baseline: no join storm
        run = SyncRun.get_by_id(summary.run_id)
        assert run.status == "applied" and run.fetched == len(truth)


def test_second_sync_after_churn_diffs_exactly_and_applying_matches_truth(
    configured_home: EmulatorHome,
) -> None:
    sync(configured_home)
    before = set(configured_home.truth_members())
    changes = configured_home.churn(join=150, leave=90)
    after = set(configured_home.truth_members())
    summary = sync(configured_home, apply=False)
    assert summary.status == "pending", summary.error
    assert (summary.joined, summary.left) == (len(after - before), len(before - after)) == (150, 90)
    assert current_members(configured_home) == sorted(before)  # nothing applied yet
    with SyncContext.open(configured_home.home) as ctx:
        view = diff.show_pending(configured_home.group_id)
        assert sorted(p.user_id for p in view.joined) == sorted(changes["joined"])
        assert sorted(p.user_id for p in view.left) == sorted(changes["left"])
        diff.apply_pending(ctx, configured_home.group_id)
    assert current_members(configured_home) == sorted(after)
    with SyncContext.open(configured_home.home):
        kinds = [kind for (kind,) in MembershipEvent.select(MembershipEvent.kind).tuples()]
        assert kinds.count("join") == 150 and kinds.count("leave") == 90


def test_sync_with_transient_faults_is_still_exact_and_retries(emulator_home_factory: Any) -> None:
    setup: EmulatorHome = emulator_home_factory(
        members=40_000, faults="error6=0.05,error10=0.08,http500=0.08,timeout=0.04,truncate=0.08,empty=0.07,"
        "inner_false=0.1,timeout_delay=0.6"
    )
    setup.configure(
        labels=["group-demo_community", "group-demo_community-manage-only"],
        tuning=Tuning(execute_batch=2, retry_pause=0.05, retry_attempts=8, request_timeout=0.4),
    )
    events: list[SyncEvent] = []
    summary = sync(setup, events=events)
    assert summary.status == "applied", summary.error
    assert current_members(setup) == setup.truth_members()
    assert summary.retried_ok > 0 and not summary.failed_chunks
    assert {"6", "10", "transient"} <= set(summary.errors_by_code)
