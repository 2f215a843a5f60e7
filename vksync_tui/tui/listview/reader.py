"""The reader thread behind one list screen: counts, pages and change checks, off the UI loop.

One thread with its own SQLite connection (peewee keeps one per thread) serves a screen. Requests never block
the caller: `request_page` only records the wish; the newest wish is served first (the page the operator is
looking at now, not one they scrolled past). Results go out through `deliver`, which the screen wires to
`post_message`; every result carries the query generation it was computed for, so a result that arrives after
the operator changed the filter is recognised as stale and dropped.

A new view is served in the order the operator needs it: the first page (no COUNT needed for it, and it is
what the screen shows first), then the count (the scroll bar and "rows X–Y of Z"), then any other page.

Live lists: `poll()` asks SQLite whether another connection committed since the last look
(`PRAGMA data_version`, a counter read in microseconds), so a screen can refresh while a sync writes, without
re-reading anything when nothing changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vksync_tui.store.models import database_proxy
from vksync_tui.tui.listview.query import ListQuery, Row

PAGE_SIZE = 100


@dataclass(frozen=True)
class CountResult:
    generation: int
    total: int


@dataclass(frozen=True)
class PageResult:
    generation: int
    page: int
    rows: list[Row]


@dataclass(frozen=True)
class ChangeResult:
    """Another connection committed since the previous poll."""


@dataclass(frozen=True)
class ReadFailed:
    generation: int
    error: str


ReaderResult = CountResult | PageResult | ChangeResult | ReadFailed


class PageReader:
    """Start with `start()`, feed with `set_query` / `request_page` / `poll`, stop with `stop()` (joins)."""

    def __init__(self, deliver: Callable[[ReaderResult], None]) -> None:
        self._deliver = deliver
        self._lock = threading.Condition()
        self._query: ListQuery | None = None
        self._generation = 0
        self._total: int | None = None
        self._anchors: list[Row] | None = None
        self._need_first = False
        self._need_count = False
        self._wanted: dict[int, None] = {}
        self._need_poll = False
        self._busy = False
        self._stopping = False
        self._data_version: int | None = None
        self._thread = threading.Thread(target=self._run, name="list-page-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def set_query(self, query: ListQuery, generation: int) -> None:
        """A new view (or a refresh of the same one): reread, recount, forget queued pages and anchors."""
        with self._lock:
            self._query = query
            self._generation = generation
            self._total = None
            self._anchors = None
            self._need_first = True
            self._need_count = True
            self._wanted.clear()
            self._lock.notify_all()

    def set_anchors(self, generation: int, anchors: list[Row]) -> None:
        with self._lock:
            if generation == self._generation:
                self._anchors = anchors

    def request_page(self, generation: int, page: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            self._wanted.pop(page, None)
            self._wanted[page] = None
            self._lock.notify_all()

    def poll(self) -> None:
        with self._lock:
            self._need_poll = True
            self._lock.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """For tests and benchmarks: block until every queued request is served (True) or `timeout`."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._has_work() and not self._busy, timeout)

    def _has_work(self) -> bool:
        return self._need_first or self._need_count or self._need_poll or bool(self._wanted)

    def _run(self) -> None:
        try:
            self._check_changes()
            while True:
                with self._lock:
                    self._lock.wait_for(lambda: self._stopping or self._has_work())
                    if self._stopping:
                        return
                    task = self._next_task()
                    self._busy = True
                try:
                    result = task()
                except Exception as problem:  # a read error must reach the screen, not kill the thread
                    result = ReadFailed(self._generation, str(problem))
                finally:
                    with self._lock:
                        self._busy = False
                        self._lock.notify_all()
                if result is not None:
                    self._deliver(result)
        finally:
            database_proxy.close()

    def _next_task(self) -> Callable[[], ReaderResult | None]:
        """With the lock held: the first page, the count (other pages need it), the newest page, the poll."""
        query, generation = self._query, self._generation
        if self._need_first and query is not None:
            self._need_first = False
            self._wanted.pop(0, None)
            return lambda: PageResult(generation, 0, query.first_page(PAGE_SIZE))
        if self._need_count and query is not None:
            self._need_count = False
            return lambda: self._count(query, generation)
        if self._wanted and query is not None and self._total is not None:
            page = next(reversed(self._wanted))
            del self._wanted[page]
            total, anchors = self._total, self._anchors
            return lambda: PageResult(
                generation, page, query.page(page * PAGE_SIZE, PAGE_SIZE, total=total, anchors=anchors)
            )
        self._wanted.clear()
        self._need_poll = False
        return self._check_changes

    def _count(self, query: ListQuery, generation: int) -> CountResult:
        total = query.count()
        with self._lock:
            if generation == self._generation:
                self._total = total
        return CountResult(generation, total)

    def _check_changes(self) -> ChangeResult | None:
        version: Any = database_proxy.execute_sql("PRAGMA data_version").fetchone()[0]
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        return ChangeResult() if changed else None
