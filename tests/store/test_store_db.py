"""open_database: schema, pragmas, reopening, and one-line errors that leave stored data alone."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import peewee as pw
import pytest

from tests.helpers.schema_steps import STEP_2
from vksync_tui.store.db import StoreError, open_database
from vksync_tui.store.migrations import MIGRATIONS, current_version
from vksync_tui.store.models import ALL_MODELS, Community, Membership


def _create_sql(path: Path, table: str) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]


def test_open_creates_every_table_in_wal_mode(db: pw.Database, db_path: Path) -> None:
    assert set(db.get_tables()) == {model._meta.table_name for model in ALL_MODELS}
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 30_000
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 4000
    assert current_version(db) == len(MIGRATIONS)
    assert db_path.exists()


def test_composite_key_tables_are_without_rowid_on_sqlite(db: pw.Database, db_path: Path) -> None:
    assert _create_sql(db_path, "membership").rstrip().endswith("WITHOUT ROWID")
    assert _create_sql(db_path, "interaction").rstrip().endswith("WITHOUT ROWID")
    assert "WITHOUT ROWID" not in _create_sql(db_path, "post")  # large rows (the text): a rowid table
    assert "WITHOUT ROWID" not in _create_sql(db_path, "sync_run")


def test_transactions_take_the_write_lock_at_begin(db: pw.Database, db_path: Path) -> None:
    """lock_type IMMEDIATE: a transaction that has only read still excludes other writers."""
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with db.atomic():
            Community.select().count()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


def test_reopen_is_idempotent_and_keeps_data(db_path: Path) -> None:
    db = open_database(db_path)
    Community.create(id=1, screen_name="club1", title="One")
    db.close()
    again = open_database(db_path)
    assert [(c.id, c.title) for c in Community.select()] == [(1, "One")]
    assert current_version(again) == len(MIGRATIONS)
    again.close()


def test_sqlite_url_opens_the_same_file(db_path: Path) -> None:
    db = open_database(db_path)
    Community.create(id=5, title="by path")
    db.close()
    by_url = open_database(f"sqlite:///{db_path}")
    assert Community.get_by_id(5).title == "by path"
    by_url.close()


def test_locked_database_gives_a_one_line_store_error(db_path: Path) -> None:
    open_database(db_path).close()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO community (id, screen_name, title, is_closed) VALUES (9, 's', 't', 0)")
    try:
        with pytest.raises(StoreError) as caught:
            open_database(db_path, migrations=[*MIGRATIONS, STEP_2], timeout=0.2)
    finally:
        holder.execute("COMMIT")
        holder.close()
    message = str(caught.value)
    assert "locked by another process" in message and "\n" not in message
    reopened = open_database(db_path)
    assert Community.get_by_id(9).title == "t"
    assert current_version(reopened) == len(MIGRATIONS)
    reopened.close()


def test_corrupt_file_gives_store_error_and_is_left_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not an sqlite database at all\n" * 200
    db_path.write_bytes(garbage)
    with pytest.raises(StoreError, match="not a readable SQLite database"):
        open_database(db_path)
    assert db_path.read_bytes() == garbage


def test_a_folder_in_place_of_the_file_gives_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot create or write"):
        open_database(tmp_path)


def test_a_file_in_place_of_the_folder_gives_store_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    with pytest.raises(StoreError, match="cannot create or write"):
        open_database(tmp_path / "not-a-folder" / "vksync.db")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_unwritable_folder_gives_store_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    with pytest.raises(StoreError, match="cannot create or write"):
        open_database(folder / "vksync.db")


def test_in_memory_database_is_refused() -> None:
    with pytest.raises(StoreError, match="in-memory"):
        open_database(":memory:")


def test_database_url_errors_never_show_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_database("postgresql://operator:hunter2secret@127.0.0.1:1/vk")
    assert "hunter2secret" not in str(caught.value)
    assert "operator@127.0.0.1:1" in str(caught.value)


def test_schema_from_a_newer_program_is_refused_untouched(db_path: Path) -> None:
    open_database(db_path, migrations=[*MIGRATIONS, STEP_2]).close()
    with pytest.raises(StoreError, match="newer than this vksync-tui"):
        open_database(db_path)


def test_membership_rows_survive_reopen_with_without_rowid(db_path: Path) -> None:
    db = open_database(db_path)
    Membership.create(community_id=1, user_id=2, first_seen=100)
    db.close()
    reopened = open_database(db_path)
    assert Membership.get(community_id=1, user_id=2).is_current is True
    reopened.close()
