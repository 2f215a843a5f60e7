"""Rows handed to the store writer many at a time: the one buffer the lists that write row by row share."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from vksync_tui.store.bulk import in_key_order
from vksync_tui.store.writer import StoreWriter

Row = Sequence[Any]


class RowBuffer:
    """Rows go to the writer `rows_per_job` at a time (the rest at `flush()`), each batch one writer job.

    Why: the writer commits what is queued when it gets to it, so rows handed over page by page were often
    committed page by page, and every commit rewrites each index page its rows touched (a posts full pass
    spent ~0.3 s more writing than fetching; profiles cost several times more per row in small commits).
    Thread-safe: fetch workers `add`, the job's end `flush`es. With `key_column`, a batch is put in key order
    before it is handed over (on the fetch thread, not in the writer job; see `store.bulk.in_key_order`).
    With `max_waiting`, at most that many batches wait for the writer (queued or being written): a worker
    that would hand over one more waits until one is committed. Why: when answers come faster than the
    store writes them (a profiles refresh on every token), the writer's queue held up to 64 batches of 33,000
    profiles, ~20 MB each — most of the run's peak memory.
    """

    def __init__(
        self,
        writer: StoreWriter,
        write: Callable[[list[Row]], object],
        rows_per_job: int,
        *,
        key_column: int | None = None,
        max_waiting: int | None = None,
    ) -> None:
        self._writer = writer
        self._write = write
        self._rows_per_job = rows_per_job
        self._key_column = key_column
        self._room = None if max_waiting is None else threading.BoundedSemaphore(max_waiting)
        self._lock = threading.Lock()
        self._rows: list[Row] = []

    def add(self, rows: Iterable[Row], *, hand_over: bool = False) -> None:
        """Buffer `rows`; hand the buffer over when it is full, or now with `hand_over`."""
        with self._lock:
            self._rows.extend(rows)
            due = hand_over or len(self._rows) >= self._rows_per_job
            batch, self._rows = (self._rows, []) if due else ([], self._rows)
        self._submit(batch)

    def flush(self) -> None:
        """Hand the writer the rows still held back (then `writer.flush()` waits for them)."""
        with self._lock:
            batch, self._rows = self._rows, []
        self._submit(batch)

    def _submit(self, batch: list[Row]) -> None:
        if not batch:
            return
        if self._key_column is not None:
            batch = in_key_order(batch, self._key_column)
        room = self._room
        if room is None:
            self._writer.submit(partial(self._write, batch))
            return
        room.acquire()
        try:
            future = self._writer.submit(partial(self._write, batch))
        except BaseException:
            room.release()
            raise
        future.add_done_callback(lambda _done: room.release())
