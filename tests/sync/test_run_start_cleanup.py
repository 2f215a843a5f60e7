"""A new run of a list closes the pair's runs a crash left `running` and drops the diff items a killed run
wrote but never made a pending diff (SIGKILL between the diff and its header); a pending diff keeps
its own."""

from __future__ import annotations

from vksync_tui.config import Config
from vksync_tui.home import Home
from vksync_tui.store.models import PendingDiff, PendingDiffItem, SyncRun
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.runs import start_run

GROUP = 5


def items(run_id: int) -> int:
    return PendingDiffItem.select().where(PendingDiffItem.run_id == run_id).count()


def add_items(run_id: int, count: int) -> None:
    PendingDiffItem.insert_many([(run_id, user_id, "left") for user_id in range(count)],
                                fields=[PendingDiffItem.run_id, PendingDiffItem.user_id,
                                        PendingDiffItem.kind]).execute()


def test_a_killed_runs_headerless_items_go_and_a_pending_diff_stays(home: Home) -> None:
    with SyncContext.open(home, config=Config()) as ctx:
        pending = start_run(ctx, "subscribers", GROUP)
        ctx.write(lambda: SyncRun.update(status="pending").where(SyncRun.id == pending).execute())
        killed = start_run(ctx, "subscribers", GROUP)
        other_community = start_run(ctx, "subscribers", GROUP + 1)

        def fill() -> None:
            add_items(pending, 3)
            PendingDiff.insert(run_id=pending, community_id=GROUP, created_at=1, fetched=1, joined=0, left=3,
                               still_member=0, threshold=0.95).execute()
            add_items(killed, 4)
            add_items(other_community, 2)

        ctx.write(fill)
        current = start_run(ctx, "subscribers", GROUP)
        statuses = dict(SyncRun.select(SyncRun.id, SyncRun.status).tuples())
        assert statuses[killed] == "interrupted" and statuses[current] == "running"
        assert (items(pending), items(killed), items(other_community)) == (3, 0, 2)
