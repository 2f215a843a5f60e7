"""Per-run staging of fetched member ids, and the diff against `membership` made page by page.

Why this shape (each choice measured on this project's 2-core VM):
- ids go into a table of their own per run (`member_staging_<run_id>`) keyed by the id itself (a rowid
  table, `INSERT OR IGNORE`): `groups.getMembers` pages come sorted by id and the fetch takes them in offset
  order, so nearly every insert lands at the end of the B-tree — as cheap as appending to a heap, and there
  is no index to build and no `DISTINCT` to count afterwards (1M ids: 0.46 s of index + count after the
  fetch, now a `COUNT(*)` of a few ms);
- the diff is made while the fetch runs, one page at a time, on the writer (`stage_member_page`): a page of
  ids sorted by id proves which members were in its id span when it was fetched (`sync.coverage`), so the
  current members inside that span that are not on the page left, and the page's ids that are not current
  members joined. One range read of the `(community_id, is_current, user_id)` index per page, ~1000 rows.
  After the fetch (`finish_member_diff`) only the change is touched: current members in spans no page
  proved (a gap the bridging could not close) are left candidates too, and candidates some other page staged
  (spans overlap at their ends) are dropped — a lookup per candidate, not a pass over the community;
- a community's first sync applied at once inserts its members straight from the staging table in id order
  (`insert_staged_members`), with no diff item per member to write, read and delete;
- the table is dropped afterwards: deleting millions of rows takes tens of seconds, dropping is quick.

All but the counting function write, so in the sync engine run them as `StoreWriter` jobs.
The statements are built by peewee, so they run unchanged on PostgreSQL.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence

import peewee as pw

from vksync_tui.store.bulk import execute_many, insert_ignore_sql
from vksync_tui.store.models import BaseModel, Membership, MembershipEvent, PendingDiffItem, database_proxy

STAGING_PREFIX = "member_staging_"
# An id span: the lowest and highest id a page proves complete; -inf / inf for a page that starts the list or
# reaches its end (`sync.coverage.PageSpan`), and gaps are given the same way with their ends excluded.
Span = tuple[float, float]


def staging_table_name(run_id: int) -> str:
    return f"{STAGING_PREFIX}{int(run_id)}"


def create_member_staging(db: pw.Database, run_id: int) -> None:
    """Create the run's staging table (idempotent, so a resumed run keeps what it already staged)."""
    _require_bound(db)
    _staging_model(run_id).create_table(safe=True)


def stage_member_ids(db: pw.Database, run_id: int, ids: Iterable[int]) -> int:
    """Add fetched ids to the run's staging table; an id staged already (overlapping pages) is kept once."""
    _require_bound(db)
    return execute_many(db, _staging_insert_sql(run_id, _backend(db)), ((user_id,) for user_id in ids))


def stage_member_page(
    db: pw.Database, run_id: int, community_id: int, ids: Sequence[int], span: Span | None
) -> None:
    """A writer job: stage one page of ids and, given the `span` the page proves, its part of the diff —
    `joined` items for its ids that are not current members, `left` candidates for the current members in
    the span that are not on it (`finish_member_diff` drops the candidates another page staged). Without a
    span only the ids are staged (a first sync applied at once needs no diff items)."""
    stage_member_ids(db, run_id, ids)
    if span is None:
        return
    current = set(_current_members(community_id, [span]))
    on_page = set(ids)
    _add_items(db, run_id, "joined", [user_id for user_id in ids if user_id not in current])
    _add_items(db, run_id, "left", sorted(current - on_page))


def count_unique_staged(db: pw.Database, run_id: int) -> int:
    """Distinct staged ids (for the completeness threshold): the rows of the staging table."""
    _require_bound(db)
    return int(_staging_model(run_id).select().count())


def finish_member_diff(
    db: pw.Database, run_id: int, community_id: int, gaps: Sequence[Span]
) -> tuple[int, int]:
    """Close the page-by-page diff once the fetch is over; returns (joined_count, left_count).

    `gaps`: the id ranges no page proved complete (their ends excluded). Current members inside them were
    not seen, so they are left candidates; then every left candidate that some page did stage (pages overlap
    at their ends, and a member can be missing from one page's span only to sit on the next) is dropped.
    joined = staged ids that are not current members, left = current members that were not staged; the
    run's `still_member` items are kept. Runs in one transaction (a savepoint inside a writer job).
    """
    _require_bound(db)
    staging = _staging_model(run_id)
    item = PendingDiffItem
    with db.atomic():
        _add_items(db, run_id, "left", list(_current_members(community_id, gaps)))
        staged = staging.select(pw.SQL("1")).where(staging.user_id == item.user_id)
        item.delete().where((item.run_id == run_id) & (item.kind == "left") & pw.fn.EXISTS(staged)).execute()
        counts = dict(
            item.select(item.kind, pw.fn.COUNT(pw.SQL("*")))
            .where((item.run_id == run_id) & item.kind.in_(("joined", "left")))
            .group_by(item.kind)
            .tuples()
        )
    return int(counts.get("joined", 0)), int(counts.get("left", 0))


def insert_staged_members(db: pw.Database, run_id: int, community_id: int, at: int) -> int:
    """A community's first sync, applied: every staged id becomes a current member (unknown `joined_at`, no
    events — they did not join just now), read from the staging table in id order, so the members table and
    its indexes are filled from one end to the other. Returns the rows written."""
    _require_bound(db)
    staging = _staging_model(run_id)
    rows = (
        staging.select(pw.Value(community_id), staging.user_id, pw.Value(True), pw.Value(at))
        .where(staging.user_id.is_null(False))  # SQLite's upsert needs a WHERE after a SELECT's FROM
        .order_by(staging.user_id)
    )
    fields = [Membership.community_id, Membership.user_id, Membership.is_current, Membership.first_seen]
    query = Membership.insert_from(rows, fields).on_conflict(
        conflict_target=[Membership.community_id, Membership.user_id],
        preserve=[Membership.is_current],
        update={Membership.left_at: None},
    )
    return int(query.as_rowcount().execute())


def _current_members(community_id: int, spans: Iterable[Span]) -> Iterable[int]:
    """Current members of `community_id` whose id lies in any of the inclusive `spans`, by the driver's own
    cursor: peewee's row iteration cost ~6 µs a row, more than the rest of a page's diff together."""
    db = database_proxy.obj
    for low, high in spans:
        bounds = [bound for bound in (low, high) if not math.isinf(bound)]
        sql = _current_members_sql(_backend(db), not math.isinf(low), not math.isinf(high))
        cursor = db.execute_sql(sql, [community_id, *(int(bound) for bound in bounds)])
        yield from (user_id for (user_id,) in cursor)


def _backend(db: pw.Database) -> str:
    """What the SQL rendered once per backend is cached by: its database class (its parameter style)."""
    return type(db).__name__


@functools.lru_cache(maxsize=16)
def _current_members_sql(backend: str, has_low: bool, has_high: bool) -> str:
    """The range read of the `(community_id, is_current, user_id)` index, rendered once per shape; its
    parameters are the community id and the bounds it has, in that order."""
    placeholder = pw.SQL(database_proxy.obj.param)
    where = (Membership.community_id == placeholder) & (Membership.is_current == pw.SQL("TRUE"))
    if has_low:
        where &= Membership.user_id >= placeholder
    if has_high:
        where &= Membership.user_id <= placeholder
    query = Membership.select(Membership.user_id).where(where).order_by(Membership.user_id)
    sql, _no_params = database_proxy.obj.get_sql_context().sql(query).query()
    return sql


def _add_items(db: pw.Database, run_id: int, kind: str, user_ids: Sequence[int]) -> None:
    """`kind` items of the run for `user_ids` (an item the run has already is kept once)."""
    if user_ids:
        execute_many(db, _item_insert_sql(_backend(db)), [(run_id, user_id, kind) for user_id in user_ids])


def apply_member_diff(db: pw.Database, run_id: int, community_id: int, at: int, *, baseline: bool) -> int:
    """Apply the run's pending diff to `membership` in one transaction; returns how many rows changed.

    `left` items that also have a `still_member` item (re-checked with groups.isMember) are ignored.
    Leavers get `is_current = FALSE, left_at = at`; joiners are inserted or re-activated. Events are written
    for both unless `baseline` (a community's first sync: its members did not join just now, so no events and
    an unknown `joined_at`). Reads only PendingDiffItem, so the staging table may already be dropped.
    Only what the members table does not say already changes: a joiner who is a current member, or a leaver
    who is not, keeps their row and gets no event. The diff is made page by page while the fetch runs, so an
    earlier diff applied meanwhile may have made part of this one true already; applying it again is a no-op.
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
    current = Membership.select(pw.SQL("1")).where(
        (Membership.community_id == community_id)
        & (Membership.user_id == item.user_id)
        & (Membership.is_current == True)  # noqa: E712 (peewee expression)
    )
    joined = item.select(item.user_id).where(
        (item.run_id == run_id) & (item.kind == "joined") & ~pw.fn.EXISTS(current)
    )
    confirmed_left = confirmed_left.where(pw.fn.EXISTS(current))
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
def _staging_insert_sql(run_id: int, backend: str) -> str:
    """Cached per run and backend: a 10M-member fetch stages 10,000 pages."""
    staging = _staging_model(run_id)
    return insert_ignore_sql(staging, [staging.user_id])


@functools.lru_cache(maxsize=4)
def _item_insert_sql(backend: str) -> str:
    item = PendingDiffItem
    return insert_ignore_sql(item, [item.run_id, item.user_id, item.kind])


@functools.lru_cache(maxsize=16)
def _staging_model(run_id: int) -> type[BaseModel]:
    """A model class per run (cached): the staged ids as the table's key (a rowid table on SQLite)."""

    class Meta:
        table_name = staging_table_name(run_id)

    user_id = pw.BigIntegerField(primary_key=True)
    return type(f"MemberStaging{int(run_id)}", (BaseModel,), {"Meta": Meta, "user_id": user_id})


def _require_bound(db: pw.Database) -> None:
    if database_proxy.obj is not db:
        raise ValueError("staging helpers need the database that open_database() bound to the models")
