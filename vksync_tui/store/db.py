"""Opening the store: one call that connects, binds the models, sets pragmas and migrates.

The settings follow measurements of SQLite under this workload: WAL so readers (TUI, exports) never block
the writer; synchronous=NORMAL (an application crash never loses committed data); `lock_type='IMMEDIATE'`
because a DEFERRED read-then-write transaction fails with an unretryable SQLITE_BUSY_SNAPSHOT; a busy timeout
longer than the longest write transaction (a 10M-member diff apply takes several seconds); temp_store left at
FILE (MEMORY multiplied the 10M diff's RSS by ~4); a write-ahead log checkpointed every 4000 pages (16 MB)
instead of SQLite's 1000: each checkpoint copies every page the log holds back into the file and syncs it, and
the index pages a sync rewrites in every commit were copied over and over (filling 20,000 posts in commits of
1600: 60-65 → 50-57 µs per post under load; the log file may grow to 16 MB and stays that size).

Connections are per thread (peewee keeps them in a `threading.local`); `autoconnect` stays on so a reader
thread just queries. Everything that writes goes through `StoreWriter` (writer.py).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import peewee as pw
from playhouse import db_url

from vksync_tui.secrets import redact
from vksync_tui.store.errors import StoreError
from vksync_tui.store.migrations import MIGRATIONS, Migration, NewerSchemaError, apply_migrations
from vksync_tui.store.models import apply_backend_options, database_proxy

__all__ = ["DEFAULT_BUSY_TIMEOUT", "SQLITE_PRAGMAS", "StoreError", "open_database"]

DEFAULT_BUSY_TIMEOUT = 60.0

SQLITE_PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "cache_size": -65536,
    "wal_autocheckpoint": 4000,
}


def open_database(
    target: Path | str,
    *,
    timeout: float = DEFAULT_BUSY_TIMEOUT,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> pw.Database:
    """Open (creating if needed) the store at a file path or a database URL and bring its schema up to date.

    `target`: a path, `sqlite:///relative.db`, `sqlite:////absolute.db`, or any other `playhouse.db_url` URL
    (e.g. `postgresql://…`, given no SQLite-specific options). `timeout` is SQLite's busy timeout in seconds.
    Call it once, before starting threads: it (re)binds every model to the returned database.
    Raises `StoreError` for a locked, corrupt, unwritable or too-new database, leaving stored data untouched.
    """
    where = _describe(target)
    if _is_sqlite_target(target) and _sqlite_path(target) == ":memory:":
        raise StoreError("an in-memory database is not shared between threads; give a file path instead")
    db: pw.Database | None = None
    try:
        db = _connect(target, timeout)
        database_proxy.initialize(db)
        apply_backend_options(db)
        db.connect(reuse_if_open=True)
        apply_migrations(db, migrations)
    except NewerSchemaError as exc:
        raise StoreError(
            f"{where} has schema version {exc.found}, newer than this vksync-tui knows ({exc.known}); "
            "upgrade vksync-tui or choose another --home"
        ) from None
    except (pw.PeeweeException, sqlite3.Error, OSError) as exc:
        _close_quietly(db)
        raise _explain(exc, where, timeout) from None
    return db


def _is_sqlite_target(target: Path | str) -> bool:
    return isinstance(target, Path) or "://" not in target or target.startswith("sqlite")


def _sqlite_path(target: Path | str) -> str:
    if isinstance(target, Path) or "://" not in target:
        return str(target)
    return urlsplit(target).path[1:] or ":memory:"


def _connect(target: Path | str, timeout: float) -> pw.Database:
    if not _is_sqlite_target(target):
        return db_url.connect(str(target))
    sqlite_options = {"pragmas": SQLITE_PRAGMAS, "timeout": timeout, "lock_type": "IMMEDIATE"}
    if isinstance(target, Path) or "://" not in target:
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        return pw.SqliteDatabase(str(path), **sqlite_options)
    folder = Path(_sqlite_path(target)).parent
    folder.mkdir(parents=True, exist_ok=True)
    return db_url.connect(target, **sqlite_options)


def _explain(exc: BaseException, where: str, timeout: float) -> StoreError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreError(
            f"{where} is locked by another process for more than {timeout:g} s "
            "(another vksync-tui running?); close it and retry"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"{where} is not a readable SQLite database (damaged, or another kind of file); "
            "move it aside and a new database will be created"
        )
    if isinstance(exc, OSError) or "unable to open" in text or "readonly" in text:
        return StoreError(
            f"cannot create or write {where}: make its folder writable or choose another --home"
        )
    one_line = " ".join(redact(str(exc)).split())
    return StoreError(f"cannot open {where}: {one_line}")


def _describe(target: Path | str) -> str:
    """The target without any password, for messages (database URLs may carry credentials)."""
    if isinstance(target, Path) or "://" not in target:
        return str(target)
    parts = urlsplit(target)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _close_quietly(db: pw.Database | None) -> None:
    if db is not None and not db.is_closed():
        with contextlib.suppress(pw.DatabaseError):
            db.close()
