"""The staged member diff against a Python-set oracle on seeded random data."""

from __future__ import annotations

import random

import peewee as pw
import pytest

from vksync_tui.store.bulk import execute_many, insert_sql
from vksync_tui.store.models import Membership, MembershipEvent, PendingDiffItem
from vksync_tui.store.staging import (
    apply_member_diff,
    count_unique_staged,
    create_member_staging,
    diff_members,
    drop_member_staging,
    stage_member_ids,
    staged_run_ids,
)
from vksync_tui.store.writer import StoreWriter
from vksync_tui.sync import diff

COMMUNITY = 1
OTHER_COMMUNITY = 2
RUN = 17


def _items(kind: str) -> set[int]:
    query = PendingDiffItem.select(PendingDiffItem.user_id).where(
        (PendingDiffItem.run_id == RUN) & (PendingDiffItem.kind == kind)
    )
    return {item.user_id for item in query}


def _seed_members(db: pw.Database, rng: random.Random) -> tuple[set[int], set[int]]:
    """Current and former members of COMMUNITY, plus unrelated members of another community."""
    pool = rng.sample(range(1, 5000), 1200)
    current, former = set(pool[:700]), set(pool[700:900])
    rows = [(COMMUNITY, u, True, 1) for u in current] + [(COMMUNITY, u, False, 1) for u in former]
    rows += [(OTHER_COMMUNITY, u, True, 1) for u in pool[900:]]
    fields = [Membership.community_id, Membership.user_id, Membership.is_current, Membership.first_seen]
    execute_many(db, insert_sql(Membership, fields), rows)
    return current, former


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_diff_matches_python_sets(db: pw.Database, seed: int) -> None:
    rng = random.Random(seed)
    current, former = _seed_members(db, rng)
    fetched = set(rng.sample(sorted(current), 600)) | set(rng.sample(sorted(former), 50))
    fetched |= set(rng.sample(range(5000, 9000), 150))
    pages = sorted(fetched)
    pages += rng.sample(pages, 40)  # the same id on two pages, as offsets drift
    rng.shuffle(pages)

    writer = StoreWriter(db)
    writer.submit(lambda: create_member_staging(db, RUN))
    for start in range(0, len(pages), 100):
        page = pages[start : start + 100]
        writer.submit(lambda page=page: stage_member_ids(db, RUN, page))
    counts = writer.submit(lambda: diff_members(db, RUN, COMMUNITY)).result(30)
    unique = writer.submit(lambda: count_unique_staged(db, RUN)).result(30)
    writer.close()

    joined, left = fetched - current, current - fetched
    assert (_items("joined"), _items("left")) == (joined, left)
    assert counts == (len(joined), len(left))
    assert unique == len(fetched)
    assert Membership.select().where(Membership.community_id == OTHER_COMMUNITY).count() == 300

    kept = sorted(left)[:5]  # groups.isMember says these are still members
    PendingDiffItem.insert_many([(RUN, user_id, "still_member") for user_id in kept]).execute()
    apply_member_diff(db, RUN, COMMUNITY, at=500, baseline=False)
    assert _current(COMMUNITY) == fetched | set(kept)
    assert len(_current(OTHER_COMMUNITY)) == 300
    assert _events("join") == joined and _events("leave") == left - set(kept)
    rejoined = next(iter(joined & former))
    member = Membership.get(community_id=COMMUNITY, user_id=rejoined)
    assert (member.first_seen, member.joined_at, member.left_at) == (1, 500, None)
    gone = Membership.get(community_id=COMMUNITY, user_id=sorted(left - set(kept))[0])
    assert (gone.is_current, gone.left_at) == (False, 500)


def test_baseline_apply_writes_no_events(db: pw.Database) -> None:
    create_member_staging(db, RUN)
    stage_member_ids(db, RUN, [1, 2, 3])
    diff_members(db, RUN, COMMUNITY)
    drop_member_staging(db, RUN)
    assert apply_member_diff(db, RUN, COMMUNITY, at=10, baseline=True) == 3
    assert _current(COMMUNITY) == {1, 2, 3}
    assert MembershipEvent.select().count() == 0
    assert {m.joined_at for m in Membership.select()} == {None}


def _current(community_id: int) -> set[int]:
    query = Membership.select(Membership.user_id).where(
        (Membership.community_id == community_id) & (Membership.is_current == True)  # noqa: E712
    )
    return {m.user_id for m in query}


def _events(kind: str) -> set[int]:
    query = MembershipEvent.select().where((MembershipEvent.kind == kind) & (MembershipEvent.run_id == RUN))
    return {event.user_id for event in query}


def test_diff_rerun_replaces_joined_and_left_but_keeps_still_member(db: pw.Database) -> None:
    rng = random.Random(7)
    current, _ = _seed_members(db, rng)
    staged = [*sorted(current)[:500], 9001, 9002]
    create_member_staging(db, RUN)
    stage_member_ids(db, RUN, staged)
    first = diff_members(db, RUN, COMMUNITY)
    gone = sorted(current)[500]
    PendingDiffItem.create(run_id=RUN, user_id=gone, kind="still_member")
    assert diff_members(db, RUN, COMMUNITY) == first == (2, len(current) - 500)
    assert _items("still_member") == {gone}


def test_staging_table_lifecycle(db: pw.Database) -> None:
    create_member_staging(db, 3)
    create_member_staging(db, RUN)
    stage_member_ids(db, RUN, [5, 6])
    create_member_staging(db, RUN)  # resuming keeps what was staged
    assert count_unique_staged(db, RUN) == 2
    assert staged_run_ids(db) == [3, RUN]
    drop_member_staging(db, 3)
    drop_member_staging(db, RUN)
    drop_member_staging(db, RUN)
    assert staged_run_ids(db) == []


def test_staging_refuses_a_database_the_models_are_not_bound_to(db: pw.Database, tmp_path) -> None:
    stranger = pw.SqliteDatabase(str(tmp_path / "other.db"))
    with pytest.raises(ValueError, match="open_database"):
        create_member_staging(stranger, RUN)


def test_a_verification_that_failed_whole_drops_any_number_of_unverified_left(db: pw.Database) -> None:
    """300,000 ids in one IN list exceed SQLite's variable limit ("too many SQL variables"), and the run
    would then end on a database error instead of its real reason (the verification's tokens failed)."""
    left = list(range(1, 300_001))
    execute_many(db, insert_sql(PendingDiffItem, [PendingDiffItem.run_id, PendingDiffItem.user_id,
                                                   PendingDiffItem.kind]),
                 [(RUN, user, "left") for user in [*left, 400_000]])
    diff.drop_unverified(RUN, left)
    assert _items("left") == {400_000}
