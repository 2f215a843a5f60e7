"""The page-by-page member diff against a Python-set oracle on seeded random data."""

from __future__ import annotations

import math
import random

import peewee as pw
import pytest

from vksync_tui.store.bulk import execute_many, insert_sql
from vksync_tui.store.models import Membership, MembershipEvent, PendingDiffItem
from vksync_tui.store.staging import (
    Span,
    apply_member_diff,
    count_unique_staged,
    create_member_staging,
    drop_member_staging,
    finish_member_diff,
    insert_staged_members,
    stage_member_ids,
    stage_member_page,
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


def _pages(ids: list[int], size: int, overlap: int) -> list[tuple[list[int], Span]]:
    """`ids` (sorted) cut into pages as `groups.getMembers` gives them, neighbours sharing `overlap` ids,
    each with the span it proves (`sync.coverage`): the first from -inf, the last (short) to +inf."""
    pages = []
    for start in range(0, len(ids), size - overlap):
        page = ids[start : start + size]
        low = -math.inf if start == 0 else page[0]
        high = math.inf if len(page) < size else page[-1]
        pages.append((page, (low, high)))
        if len(page) < size:
            break
    return pages


def _stage_pages(db: pw.Database, pages: list[tuple[list[int], Span]], rng: random.Random) -> tuple[int, int]:
    """Stage the pages in a shuffled order (tokens answer out of order) through a writer; close the diff."""
    rng.shuffle(pages)
    writer = StoreWriter(db)
    writer.submit(lambda: create_member_staging(db, RUN))
    for page, span in pages:
        writer.submit(lambda page=page, span=span: stage_member_page(db, RUN, COMMUNITY, page, span))
    counts = writer.submit(lambda: finish_member_diff(db, RUN, COMMUNITY, [])).result(30)
    unique = writer.submit(lambda: count_unique_staged(db, RUN)).result(30)
    writer.close()
    return counts, unique


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_diff_matches_python_sets(db: pw.Database, seed: int) -> None:
    rng = random.Random(seed)
    current, former = _seed_members(db, rng)
    fetched = set(rng.sample(sorted(current), 600)) | set(rng.sample(sorted(former), 50))
    fetched |= set(rng.sample(range(5000, 9000), 150))
    counts, unique = _stage_pages(db, _pages(sorted(fetched), 100, 8), rng)

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


def test_a_baseline_goes_straight_from_the_staged_ids_with_no_events(db: pw.Database) -> None:
    create_member_staging(db, RUN)
    stage_member_page(db, RUN, COMMUNITY, [1, 2, 3], None)
    stage_member_page(db, RUN, COMMUNITY, [3, 4], None)
    assert insert_staged_members(db, RUN, COMMUNITY, at=10) == 4
    drop_member_staging(db, RUN)
    assert _current(COMMUNITY) == {1, 2, 3, 4}
    assert MembershipEvent.select().count() == 0 and PendingDiffItem.select().count() == 0
    assert {(m.joined_at, m.first_seen) for m in Membership.select()} == {(None, 10)}


def test_baseline_items_apply_with_no_events(db: pw.Database) -> None:
    """A first sync saved for review: its items are every staged id, joined; applying them writes no event."""
    create_member_staging(db, RUN)
    stage_member_page(db, RUN, COMMUNITY, [1, 2, 3], (-math.inf, math.inf))
    assert finish_member_diff(db, RUN, COMMUNITY, []) == (3, 0)
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


def test_members_in_a_span_no_page_proved_are_left_candidates_unless_a_page_staged_them(
    db: pw.Database,
) -> None:
    """Pages 0-99 and 300-∞ were proved, 100-299 never was (bridging gave up): current members there were not
    seen, so they are left candidates — except those another page staged after all."""
    rng = random.Random(7)
    current, _ = _seed_members(db, rng)
    ordered = sorted(current)
    create_member_staging(db, RUN)
    stage_member_page(db, RUN, COMMUNITY, [u for u in ordered if u < 1000], (-math.inf, 999))
    stage_member_page(db, RUN, COMMUNITY, [u for u in ordered if u >= 3000] + [9001], (3000, math.inf))
    in_gap = {u for u in current if 1000 <= u < 3000}
    seen_in_gap = sorted(in_gap)[:3]
    stage_member_ids(db, RUN, seen_in_gap)  # a bridging page that proved no span of its own
    PendingDiffItem.create(run_id=RUN, user_id=sorted(in_gap)[-1], kind="still_member")
    assert finish_member_diff(db, RUN, COMMUNITY, [(1000, 2999)]) == (1, len(in_gap) - 3)
    assert _items("left") == in_gap - set(seen_in_gap)
    assert _items("joined") == {9001}
    assert _items("still_member") == {sorted(in_gap)[-1]}


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


def test_applying_a_diff_that_is_already_true_changes_nothing(db: pw.Database) -> None:
    """The diff is made page by page while the fetch runs, so an earlier diff applied meanwhile can make part
    of it true already: a joiner who is a current member and a leaver who is not get no event and keep
    their row (their `joined_at` / `left_at` are not moved to this apply's time)."""
    rng = random.Random(11)
    current, former = _seed_members(db, rng)
    arrived, gone = sorted(former)[:3], sorted(current)[:4]
    items = [(RUN, user_id, "joined") for user_id in arrived] + [(RUN, user_id, "left") for user_id in gone]
    fields = [PendingDiffItem.run_id, PendingDiffItem.user_id, PendingDiffItem.kind]
    execute_many(db, insert_sql(PendingDiffItem, fields), items)
    assert apply_member_diff(db, RUN, COMMUNITY, at=500, baseline=False) == 7
    assert _events("join") == set(arrived) and _events("leave") == set(gone)
    rows = {m.user_id: (m.is_current, m.joined_at, m.left_at) for m in Membership.select()}
    assert apply_member_diff(db, RUN, COMMUNITY, at=900, baseline=False) == 0
    assert MembershipEvent.select().count() == 7
    assert {m.user_id: (m.is_current, m.joined_at, m.left_at) for m in Membership.select()} == rows
