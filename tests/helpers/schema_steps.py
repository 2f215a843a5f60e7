"""A test-only migration step: what a real schema change would look like."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator

from vksync_tui.store.migrations import MIGRATIONS, Migration, column_missing


def add_nickname_column(migrator: SchemaMigrator, db: pw.Database) -> None:
    if column_missing(db, "user", "nickname"):
        migrator.add_column("user", "nickname", pw.TextField(null=True)).run()


STEP_2 = Migration(len(MIGRATIONS) + 1, "add user.nickname", add_nickname_column)
