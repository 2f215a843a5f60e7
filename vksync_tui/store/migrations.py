"""Schema versioning: a `schema_version` table and an ordered list of `up` steps.

Rules for adding a step (and why):
- Pending steps and their version stamps run in ONE transaction (`migration_context`), so a failed upgrade
  leaves the database at its previous version with its data intact.
- Step 1 creates every table from the *current* model classes. So a later step that changes a model must
  also change the model class, and must be idempotent on a fresh database that step 1 already built in the new
  shape (e.g. guard `add_column` with `column_missing`). Fresh and upgraded databases then end up identical.
- Steps run from `open_database`, before any worker thread starts, on the opening thread's connection.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import peewee as pw
from playhouse.migrate import SchemaMigrator

from vksync_tui.store.models import ALL_MODELS, Post, SchemaVersion


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    up: Callable[[SchemaMigrator, pw.Database], None]


class NewerSchemaError(Exception):
    """The database was written by a newer vksync-tui whose schema this version does not know."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema version {found} is newer than this program's {known}")
        self.found = found
        self.known = known


def _create_version_1(migrator: SchemaMigrator, db: pw.Database) -> None:
    db.create_tables(ALL_MODELS, safe=True)


# Indexes behind the list screens' sortable columns: (scope, sort expression, key), so a keyset page of a
# 10M-row list sorted by any offered column is an index range scan, not a full sort. NULL times sort as 0
# (COALESCE, portable to PostgreSQL); the list screens order by exactly these expressions.
SORT_INDEXES: tuple[tuple[str, str, str], ...] = (
    ("author_posts_sort", "author", "community_id, posts_count, user_id"),
    ("author_first_sort", "author", "community_id, COALESCE(first_post_at, 0), user_id"),
    ("author_last_sort", "author", "community_id, COALESCE(last_post_at, 0), user_id"),
    ("interaction_date_sort", "interaction",
     "community_id, COALESCE(date, 0), post_id, kind, user_id, comment_id"),
)


# Sort indexes made the first time a list is sorted by their column (`ensure_sort_index`, called by the list
# screen), not by a migration or a sync: every row a sync writes would otherwise update them, at a random
# place of the index, for sorts an operator may never ask for. Measured: a post written with its four sort
# indexes cost 32 µs, without them 24 (20,000 posts); upserting 1M profiles 8.0 µs a row with the `user`
# table's sort indexes, 2.9 without (`user_last_seen_sort`, in random key order, most of it), where building
# the index afterwards costs ~0.75 µs a row; a subscribers diff of 25,000 joined and 25,000 left among 1M
# members 0.41 → 0.27 CPU s without the two membership sorts (and a third fewer pages to commit). Without
# its index a sorted page reads the whole list (~0.07 s for 20,000 posts, seconds for millions); with it,
# ~1 ms.
ON_DEMAND_SORT_INDEXES: dict[str, tuple[str, str]] = {
    "post_likes_sort": ("post", "community_id, likes, post_id"),
    "post_comments_sort": ("post", "community_id, comments, post_id"),
    "post_reposts_sort": ("post", "community_id, reposts, post_id"),
    "post_views_sort": ("post", "community_id, views, post_id"),
    "membership_joined_sort": ("membership", "community_id, COALESCE(joined_at, 0), user_id"),
    "membership_left_sort": ("membership", "community_id, COALESCE(left_at, 0), user_id"),
    "mailing_last_message_sort": ("mailing", "community_id, COALESCE(last_message_date, 0), user_id"),
    "mailing_first_message_sort": ("mailing", "community_id, COALESCE(first_message_date, 0), user_id"),
    "mailing_analysed_sort": ("mailing", "community_id, COALESCE(analysed_at, 0), user_id"),
    "user_last_seen_sort": ("user", "COALESCE(last_seen, 0), id"),
    "user_refreshed_sort": ("user", "COALESCE(refreshed_at, 0), id"),
}


SORT_INDEX_LOCK_WAIT_MS = 200


def ensure_sort_index(db: pw.Database | pw.DatabaseProxy, name: str) -> bool:
    """Make the on-demand sort index `name` unless it exists; False when the database would not take it
    (read-only, or locked — a sync or a diff apply holds the write lock): the sort then still works, only
    without the index, and the next first page tries again. On SQLite the attempt waits for the lock at
    most `SORT_INDEX_LOCK_WAIT_MS`, not the store's busy timeout (60 s): a screen is waiting for its rows."""
    table, columns = ON_DEMAND_SORT_INDEXES[name]
    if any(index.name == name for index in db.get_indexes(table)):
        return True  # a read: no write lock to wait for while a sync is writing
    with _short_lock_wait(db):
        try:
            db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')
        except pw.OperationalError:
            return False
    return True


@contextlib.contextmanager
def _short_lock_wait(db: pw.Database | pw.DatabaseProxy) -> Iterator[None]:
    """This connection's SQLite busy timeout lowered to `SORT_INDEX_LOCK_WAIT_MS` meanwhile."""
    if not isinstance(db.obj if isinstance(db, pw.DatabaseProxy) else db, pw.SqliteDatabase):
        yield
        return
    (previous,) = db.execute_sql("PRAGMA busy_timeout").fetchone()
    db.execute_sql(f"PRAGMA busy_timeout = {SORT_INDEX_LOCK_WAIT_MS}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA busy_timeout = {int(previous)}")


def _add_sort_indexes(migrator: SchemaMigrator, db: pw.Database) -> None:
    for name, table, columns in SORT_INDEXES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')


# Partial indexes behind the list screens' default filters, so the COUNT a screen shows on opening walks only
# the rows it counts, in a small index, instead of the whole table: mailing analysis ("analysed", a third of
# the mailing rows, which SQLite otherwise finds by reading every row of the WITHOUT ROWID table) and profiles
# ("refreshed", otherwise a scan of every stored profile). The filtered column is the indexed column, so the
# filter reads as a range on the index (`analysed_at > NULL`) and the planner picks it without statistics.
COUNT_INDEXES: tuple[tuple[str, str, str, str], ...] = (
    ("mailing_analysed_count", "mailing", "community_id, analysed_at", "analysed_at IS NOT NULL"),
    ("user_refreshed_count", "user", "refreshed_at", "refreshed_at IS NOT NULL"),
)


def _add_count_indexes(migrator: SchemaMigrator, db: pw.Database) -> None:
    for name, table, columns, where in COUNT_INDEXES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns}) WHERE {where}')


def _post_for_large_rows(migrator: SchemaMigrator, db: pw.Database) -> None:
    """`post` as a rowid table (see `LARGE_ROW_MODELS`), its author index covering the dates, and its sort
    indexes made on demand (`ON_DEMAND_SORT_INDEXES`) instead of by step 2.

    SQLite cannot drop WITHOUT ROWID from a table, so the rows move to a new table in key order; its indexes
    are then made as on a fresh database. The author index gains `date`: rebuilding the authors list groups
    every post by author for its first and last dates, which read 20,000 rows of ~1 KB in random order
    (0.09 s) when the index did not hold the date. A fresh database got all of this from steps 1-2."""
    if isinstance(db, pw.SqliteDatabase):
        table = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'post'"
        found = db.execute_sql(table).fetchone()
        if found is not None and "WITHOUT ROWID" in found[0].upper():
            _move_post_rows_to_a_rowid_table(db)
    for name in ("post_community_id_author_id", *ON_DEMAND_SORT_INDEXES):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    Post._schema.create_indexes(safe=True)


def _move_post_rows_to_a_rowid_table(db: pw.Database) -> None:
    """The old table's indexes keep their names when it is renamed and go when it is dropped."""
    db.execute_sql('ALTER TABLE "post" RENAME TO "post_without_rowid"')
    Post._schema.create_table(safe=False)
    columns = ", ".join(f'"{field.column_name}"' for field in Post._meta.sorted_fields)
    ordered = "ORDER BY community_id, post_id"
    db.execute_sql(f'INSERT INTO "post" ({columns}) SELECT {columns} FROM "post_without_rowid" {ordered}')
    db.execute_sql('DROP TABLE "post_without_rowid"')


# The sort indexes of the lists whose syncs write many rows at once, made on demand from step 5 on (see
# `ON_DEMAND_SORT_INDEXES`); step 2 made them on databases created before it.
BULK_LIST_SORT_INDEXES = (
    "membership_joined_sort",
    "membership_left_sort",
    "mailing_last_message_sort",
    "mailing_first_message_sort",
    "mailing_analysed_sort",
    "user_last_seen_sort",
    "user_refreshed_sort",
)


def _bulk_list_sorts_on_demand(migrator: SchemaMigrator, db: pw.Database) -> None:
    for name in BULK_LIST_SORT_INDEXES:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create all tables", _create_version_1),
    Migration(2, "indexes for the list screens' sortable columns", _add_sort_indexes),
    Migration(3, "partial indexes for the list screens' default-filter counts", _add_count_indexes),
    Migration(4, "post: a rowid table (its rows carry the text), author index with dates, sort on demand",
              _post_for_large_rows),
    Migration(5, "subscribers, mailing and profiles sort indexes made on demand", _bulk_list_sorts_on_demand),
)


def column_missing(db: pw.Database, table: str, column: str) -> bool:
    """For steps that add a column a fresh database already got from the current model classes."""
    return column not in {c.name for c in db.get_columns(table)}


def current_version(db: pw.Database) -> int:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    found = SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).scalar()
    return int(found or 0)


def apply_migrations(
    db: pw.Database,
    steps: Sequence[Migration] = MIGRATIONS,
    *,
    now: Callable[[], float] = time.time,
) -> int:
    """Bring `db` to the last step's version in one transaction; returns the resulting version.

    Raises `NewerSchemaError` instead of touching a database from a newer program.
    """
    ordered = sorted(steps, key=lambda step: step.version)
    if [step.version for step in ordered] != list(range(1, len(ordered) + 1)):
        raise ValueError("migration versions must be 1, 2, 3, … without gaps")
    migrator = SchemaMigrator.from_database(db)
    with migrator.migration_context():
        found = current_version(db)
        if found > len(ordered):
            raise NewerSchemaError(found, len(ordered))
        for step in ordered[found:]:
            step.up(migrator, db)
            SchemaVersion.create(version=step.version, description=step.description, applied_at=int(now()))
    return max(found, len(ordered))
