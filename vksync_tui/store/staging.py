"""Per-run staging of fetched member ids and the SQL diff against `membership`.

Why this shape (data-layer-notes §2.1, §2.2, §5):
- ids are appended to a table of their own per run (`member_staging_<run_id>`), with no index while the fetch
  is running: appending touches a handful of pages per commit, so committing every API page stays cheap, and
  the staged ids survive a crash of the process (the fetch can resume);
- only when the fetch is complete is the index built, and the diff is computed by the database with
  `NOT EXISTS` — 10M ids take ~140 MB of RSS instead of the 1.3 GB of Python sets;
- the table is dropped afterwards: deleting millions of indexed rows takes tens of seconds, dropping is quick.

All but the counting function write, so in the sync engine run them as `StoreWriter` jobs.
The statements are built by peewee, so they run unchanged on PostgreSQL.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import peewee as pw

from vksync_tui.store.bulk import execute_many, insert_sql
from vksync_tui.store.models import BaseModel, Membership, MembershipEvent, PendingDiffItem, database_proxy

STAGING_PREFIX = "member_staging_"


def staging_table_name(run_id: int) -> str:
    return f"{STAGING_PREFIX}{int(run_id)}"


def create_member_staging(db: pw.Database, run_id: int) -> None:
    """Create the run's staging table (idempotent, so a resumed run keeps what it already staged)."""
    _require_bound(db)
    _staging_model(run_id).create_table(safe=True)


def stage_member_ids(db: pw.Database, run_id: int, ids: Iterable[int]) -> int:
    """Append one page of fetched ids (duplicates allowed: VK offsets drift while members join and leave)."""
    _require_bound(db)
    return execute_many(db, _staging_insert_sql(run_id, type(db)), ((user_id,) for user_id in ids))


def index_member_staging(db: pw.Database, run_id: int) -> None:
    """Index the staged ids once the fetch is complete (idempotent); `diff_members` calls it itself."""
    _require_bound(db)
    staging = _staging_model(run_id)
    name = f"{staging_table_name(run_id)}_user_id"
    db.execute(pw.ModelIndex(staging, (staging.user_id,), name=name, safe=True))


def count_unique_staged(db: pw.Database, run_id: int) -> int:
    """Distinct staged ids (for the completeness threshold); cheap after `index_member_staging`."""
    _require_bound(db)
    staging = _staging_model(run_id)
    return int(staging.select(pw.fn.COUNT(staging.user_id.distinct())).scalar() or 0)


def diff_members(db: pw.Database, run_id: int, community_id: int) -> tuple[int, int]:
    """Write the run's `joined` and `left` PendingDiffItem rows; returns (joined_count, left_count).

    joined = staged ids that are not current members (new, or back after leaving);
    left = current members that were not staged. Re-running replaces the run's earlier joined/left items
    (its `still_member` items are kept). Runs in one transaction (a savepoint inside a writer job).
    """
    _require_bound(db)
    staging = _staging_model(run_id)
    index_member_staging(db, run_id)
    item_fields = [PendingDiffItem.run_id, PendingDiffItem.user_id, PendingDiffItem.kind]
    is_current_member = (
        Membership.select(pw.SQL("1"))
        .where(
            (Membership.community_id == community_id)
            & (Membership.user_id == staging.user_id)
            & (Membership.is_current == True)  # noqa: E712 (peewee expression, not a comparison)
        )
    )
    joined = (
        staging.select(pw.Value(run_id), staging.user_id, pw.Value("joined"))
        .where(~pw.fn.EXISTS(is_current_member))
        .distinct()
    )
    was_staged = staging.select(pw.SQL("1")).where(staging.user_id == Membership.user_id)
    left = Membership.select(pw.Value(run_id), Membership.user_id, pw.Value("left")).where(
        (Membership.community_id == community_id)
        & (Membership.is_current == True)  # noqa: E712
        & ~pw.fn.EXISTS(was_staged)
    )
    with db.atomic():
        PendingDiffItem.delete().where(
            (PendingDiffItem.run_id == run_id) & PendingDiffItem.kind.in_(("joined", "left"))
        ).execute()
        joined_count = PendingDiffItem.insert_from(joined, item_fields).as_rowcount().execute()
        left_count = PendingDiffItem.insert_from(left, item_fields).as_rowcount().execute()
    return int(joined_count), int(left_count)


def apply_member_diff(db: pw.Database, run_id: int, community_id: int, at: int, *, baseline: bool) -> int:
    """Apply the run's pending diff to `membership` in one transaction; returns how many rows changed.

    `left` items that also have a `still_member` item (re-checked with groups.isMember) are ignored.
    Leavers get `is_current = FALSE, left_at = at`; joiners are inserted or re-activated. Events are written
    for both unless `baseline` (a community's first sync: its members did not join just now, so no events and
    an unknown `joined_at`). Reads only PendingDiffItem, so the staging table may already be dropped.
    """
    _require_bound(db)
    item = PendingDiffItem
    still = PendingDiffItem.alias("still")
    confirmed_left = (
        item.select(item.user_id)
        .where(
            (item.run_id == run_id)
            & (item.kind == "left")
            & ~pw.fn.EXISTS(
                still.select(pw.SQL("1")).where(
                    (still.run_id == run_id)
                    & (still.kind == "still_member")
                    & (still.user_id == item.user_id)
                )
            )
        )
    )
    joined = item.select(item.user_id).where((item.run_id == run_id) & (item.kind == "joined"))
    joined_at = None if baseline else at
    with db.atomic():
        if not baseline:
            for kind, users in (("join", joined), ("leave", confirmed_left)):
                events = users.select(pw.Value(community_id), item.user_id, pw.Value(kind), pw.Value(at),
                                      pw.Value(run_id))
                fields = [MembershipEvent.community_id, MembershipEvent.user_id, MembershipEvent.kind,
                          MembershipEvent.at, MembershipEvent.run_id]
                MembershipEvent.insert_from(events, fields).as_rowcount().execute()
        left_count = (
            Membership.update(is_current=False, left_at=at)
            .where((Membership.community_id == community_id) & Membership.user_id.in_(confirmed_left))
            .execute()
        )
        arrivals = joined.select(pw.Value(community_id), item.user_id, pw.Value(True), pw.Value(at),
                                 pw.Value(joined_at))
        joined_count = (
            Membership.insert_from(
                arrivals,
                [Membership.community_id, Membership.user_id, Membership.is_current, Membership.first_seen,
                 Membership.joined_at],
            )
            .on_conflict(
                conflict_target=[Membership.community_id, Membership.user_id],
                preserve=[Membership.is_current, Membership.joined_at],
                update={Membership.left_at: None},
            )
            .as_rowcount()
            .execute()
        )
    return int(left_count) + int(joined_count)


def drop_member_staging(db: pw.Database, run_id: int) -> None:
    _require_bound(db)
    _staging_model(run_id).drop_table(safe=True)


def staged_run_ids(db: pw.Database) -> list[int]:
    """Runs whose staging table still exists (a crashed or unfinished fetch), for resume or clean-up."""
    names = db.get_tables()
    return sorted(int(name[len(STAGING_PREFIX) :]) for name in names if _is_staging_name(name))


def _is_staging_name(name: str) -> bool:
    return name.startswith(STAGING_PREFIX) and name[len(STAGING_PREFIX) :].isdigit()


@functools.lru_cache(maxsize=16)
def _staging_insert_sql(run_id: int, backend: type[pw.Database]) -> str:
    """Cached per run and backend: a 10M-member fetch stages 10,000 pages."""
    staging = _staging_model(run_id)
    return insert_sql(staging, [staging.user_id])


@functools.lru_cache(maxsize=16)
def _staging_model(run_id: int) -> type[BaseModel]:
    """A model class per run (cached): an append-only heap of ids, no primary key, no index."""

    class Meta:
        table_name = staging_table_name(run_id)
        primary_key = False

    return type(f"MemberStaging{int(run_id)}", (BaseModel,), {"Meta": Meta, "user_id": pw.BigIntegerField()})


def _require_bound(db: pw.Database) -> None:
    if database_proxy.obj is not db:
        raise ValueError("staging helpers need the database that open_database() bound to the models")
