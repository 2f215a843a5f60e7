"""One request budget per token, shared by every limiter, thread and process that sends with the token.

VK counts a token's requests in a sliding second whoever sends them: the dashboard, a cron job and a
`tokens check` typed in a third terminal all spend the same 3 requests per second of a user token. So the
record of a token's recent requests cannot live inside one limiter or one process; it lives in a budget that
every `RateLimiter` of the token consults before it lets a request go:

- `FileRateBudget` (every real session): one small file per token in the home's `rate-budget/` folder,
  read and rewritten under an exclusive `flock`. Chosen on measurements on the 2-core VM this project is
  developed on: the bare locked read-and-rewrite of a small record costs 7.7 µs, the same step as a SQLite
  `BEGIN IMMEDIATE` transaction (WAL) 70–80 µs; with this module's bookkeeping a request (its grant and its
  sent-stamp) costs about 42 µs of CPU at a community token's 20 rps, alone or with a second process on the
  same token (`bench/bench_ratelimit.py`). A flock is dropped by the kernel when its holder's descriptors
  close, SIGKILL included, so a killed process never leaves a lock behind.
- `MemoryRateBudget`: the same record for this process only, for tests that drive a virtual clock.

A team sharing tokens across machines would need a third implementation of `RateBudget` (a server that
owns the clock), which is why the protocol speaks in seconds to wait, never in one process's clock times.

Requests in flight. A grant is recorded at once, marked *in flight*, and stamped again when the request's
bytes have left (`sent`). Until then it counts as sending *now*: a request that waited after its grant (for
the interpreter, a connection, a TLS handshake) reaches VK later than it was granted, and the window must
count from its arrival, or the next grants crowd it. A process that died with requests in flight leaves
entries nobody will stamp; those count from their grant time (which a window forgets within a second), so
the next run waits at most one window. Entries from before a reboot (monotonic times ahead of now) are
dropped.

Each record holds the token's entries of the last `KEEP_SECONDS` or window, whichever is longer, so callers
with different rates for one token (a check's 3 rps beside a sync's 20) all find what they need; files are
named by a fingerprint of the token (the first 16 hex digits of its SHA-256), never the token.
"""

from __future__ import annotations

import abc
import contextlib
import errno
import fcntl
import hashlib
import itertools
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from vksync_tui.clock import Clock, SystemClock
from vksync_tui.vk.errors import VkError

KEEP_SECONDS = 1.5  # more than any window at 1 rps or more (1.1 s, 1.2 s widened); a longer window keeps more
IN_FLIGHT_LIMIT = 120.0  # a request not sent after this long (connect + write timeouts) counts from its grant
MAX_ENTRIES = 256  # a bound on a record: more than any rps × KEEP_SECONDS in use
LOCK_TIMEOUT = 10.0  # a budget lock held longer than this belongs to a stuck process: fail, do not guess
_LOCK_POLL = 0.001
_CLOCK_TOLERANCE = 1.0  # an entry further ahead of now than this predates a reboot of the monotonic clock

_HEADER = struct.Struct("<4sI")
_ENTRY = struct.Struct("<dqq?")
_MAGIC = b"VKRB"


class BudgetUnavailable(VkError):
    """The shared budget cannot be read or written: nothing may be sent that it does not count."""


@dataclass(frozen=True)
class Grant:
    """One granted request: who granted it (process id) and its number there, to stamp it when sent."""

    key: str
    owner: int
    ticket: int


# One request: (stamp, owner process id, ticket, in flight). Plain tuples, as `struct` reads them: a record
# is read and rewritten twice per request, and building objects for its entries would cost more than the rest.
_Entry = tuple[float, int, int, bool]


class RateBudget(Protocol):
    """The record of a token's recent requests, consulted by every limiter of that token."""

    def try_grant(self, key: str, capacity: int, window: float, *, in_flight: bool) -> Grant | float:
        """Record a request now and return its `Grant` if fewer than `capacity` of the token's requests fall
        in the last `window` seconds; otherwise record nothing and return the seconds to wait first."""
        ...

    def wait_hint(self, key: str, capacity: int, window: float) -> float:
        """Seconds until `try_grant` would grant (0.0: now), without granting."""
        ...

    def sent(self, grant: Grant) -> None:
        """The granted request has left: its entry counts from now on, not from its grant."""
        ...


def fingerprint(secret: str) -> str:
    """The budget key of a token: stable, short, and never the token itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


class _Record:
    """The decision every budget makes, over a token's entries (whatever stores them)."""

    def __init__(self, entries: list[_Entry], now: float, alive: Callable[[int], bool]) -> None:
        self.now = now
        self._alive = alive
        self._owners: dict[int, bool] = {}
        self.entries = entries

    def _effective(self, entry: _Entry) -> float:
        """When VK may count this request: its stamp, or now while it is (still plausibly) on its way."""
        stamp, owner, _, in_flight = entry
        if in_flight and self.now - stamp < IN_FLIGHT_LIMIT and self._owner_alive(owner):
            return max(stamp, self.now)
        return stamp

    def _owner_alive(self, owner: int) -> bool:
        alive = self._owners.get(owner)
        if alive is None:
            alive = self._owners[owner] = self._alive(owner)
        return alive

    def prune(self, window: float) -> None:
        """Forget entries no window counts any more, and impossible ones from before a reboot."""
        horizon = self.now - max(KEEP_SECONDS, window)
        latest = self.now + _CLOCK_TOLERANCE
        self.entries = [entry for entry in self.entries
                        if entry[0] <= latest and self._effective(entry) > horizon][-MAX_ENTRIES:]

    def wait(self, capacity: int, window: float) -> float:
        self.prune(window)
        if len(self.entries) < capacity:
            return 0.0
        newest = sorted((self._effective(entry) for entry in self.entries), reverse=True)
        return max(0.0, newest[capacity - 1] + window - self.now)

    def grant(self, key: str, capacity: int, window: float, in_flight: bool, ticket: int) -> Grant | float:
        wait = self.wait(capacity, window)
        if wait > 0:
            return wait
        owner = os.getpid()
        self.entries.append((self.now, owner, ticket, in_flight))
        return Grant(key, owner, ticket)

    def stamp_sent(self, grant: Grant) -> None:
        for index in range(len(self.entries) - 1, -1, -1):
            stamp, owner, ticket, _ = self.entries[index]
            if owner == grant.owner and ticket == grant.ticket:
                self.entries[index] = (max(stamp, self.now), owner, ticket, False)
                return


_tickets = itertools.count(1)


class _RecordKeeper(abc.ABC):
    """The three budget questions, each asked of one token's record while the budget holds it alone."""

    @abc.abstractmethod
    def _record(self, key: str) -> contextlib.AbstractContextManager[_Record]:
        """The token's record, read under the budget's lock and written back when the block ends."""

    def try_grant(self, key: str, capacity: int, window: float, *, in_flight: bool) -> Grant | float:
        with self._record(key) as record:
            return record.grant(key, capacity, window, in_flight, next(_tickets))

    def wait_hint(self, key: str, capacity: int, window: float) -> float:
        with self._record(key) as record:
            return record.wait(capacity, window)

    def sent(self, grant: Grant) -> None:
        with self._record(grant.key) as record:
            record.stamp_sent(grant)


class MemoryRateBudget(_RecordKeeper):
    """Every token's record in this process (tests with virtual clocks; a session that has no home)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._entries: dict[str, list[_Entry]] = {}

    @contextlib.contextmanager
    def _record(self, key: str) -> Iterator[_Record]:
        with self._lock:
            record = _Record(self._entries.get(key, []), self._clock.now(), process_alive)
            yield record
            self._entries[key] = record.entries


class FileRateBudget(_RecordKeeper):
    """Every token's record in `folder`, one file per token, shared by every process that opens the folder.

    Raises `BudgetUnavailable` (one line naming the folder) when the folder cannot be made, a token's file
    cannot be opened, locked, read or written, or a lock stays taken for `LOCK_TIMEOUT`.
    """

    def __init__(self, folder: Path, clock: Clock | None = None, *,
                 lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.folder = folder
        self._clock = clock or SystemClock()
        self._lock_timeout = lock_timeout
        self._lock = threading.Lock()  # flock excludes other processes; threads of this one share descriptors
        self._files: dict[str, int] = {}
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise self._unavailable(exc) from None
        with self._record(".probe"):
            pass

    def close(self) -> None:
        with self._lock:
            for descriptor in self._files.values():
                os.close(descriptor)
            self._files.clear()

    @contextlib.contextmanager
    def _record(self, key: str) -> Iterator[_Record]:
        with self._lock:
            try:
                descriptor = self._descriptor(key)
                self._take_file_lock(descriptor)
            except OSError as exc:
                raise self._unavailable(exc) from None
            try:
                now = self._clock.now()
                record = _Record(self._read(descriptor, now), now, process_alive)
                yield record
                self._write(descriptor, record.entries)
            except OSError as exc:
                raise self._unavailable(exc) from None
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)

    def _descriptor(self, key: str) -> int:
        descriptor = self._files.get(key)
        if descriptor is None:
            descriptor = os.open(self.folder / f"{key}.budget", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._files[key] = descriptor
        return descriptor

    def _take_file_lock(self, descriptor: int) -> None:
        """An exclusive flock, polled so that a lock held by a stopped process ends in a clear error.

        Real time, whatever the budget's clock: the lock is held by a real process for microseconds."""
        deadline = time.monotonic() + self._lock_timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OSError(errno.ETIMEDOUT, f"a token's budget stayed locked {self._lock_timeout:g} s"
                                  " (another vksync-tui process stuck?)") from None
                time.sleep(_LOCK_POLL)

    @staticmethod
    def _read(descriptor: int, now: float) -> list[_Entry]:
        """The file's entries; a garbled record counts as a full window spent just now (conservative)."""
        data = os.pread(descriptor, _HEADER.size + MAX_ENTRIES * _ENTRY.size, 0)
        if not data:
            return []
        try:
            magic, count = _HEADER.unpack_from(data)
            if magic != _MAGIC or count > MAX_ENTRIES or len(data) < _HEADER.size + count * _ENTRY.size:
                raise struct.error("not a budget record")
            body = data[_HEADER.size:_HEADER.size + count * _ENTRY.size]
            return list(_ENTRY.iter_unpack(body))
        except struct.error:
            return [(now, 0, 0, False)] * MAX_ENTRIES

    @staticmethod
    def _write(descriptor: int, entries: list[_Entry]) -> None:
        data = _HEADER.pack(_MAGIC, len(entries)) + b"".join([_ENTRY.pack(*entry) for entry in entries])
        os.pwrite(descriptor, data, 0)
        os.ftruncate(descriptor, len(data))

    def _unavailable(self, exc: OSError) -> BudgetUnavailable:
        reason = exc.strerror or str(exc)
        return BudgetUnavailable(
            f"cannot use the tokens' shared request budget in {self.folder}: {reason}. vksync-tui sends no "
            "request it cannot count against VK's per-token limit; make the folder writable (on a local disk)"
        )
