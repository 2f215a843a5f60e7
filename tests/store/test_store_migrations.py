"""The migration path: an existing database is upgraded in one transaction, data intact."""

from __future__ import annotations

from pathlib import Path

import peewee as pw
import pytest
from playhouse.migrate import SchemaMigrator

from tests.helpers.schema_steps import STEP_2, add_nickname_column
from vksync_tui.store import models
from vksync_tui.store.db import StoreError, open_database
from vksync_tui.store.migrations import (
    BULK_LIST_SORT_INDEXES,
    MIGRATIONS,
    SORT_INDEXES,
    Migration,
    current_version,
    ensure_sort_index,
)
from vksync_tui.store.models import Community, Membership, Post, SchemaVersion, User


def _broken_step(migrator: SchemaMigrator, db: pw.Database) -> None:
    add_nickname_column(migrator, db)
    db.execute_sql("INSERT INTO no_such_table VALUES (1)")


def _columns(db: pw.Database, table: str) -> set[str]:
    return {column.name for column in db.get_columns(table)}


CURRENT = len(MIGRATIONS)


def test_current_database_upgrades_to_the_next_step_with_data_intact(db_path: Path) -> None:
    db = open_database(db_path, migrations=MIGRATIONS)
    User.create(id=10, first_name="Анна", last_name="К", refreshed_at=1)
    Community.create(id=3, title="c")
    assert current_version(db) == CURRENT
    db.close()

    upgraded = open_database(db_path, migrations=[*MIGRATIONS, STEP_2])
    assert current_version(upgraded) == CURRENT + 1
    assert "nickname" in _columns(upgraded, "user")
    assert User.get_by_id(10).first_name == "Анна"
    assert Community.get_by_id(3).title == "c"
    versions = [v.version for v in SchemaVersion.select().order_by(SchemaVersion.version)]
    assert versions == list(range(1, CURRENT + 2))
    upgraded.close()

    reopened = open_database(db_path, migrations=[*MIGRATIONS, STEP_2])
    assert SchemaVersion.select().count() == CURRENT + 1
    reopened.close()


def test_version_one_database_gets_the_sort_indexes_with_data_intact(db_path: Path) -> None:
    db = open_database(db_path, migrations=MIGRATIONS[:1])
    Membership.create(community_id=1, user_id=5, is_current=True, first_seen=0, joined_at=7)
    db.close()
    upgraded = open_database(db_path)
    names = {row[0] for row in upgraded.execute_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {name for name, _, _ in SORT_INDEXES} <= names
    assert Membership.get(Membership.user_id == 5).joined_at == 7
    upgraded.close()


def _table_sql(db: pw.Database, table: str) -> str:
    return str(db.execute_sql("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])


def _index_names(db: pw.Database, table: str) -> set[str]:
    query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
    return {name for (name,) in db.execute_sql(query, (table,))}


def test_a_without_rowid_post_table_is_rebuilt_as_a_rowid_table_with_rows_and_fresh_indexes(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = open_database(db_path.with_name("fresh.db"))
    fresh_indexes = _index_names(fresh, "post")
    assert "WITHOUT ROWID" not in _table_sql(fresh, "post")
    fresh.close()
    with monkeypatch.context() as patched:  # the layout of databases created before step 4
        patched.setattr(models, "LARGE_ROW_MODELS", ())
        old = open_database(db_path, migrations=MIGRATIONS[:3])
        assert _table_sql(old, "post").rstrip().endswith("WITHOUT ROWID")
        for post_id in (5, 3, 9):
            Post.create(community_id=1, post_id=post_id, date=post_id * 10, text=f"пост {post_id}",
                        likes=post_id, fetched_at=1)
        old.close()

    upgraded = open_database(db_path)
    assert current_version(upgraded) == CURRENT
    assert "WITHOUT ROWID" not in _table_sql(upgraded, "post")
    assert _index_names(upgraded, "post") == fresh_indexes
    assert "post_community_id_author_id_date" in fresh_indexes
    assert "post_community_id_author_id" not in fresh_indexes
    rows = Post.select(Post.post_id, Post.text, Post.likes).order_by(Post.post_id).tuples()
    assert list(rows) == [(3, "пост 3", 3), (5, "пост 5", 5), (9, "пост 9", 9)]
    with pytest.raises(pw.IntegrityError):  # the key still holds
        Post.insert(community_id=1, post_id=5, date=0, text="", fetched_at=1).execute()
    assert upgraded.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    upgraded.close()


def _plan(db: pw.Database, sql: str) -> str:
    return " ".join(str(row) for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", (1,)))


def test_sorted_list_pages_use_their_index(db_path: Path) -> None:
    db = open_database(db_path)
    by_posts = "SELECT user_id FROM author WHERE community_id = ? ORDER BY posts_count, user_id LIMIT 100"
    assert "author_posts_sort" in _plan(db, by_posts) and "TEMP B-TREE" not in _plan(db, by_posts)
    by_joined = ("SELECT user_id FROM membership WHERE community_id = ? "
                 "ORDER BY COALESCE(joined_at, 0), user_id LIMIT 100")
    assert "TEMP B-TREE" in _plan(db, by_joined)  # made when the list is first sorted by it
    assert ensure_sort_index(db, "membership_joined_sort")
    assert "membership_joined_sort" in _plan(db, by_joined) and "TEMP B-TREE" not in _plan(db, by_joined)
    db.close()


def test_an_older_database_loses_the_bulk_lists_sort_indexes(db_path: Path) -> None:
    """Up to step 4, the subscribers, mailing and profiles lists had their sort indexes made by step 2; step 5
    drops them (they are made again when a list is first sorted by their column)."""
    old = open_database(db_path, migrations=MIGRATIONS[:4])
    for name in BULK_LIST_SORT_INDEXES:  # as step 2 made them before step 5 existed
        assert ensure_sort_index(old, name)
    old.close()
    upgraded = open_database(db_path)
    assert not set(BULK_LIST_SORT_INDEXES) & _all_index_names(upgraded)
    assert {name for name, _, _ in SORT_INDEXES} <= _all_index_names(upgraded)
    upgraded.close()


def _all_index_names(db: pw.Database) -> set[str]:
    return {name for (name,) in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_fresh_database_runs_every_step(db_path: Path) -> None:
    db = open_database(db_path, migrations=[*MIGRATIONS, STEP_2])
    assert current_version(db) == CURRENT + 1
    assert "nickname" in _columns(db, "user")
    db.close()


def test_failing_step_rolls_back_the_whole_upgrade(db_path: Path) -> None:
    open_database(db_path, migrations=MIGRATIONS).close()
    with pytest.raises(StoreError, match="no such table"):
        open_database(db_path, migrations=[*MIGRATIONS, Migration(CURRENT + 1, "broken", _broken_step)])
    db = open_database(db_path, migrations=MIGRATIONS)
    assert current_version(db) == CURRENT
    assert "nickname" not in _columns(db, "user")
    db.close()


def test_versions_must_be_contiguous(db_path: Path) -> None:
    with pytest.raises(ValueError, match="without gaps"):
        open_database(db_path, migrations=[*MIGRATIONS, Migration(CURRENT + 2, "gap", add_nickname_column)])
