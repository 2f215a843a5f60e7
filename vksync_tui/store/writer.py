"""The single write path: ONE thread owns the write connection and runs every write job.

Why one writer: with many writing threads, any transaction longer than the busy timeout (an index build or a
10M-member diff apply) makes the others fail with "database is locked"; with one writer they simply queue.
Throughput is the same either way (measured: one writer thread against several writing threads). The bounded
queue is the backpressure that slows HTTP worker threads down when the disk cannot keep up, instead of
buffering rows in memory.

Transactions and failure semantics:
- Jobs already waiting in the queue are coalesced into one transaction (small commits of random keys are
  write amplification), until `max_batch_jobs` jobs or `max_batch_seconds` of work — the writer never
  waits for more jobs to arrive, so a lone job is committed at once.
- Each job runs in its own savepoint (`db.atomic()` nested in the batch transaction). A job that raises rolls
  back only its savepoint; its Future gets the exception; the other jobs of the batch still commit.
- A Future resolves only after its transaction COMMITTED: a result means the job's writes are durable.
  If BEGIN or COMMIT itself fails, every job of that batch that had succeeded gets that error instead.
- Every failure is also remembered and raised (once) by the next `flush()` or `close()` as `StoreWriteError`,
  so a caller that fires and forgets jobs still learns about lost writes.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

import peewee as pw

from vksync_tui.secrets import redact
from vksync_tui.store.errors import StoreWriteError, WriterClosedError

T = TypeVar("T")


@dataclass
class _Job:
    fn: Callable[[], Any]
    future: Future[Any]


@dataclass
class _Outcome:
    value: Any = None
    error: BaseException | None = None


_STOP = object()


def _nothing() -> None:
    """The job `flush()` queues: it resolves once everything queued before it has been committed."""


class StoreWriter:
    def __init__(
        self,
        db: pw.Database,
        *,
        max_queue: int = 64,
        max_batch_jobs: int = 256,
        max_batch_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._queue: queue.Queue[_Job | object] = queue.Queue(maxsize=max_queue)
        self._max_batch_jobs = max_batch_jobs
        self._max_batch_seconds = max_batch_seconds
        self._clock = clock
        self._submit_lock = threading.Lock()
        self._closing = False
        self._failures: list[BaseException] = []
        self._failures_lock = threading.Lock()
        self.transactions = 0
        self.jobs_committed = 0
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    @property
    def queued(self) -> int:
        """Jobs waiting for the writer (for progress displays)."""
        return self._queue.qsize()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Queue `fn()` to run inside `db.atomic()` on the writer thread; blocks while the queue is full."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("a write job cannot submit another job: the writer would wait for itself")
        future: Future[T] = Future()
        with self._submit_lock:
            if self._closing:
                raise WriterClosedError("the store writer is closed; no more writes are accepted")
            self._queue.put(_Job(fn, future))
        return future

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything queued so far is committed.

        Raises `StoreWriteError` if any job failed since the previous flush/close."""
        self.submit(_nothing).result(timeout)
        self._raise_failures()

    def close(self, timeout: float | None = None) -> None:
        """Run every job already queued, stop the thread, close its connection; then report failures like
        `flush()`. Idempotent."""
        self._stop(timeout)
        self._raise_failures()

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self._stop(None)

    def _stop(self, timeout: float | None) -> None:
        with self._submit_lock:
            if not self._closing:
                self._closing = True
                self._queue.put(_STOP)
        self._thread.join(timeout)

    def _raise_failures(self) -> None:
        with self._failures_lock:
            failures, self._failures = self._failures, []
        if failures:
            first = failures[0]
            detail = " ".join(redact(f"{type(first).__name__}: {first}").split())
            raise StoreWriteError(f"{len(failures)} write job(s) failed; first: {detail}") from first

    def _run(self) -> None:
        try:
            item = self._queue.get()
            while item is not _STOP:
                item = self._run_transaction(item)
        finally:
            with contextlib.suppress(pw.DatabaseError):
                self._db.close()

    def _run_transaction(self, first: Any) -> object | None:
        """Run `first` and the jobs already queued behind it in one transaction.

        Returns `_STOP` if the stop marker was taken from the queue, else the next queue item to process
        (fetched with a blocking get once this transaction is done).
        """
        taken: list[tuple[_Job, _Outcome]] = []
        stopping = False
        try:
            with self._db.atomic():
                deadline = self._clock() + self._max_batch_seconds
                job: _Job = first
                while True:
                    taken.append((job, self._run_job(job)))
                    if len(taken) >= self._max_batch_jobs or self._clock() >= deadline:
                        break
                    try:
                        following = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if not isinstance(following, _Job):  # the stop marker
                        stopping = True
                        break
                    job = following
        except Exception as exc:
            if not taken:
                taken.append((first, _Outcome()))
            # When a job's own error (disk full) ended the transaction, COMMIT then fails with a follow-on
            # message; every job of the batch gets the job's error, the one that says what happened.
            cause = next((outcome.error for _, outcome in taken if outcome.error is not None), None)
            for _job, outcome in taken:
                if outcome.error is None:
                    outcome.error = cause or root_cause(exc)
        else:
            self.transactions += 1
        self._settle(taken)
        return _STOP if stopping else self._queue.get()

    def _run_job(self, job: _Job) -> _Outcome:
        if not job.future.set_running_or_notify_cancel():
            return _Outcome()
        try:
            with self._db.atomic():
                return _Outcome(value=job.fn())
        except Exception as exc:
            return _Outcome(error=root_cause(exc))

    def _settle(self, taken: list[tuple[_Job, _Outcome]]) -> None:
        for job, outcome in taken:
            if job.future.cancelled():
                continue
            if outcome.error is not None:
                with self._failures_lock:
                    self._failures.append(outcome.error)
                job.future.set_exception(outcome.error)
            else:
                self.jobs_committed += 1
                job.future.set_result(outcome.value)


def root_cause(error: Exception) -> Exception:
    """The error worth reporting when SQLite ended the whole transaction itself.

    On SQLITE_FULL or an I/O error SQLite rolls the transaction back on its own; the savepoint release or the
    rollback in `db.atomic()` then fails ("no such savepoint", "cannot rollback - no transaction is active"),
    which would hide "database or disk is full" from the operator. Walk back to the error that started it.
    """
    while _FOLLOW_ON.search(str(error)) and isinstance(error.__context__, Exception):
        error = error.__context__
    return error


# What SQLite says when peewee releases or rolls back a savepoint or transaction SQLite already ended itself.
_FOLLOW_ON = re.compile(r"no such savepoint|cannot (rollback|commit) - no transaction is active")
