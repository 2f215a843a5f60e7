"""Spent per-method daily quotas (VK error 29), remembered in the home so every process leaves them alone.

VK limits some methods per token per day — wall.get 5,000 calls, newsfeed.search 1,000, ... — and counts the
calls made inside an `execute` against them; once a token has spent a method's quota VK answers that method
with error 29 "Rate limit reached" (https://github.com/python273/vk_api/issues/411). Only that method: the
token's other methods keep working. Asking again a minute later only draws another 29, and so does every other
process on the home that sends with the token (the dashboard, a cron job), so the spent quota is written down
where they all look: `method-quotas.json` beside the `rate-budget/` folder, mode 0600, keyed by the token's
fingerprint (`budget.fingerprint`, never the token) and the method, with the wall-clock time VK said so.

"VK's next day" is `QUOTA_DAY_SECONDS` (24 hours) after that answer. VK calls these limits daily ("в сутки")
but says nowhere when its day starts, and public reports see a spent quota lift anywhere from half an hour to
many hours after it was hit (https://github.com/egorprnn/VK2Discord/issues/114). Whatever VK's day is — a
calendar day in some time zone or the last 24 hours — every call it counted against the quota was made
within the 24 hours before the 29, so 24 hours after it the quota is free again for certain. Waiting less
would be a guess; waiting the full day costs only that token's share of that one method, which the other
tokens take over.

The file is read again only when it changed (its size, inode or modification time), so a process asks the
kernel for one `stat` per look-up and re-reads the few entries only after another process wrote. Writers
take an exclusive `flock` on it for the read-modify-write; entries whose day is over are dropped when it is
written.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from vksync_tui.clock import WallClock
from vksync_tui.vk.budget import BudgetUnavailable

QUOTA_FILE = "method-quotas.json"
QUOTA_DAY_SECONDS = 86_400.0

# fingerprint → method → wall-clock time (epoch seconds) the token may call the method again
_Book = dict[str, dict[str, float]]


class QuotaBook(Protocol):
    """Which tokens have spent which methods' daily quotas, and until when."""

    def spent_until(self, key: str, method: str) -> float | None:
        """When (epoch seconds) the token `key` may call `method` again; None: it may now."""
        ...

    def record(self, key: str, method: str) -> float:
        """VK just answered 29 to the token `key` for `method`: remember it; returns when it lifts."""
        ...


class MemoryQuotaBook:
    """Spent quotas of this process only (tests; a session without a home)."""

    def __init__(self, wall_clock: WallClock = time.time) -> None:
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._book: _Book = {}

    def spent_until(self, key: str, method: str) -> float | None:
        with self._lock:
            return _still_spent(self._book, key, method, self._wall_clock())

    def record(self, key: str, method: str) -> float:
        with self._lock:
            return _record(self._book, key, method, self._wall_clock())


class FileQuotaBook:
    """Spent quotas in `path` (`method-quotas.json` in the home), shared by every process on the home.

    Raises `BudgetUnavailable` (one line naming the file) when the file cannot be read or written: a spent
    quota nobody else would see is a 29 for every other process, so a broken home is said at once. A file
    that is not a quota record (garbled) counts as empty and is rewritten by the next `record`.
    """

    def __init__(self, path: Path, wall_clock: WallClock = time.time) -> None:
        self.path = path
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None  # (inode, size, mtime_ns) of the content in `_book`
        self._book: _Book = {}

    def spent_until(self, key: str, method: str) -> float | None:
        with self._lock:
            self._refresh()
            return _still_spent(self._book, key, method, self._wall_clock())

    def record(self, key: str, method: str) -> float:
        with self._lock, self._locked_file() as descriptor:
            self._book = _parse(os.pread(descriptor, 1 << 20, 0))
            now = self._wall_clock()
            until = _record(self._book, key, method, now)
            data = json.dumps(_current(self._book, now), sort_keys=True).encode()
            os.pwrite(descriptor, data, 0)
            os.ftruncate(descriptor, len(data))
            os.fsync(descriptor)
            self._seen = _identity(os.fstat(descriptor))
            return until

    def _refresh(self) -> None:
        """Re-read the file when another process (or nobody yet) wrote it since this one last read it."""
        try:
            identity = _identity(os.stat(self.path))
        except FileNotFoundError:
            self._book, self._seen = {}, None
            return
        except OSError as exc:
            raise self._unavailable(exc) from None
        if identity == self._seen:
            return
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        except OSError as exc:
            raise self._unavailable(exc) from None
        self._book, self._seen = _parse(data), identity

    @contextlib.contextmanager
    def _locked_file(self) -> Iterator[int]:
        try:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise self._unavailable(exc) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield descriptor
        except OSError as exc:
            raise self._unavailable(exc) from None
        finally:
            os.close(descriptor)  # releases the flock

    def _unavailable(self, exc: OSError) -> BudgetUnavailable:
        return BudgetUnavailable(
            f"cannot use the record of spent daily quotas {self.path}: {exc.strerror or exc}. Every process "
            "on this home must see which token has spent which method for the day; make the folder writable"
        )


def _identity(status: os.stat_result) -> tuple[int, int, int]:
    return status.st_ino, status.st_size, status.st_mtime_ns


def _parse(data: bytes) -> _Book:
    """The book in a file's bytes; anything else (empty, garbled, another shape) is an empty book."""
    try:
        raw = json.loads(data) if data.strip() else {}
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        key: {method: float(until) for method, until in methods.items()
              if isinstance(until, int | float) and not isinstance(until, bool)}
        for key, methods in raw.items()
        if isinstance(key, str) and isinstance(methods, dict)
    }


def _still_spent(book: _Book, key: str, method: str, now: float) -> float | None:
    until = book.get(key, {}).get(method)
    return until if until is not None and until > now else None


def _record(book: _Book, key: str, method: str, now: float) -> float:
    until = now + QUOTA_DAY_SECONDS
    book.setdefault(key, {})[method] = until
    return until


def _current(book: _Book, now: float) -> _Book:
    """The book without the quotas whose day is over (so the file never grows past the day's few entries)."""
    kept = {key: {method: until for method, until in methods.items() if until > now}
            for key, methods in book.items()}
    return {key: methods for key, methods in kept.items() if methods}
