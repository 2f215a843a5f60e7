"""Fixtures for the store tests: a real SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import peewee as pw
import pytest

from vksync_tui.store.db import open_database


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "home" / "vksync.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[pw.Database]:
    database = open_database(db_path)
    yield database
    database.close()
