"""The subscribers sync end to end: real loopback HTTP to the emulator, a real SQLite file in a temp home."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.list_runs import sync as sync_list
from vksync_tui.config import Tuning
from vksync_tui.store.models import Membership, MembershipEvent, PendingDiff, PendingDiffItem, SyncRun
from vksync_tui.sync import diff
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.errors import NoUsableToken, SyncInputError
from vksync_tui.sync.events import Notice, Progress, SyncEvent, TokenChanged
from vksync_tui.sync.registry import run_sync
from vksync_tui.sync.runs import RunSummary


def sync(setup: EmulatorHome, *, apply: bool = True, events: list[SyncEvent] | None = None) -> RunSummary:
    return sync_list(setup, "subscribers", events, apply=apply)


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


def member_dump(setup: EmulatorHome) -> list[tuple[Any, ...]]:
    with SyncContext.open(setup.home):
        membership = list(Membership.select().order_by(Membership.community_id, Membership.user_id).tuples())
        events = list(MembershipEvent.select().order_by(MembershipEvent.id).tuples())
        return [*membership, ("events",), *events]


def test_a_revoked_token_is_disabled_and_the_others_finish(emulator_home_factory: Any) -> None:
    setup: EmulatorHome = emulator_home_factory(faults="revoke=user-admin@2")
    setup.configure(labels=["user-admin", "user-reader", "user-editor"], tuning=Tuning(execute_batch=2))
    events: list[SyncEvent] = []
    summary = sync(setup, events=events)
    assert summary.status == "applied", summary.error
    assert current_members(setup) == setup.truth_members()
    assert summary.errors_by_code.get("5", 0) >= 1
    disabled = [e for e in events if isinstance(e, TokenChanged) and e.state == "disabled"]
    assert [e.label for e in disabled] == ["user-admin"]


def test_members_leaving_during_the_fetch_are_never_marked_left_wrongly(emulator_home_factory: Any) -> None:
    setup: EmulatorHome = emulator_home_factory(members=60_000, churn_every=2, churn_leave=40)
    setup.configure(
        labels=["group-demo_community", "group-demo_community-manage-only"], tuning=Tuning(execute_batch=3)
    )
    first = sync(setup)
    assert first.status == "applied", first.error
    assert set(setup.truth_members()) <= set(current_members(setup))
    second = sync(setup, apply=False)
    assert second.status == "pending", second.error
    with SyncContext.open(setup.home):
        truth = set(setup.truth_members())
        left = {int(user_id) for (user_id,) in diff.items_of(second.run_id or 0, "left").tuples()}
        assert not left & truth  # nobody still in the community is about to be marked left
        bridges = sum(SyncRun.get_by_id(run).figures["bridge_pages"] for run in (first.run_id, second.run_id))
        assert bridges > 0  # the drift was real and the coverage check closed it
    with SyncContext.open(setup.home) as ctx:
        diff.apply_pending(ctx, setup.group_id)
    assert truth <= set(current_members(setup))


def test_permanently_failing_chunks_abort_on_the_threshold_and_leave_members_untouched(
    emulator_home_factory: Any,
) -> None:
    setup: EmulatorHome = emulator_home_factory(members=60_000)
    setup.configure(
        labels=["group-demo_community", "group-demo_community-manage-only"],
        tuning=Tuning(execute_batch=5, retry_pause=0.01, retry_attempts=2),
    )
    assert sync(setup).status == "applied"
    setup.churn(join=30, leave=30)
    before = member_dump(setup)
    setup.set_faults("sticky=0.1")
    events: list[SyncEvent] = []
    summary = sync(setup, events=events)
    assert summary.status == "aborted"
    assert summary.failed_chunks and summary.fetched < 0.95 * (summary.expected or 0)
    assert "safety threshold" in (summary.error or "")
    assert any(isinstance(e, Notice) and "safety threshold" in e.text for e in events)
    assert member_dump(setup) == before
    with SyncContext.open(setup.home):
        run = SyncRun.get_by_id(summary.run_id)
        assert run.status == "aborted" and run.failed_chunks == summary.failed_chunks
        assert not PendingDiff.select().exists()


def test_cancelling_mid_fetch_leaves_members_and_pending_diff_untouched(emulator_home_factory: Any) -> None:
    setup: EmulatorHome = emulator_home_factory(members=60_000)
    setup.configure(labels=["group-demo_community"], tuning=Tuning(execute_batch=2))
    assert sync(setup).status == "applied"
    setup.churn(join=50, leave=50)
    before = member_dump(setup)
    cancel = threading.Event()
    events: list[SyncEvent] = []

    def watch(event: SyncEvent) -> None:
        events.append(event)
        if isinstance(event, Progress) and event.phase == "fetch" and event.items >= 10_000:
            cancel.set()

    with SyncContext.open(setup.home, on_event=watch, cancel=cancel) as ctx:
        summary = run_sync("subscribers", ctx, setup.group_id, apply=True)
    assert summary.status == "cancelled"
    assert member_dump(setup) == before
    with SyncContext.open(setup.home) as ctx:
        assert not PendingDiff.select().exists()
        assert SyncRun.get_by_id(summary.run_id).status == "cancelled"
        assert not [name for name in ctx.db.get_tables() if name.startswith("member_staging_")]


def test_no_usable_token_names_the_kind_needed(configured_home: EmulatorHome) -> None:
    configured_home.configure(labels=["service"])
    with SyncContext.open(configured_home.home) as ctx, pytest.raises(NoUsableToken, match="user token"):
        run_sync("subscribers", ctx, configured_home.group_id)


def test_an_unknown_community_is_bad_input(configured_home: EmulatorHome) -> None:
    with SyncContext.open(configured_home.home) as ctx, pytest.raises(SyncInputError, match="999999"):
        run_sync("subscribers", ctx, 999999)


def test_a_new_sync_replaces_a_stale_pending_diff(configured_home: EmulatorHome) -> None:
    sync(configured_home)
    configured_home.churn(join=10, leave=5)
    stale = sync(configured_home, apply=False)
    configured_home.churn(join=7, leave=3)
    fresh = sync(configured_home, apply=False)
    assert (fresh.joined, fresh.left) == (17, 8)
    with SyncContext.open(configured_home.home):
        assert [row.run_id for row in PendingDiff.select()] == [fresh.run_id]
        assert SyncRun.get_by_id(stale.run_id).status == "superseded"
        assert not diff.items_of(stale.run_id or 0, "joined").exists()


def _count_item_inserts(setup: EmulatorHome) -> None:
    """A trigger in the store counts every diff item ever inserted (in `item_inserts`)."""
    with SyncContext.open(setup.home) as ctx:
        ctx.db.execute_sql("CREATE TABLE item_inserts (kind TEXT)")
        ctx.db.execute_sql(
            "CREATE TRIGGER count_items AFTER INSERT ON pending_diff_item "
            "BEGIN INSERT INTO item_inserts VALUES (NEW.kind); END"
        )


def _item_inserts(setup: EmulatorHome) -> dict[str, int]:
    with SyncContext.open(setup.home) as ctx:
        return dict(ctx.db.execute_sql("SELECT kind, COUNT(*) FROM item_inserts GROUP BY kind").fetchall())


def test_a_first_sync_applied_at_once_writes_no_diff_item(configured_home: EmulatorHome) -> None:
    """A baseline has nothing to review item by item: its members go in straight from the staged ids (at 10M
    members, an item per member to write, read and delete was most of the run after the fetch)."""
    _count_item_inserts(configured_home)
    summary = sync(configured_home)
    assert summary.status == "applied" and summary.joined == len(configured_home.truth_members())
    assert current_members(configured_home) == configured_home.truth_members()
    assert _item_inserts(configured_home) == {}


def test_a_resync_writes_diff_items_only_for_the_change(configured_home: EmulatorHome) -> None:
    """Each page's part of the diff is made as it is staged; no item is written for a member who stayed."""
    sync(configured_home)
    changes = configured_home.churn(join=40, leave=25)
    _count_item_inserts(configured_home)
    summary = sync(configured_home)
    assert (summary.joined, summary.left) == (40, 25)
    assert current_members(configured_home) == configured_home.truth_members()
    inserted = _item_inserts(configured_home)
    assert inserted["joined"] == len(changes["joined"]) and inserted["left"] == len(changes["left"])


def test_the_diff_is_made_page_by_page_while_the_fetch_runs(emulator_home_factory: Any) -> None:
    """Half-way through the fetch of a resync, the pages stored so far have their joined and left items
    already: after the fetch only the change is left to settle, not a pass over the whole community."""
    setup: EmulatorHome = emulator_home_factory(members=60_000)
    setup.configure(labels=["group-demo_community"], tuning=Tuning(execute_batch=2))
    assert sync(setup).status == "applied"
    setup.churn(join=300, leave=300)
    items_half_way: list[int] = []

    with SyncContext.open(setup.home) as ctx:

        def watch(event: SyncEvent) -> None:
            half_way = isinstance(event, Progress) and event.phase == "fetch" and event.items >= 30_000
            if half_way and not items_half_way:
                ctx.writer.flush()  # what the fetch threads handed over so far is committed
                items_half_way.append(PendingDiffItem.select().count())

        ctx.on_event = watch
        summary = run_sync("subscribers", ctx, setup.group_id, apply=True)
    assert summary.status == "applied" and (summary.joined, summary.left) == (300, 300)
    assert current_members(setup) == setup.truth_members()
    assert items_half_way and 100 < items_half_way[0] < 600
