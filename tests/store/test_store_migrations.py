"""The migration path: an existing database is upgraded in one transaction, data intact."""

from __future__ import annotations

from pathlib import Path

import peewee as pw
import pytest
from playhouse.migrate import SchemaMigrator

from tests.store.schema_steps import STEP_2, add_nickname_column
from vksync_tui.store.db import StoreError, open_database
from vksync_tui.store.migrations import MIGRATIONS, Migration, current_version
from vksync_tui.store.models import Community, SchemaVersion, User


def _broken_step(migrator: SchemaMigrator, db: pw.Database) -> None:
    add_nickname_column(migrator, db)
    db.execute_sql("INSERT INTO no_such_table VALUES (1)")


def _columns(db: pw.Database, table: str) -> set[str]:
    return {column.name for column in db.get_columns(table)}


def test_version_one_database_upgrades_to_two_with_data_intact(db_path: Path) -> None:
    db = open_database(db_path, migrations=MIGRATIONS)
    User.create(id=10, first_name="Анна", last_name="К", refreshed_at=1)
    Community.create(id=3, title="c")
    assert current_version(db) == 1
    db.close()

    upgraded = open_database(db_path, migrations=[*MIGRATIONS, STEP_2])
    assert current_version(upgraded) == 2
    assert "nickname" in _columns(upgraded, "user")
    assert User.get_by_id(10).first_name == "Анна"
    assert Community.get_by_id(3).title == "c"
    assert [v.version for v in SchemaVersion.select().order_by(SchemaVersion.version)] == [1, 2]
    upgraded.close()

    reopened = open_database(db_path, migrations=[*MIGRATIONS, STEP_2])
    assert SchemaVersion.select().count() == 2
    reopened.close()


def test_fresh_database_runs_every_step(db_path: Path) -> None:
    db = open_database(db_path, migrations=[*MIGRATIONS, STEP_2])
    assert current_version(db) == 2
    assert "nickname" in _columns(db, "user")
    db.close()


def test_failing_step_rolls_back_the_whole_upgrade(db_path: Path) -> None:
    open_database(db_path, migrations=MIGRATIONS).close()
    with pytest.raises(StoreError, match="no such table"):
        open_database(db_path, migrations=[*MIGRATIONS, Migration(2, "broken", _broken_step)])
    db = open_database(db_path, migrations=MIGRATIONS)
    assert current_version(db) == 1
    assert "nickname" not in _columns(db, "user")
    db.close()


def test_versions_must_be_contiguous(db_path: Path) -> None:
    with pytest.raises(ValueError, match="without gaps"):
        open_database(db_path, migrations=[*MIGRATIONS, Migration(3, "gap", add_nickname_column)])
