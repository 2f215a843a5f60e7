"""Fixed rows for the TUI tests, written with the store's own models (no sync needed)."""

from __future__ import annotations

from tests.helpers.tui import GROUP_ID, NOW
from vksync_tui.store.models import Membership, PendingDiff, PendingDiffItem, SyncRun, User, database_proxy


def seed_members(count: int, *, group_id: int = GROUP_ID) -> None:
    with database_proxy.atomic():
        Membership.insert_many(
            [
                {"community_id": group_id, "user_id": uid, "is_current": True, "first_seen": int(NOW) - 86400}
                for uid in range(1, count + 1)
            ]
        ).execute()


def seed_run(
    list_name: str,
    status: str,
    *,
    expected: int,
    fetched: int,
    figures: dict[str, object],
    group_id: int = GROUP_ID,
    failed: list[str] | None = None,
) -> int:
    run = SyncRun.create(
        list_name=list_name,
        community_id=group_id,
        started_at=int(NOW) - 3700,
        finished_at=int(NOW) - 3600,
        status=status,
        expected=expected,
        fetched=fetched,
        requests=42,
        figures=figures,
        failed_chunks=failed or [],
    )
    return int(run.id)


def seed_pending(joined: int, left: int, *, group_id: int = GROUP_ID) -> int:
    """A pending diff: `joined` new ids from 100_001 up, `left` ids from 1 up; every user has a profile."""
    run_id = seed_run(
        "subscribers", "pending", expected=1000, fetched=990, figures={"joined": joined, "left": left}
    )
    joined_ids = list(range(100_001, 100_001 + joined))
    left_ids = list(range(1, left + 1))
    with database_proxy.atomic():
        PendingDiff.create(
            run_id=run_id,
            community_id=group_id,
            created_at=int(NOW) - 3600,
            expected=1000,
            fetched=990,
            joined=joined,
            left=left,
            still_member=3,
            threshold=0.95,
        )
        PendingDiffItem.insert_many(
            [{"run_id": run_id, "user_id": uid, "kind": "joined"} for uid in joined_ids]
            + [{"run_id": run_id, "user_id": uid, "kind": "left"} for uid in left_ids]
        ).execute()
        User.insert_many(
            [
                {"id": uid, "first_name": f"Name{uid}", "last_name": "Joiner", "domain": f"id{uid}"}
                for uid in joined_ids
            ]
            + [
                {"id": uid, "first_name": f"Name{uid}", "last_name": "Leaver", "domain": f"id{uid}"}
                for uid in left_ids
            ]
        ).execute()
    return run_id
