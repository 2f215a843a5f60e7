"""Model constraints the sync modules rely on."""

from __future__ import annotations

import peewee as pw
import pytest

from vksync_tui.store.models import Interaction, PendingDiff, PendingDiffItem, SyncRun


def test_interaction_key_is_unique(db: pw.Database) -> None:
    Interaction.create(community_id=1, post_id=10, user_id=5, kind="like", date=1)
    Interaction.create(community_id=1, post_id=10, user_id=5, kind="repost", date=1)
    Interaction.create(community_id=1, post_id=10, user_id=5, kind="comment", comment_id=77, date=1)
    Interaction.create(community_id=1, post_id=10, user_id=5, kind="comment", comment_id=78, date=2)
    with pytest.raises(pw.IntegrityError):
        Interaction.create(community_id=1, post_id=10, user_id=5, kind="like", date=3)
    assert Interaction.get(kind="like").comment_id == 0


def test_one_pending_diff_per_community(db: pw.Database) -> None:
    PendingDiff.create(run_id=1, community_id=9, created_at=1)
    with pytest.raises(pw.IntegrityError):
        PendingDiff.create(run_id=2, community_id=9, created_at=2)


def test_pending_diff_item_key(db: pw.Database) -> None:
    PendingDiffItem.create(run_id=1, user_id=3, kind="left")
    PendingDiffItem.create(run_id=1, user_id=3, kind="still_member")
    with pytest.raises(pw.IntegrityError):
        PendingDiffItem.create(run_id=1, user_id=3, kind="left")


def test_sync_run_keeps_json_figures(db: pw.Database) -> None:
    run = SyncRun.create(list_name="subscribers", community_id=1, started_at=100,
                         figures={"phase": "parallel", "rps": 2.5}, failed_chunks=[[0, 1000]])
    loaded = SyncRun.get_by_id(run.id)
    assert loaded.figures == {"phase": "parallel", "rps": 2.5}
    assert loaded.failed_chunks == [[0, 1000]]
    assert loaded.status == "running" and loaded.error is None
