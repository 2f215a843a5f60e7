"""StoreWriter: one writer thread, bounded queue, coalesced transactions, per-job failure, flush/close."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee as pw
import pytest

from vksync_tui.store.bulk import execute_many, upsert_sql
from vksync_tui.store.db import open_database
from vksync_tui.store.errors import StoreWriteError, WriterClosedError
from vksync_tui.store.models import Community, Membership
from vksync_tui.store.writer import StoreWriter


class FrozenClock:
    """Time stands still unless a test advances it, so batch limits are decided by job counts only."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def writer(db: pw.Database) -> Iterator[StoreWriter]:
    store_writer = StoreWriter(db, clock=FrozenClock())
    yield store_writer
    store_writer._stop(None)


def _gate() -> tuple[threading.Event, threading.Event, Callable[[], None]]:
    """A job that holds the writer until released, so tests can line jobs up behind it."""
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        assert release.wait(10), "test never released the gate"

    return started, release, hold


def _add_member(user_id: int) -> Callable[[], int]:
    return lambda: Membership.insert(community_id=1, user_id=user_id, first_seen=1).execute()


def _members() -> set[int]:
    return {row.user_id for row in Membership.select(Membership.user_id)}


def test_eight_threads_write_through_one_writer(db: pw.Database, writer: StoreWriter) -> None:
    sql = upsert_sql(
        Membership,
        [Membership.community_id, Membership.user_id, Membership.first_seen],
        [Membership.community_id, Membership.user_id],
        preserve=[Membership.first_seen],
    )
    futures = []
    futures_lock = threading.Lock()
    read_counts: list[int] = []

    def producer(thread_no: int) -> None:
        for page in range(25):
            first = (thread_no * 25 + page) * 100
            rows = [(1, user_id, 7) for user_id in range(first, first + 100)]
            future = writer.submit(lambda rows=rows: execute_many(db, sql, rows))
            with futures_lock:
                futures.append(future)

    def reader() -> None:
        for _ in range(20):
            read_counts.append(Membership.select().count())
        db.close()

    threads = [threading.Thread(target=producer, args=(n,)) for n in range(8)]
    threads.append(threading.Thread(target=reader))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.flush()
    assert [future.result() for future in futures] == [100] * 200
    assert _members() == set(range(8 * 25 * 100))
    assert read_counts == sorted(read_counts)


def test_queued_jobs_share_one_transaction(db: pw.Database, writer: StoreWriter) -> None:
    started, release, hold = _gate()
    writer.submit(hold)
    assert started.wait(10)
    futures = [writer.submit(_add_member(user_id)) for user_id in range(10)]
    release.set()
    futures[-1].result(10)
    assert all(future.done() for future in futures)
    assert writer.transactions == 1  # the gate and the ten jobs queued behind it


def test_batches_are_capped_by_job_count(db: pw.Database) -> None:
    writer = StoreWriter(db, max_batch_jobs=4, clock=FrozenClock())
    started, release, hold = _gate()
    writer.submit(hold)
    assert started.wait(10)
    for user_id in range(11):
        writer.submit(_add_member(user_id))
    release.set()
    writer.close()
    assert writer.transactions == 3  # 12 jobs in groups of 4 (close's stop marker is not a job)
    assert _members() == set(range(11))


def test_batches_are_capped_by_time(db: pw.Database) -> None:
    writer = StoreWriter(db, max_batch_seconds=0.5, clock=FrozenClock(step=1.0))
    started, release, hold = _gate()
    writer.submit(hold)
    assert started.wait(10)
    for user_id in range(5):
        writer.submit(_add_member(user_id))
    release.set()
    writer.close()
    assert writer.transactions == 6


def test_a_failing_job_fails_alone(db: pw.Database, writer: StoreWriter) -> None:
    started, release, hold = _gate()
    writer.submit(hold)
    assert started.wait(10)

    def half_then_fail() -> None:
        Membership.insert(community_id=1, user_id=100, first_seen=1).execute()
        Membership.insert(community_id=1, user_id=1, first_seen=1).execute()  # duplicate key

    before = writer.submit(_add_member(1))
    failing = writer.submit(half_then_fail)
    after = writer.submit(_add_member(2))
    release.set()
    with pytest.raises(pw.IntegrityError):
        failing.result(10)
    assert before.exception(10) is None and after.exception(10) is None
    assert _members() == {1, 2}  # the failing job's first insert was rolled back with its savepoint
    with pytest.raises(StoreWriteError, match=r"1 write job\(s\) failed; first: IntegrityError"):
        writer.flush()
    writer.flush()  # the failure is reported once


def test_results_arrive_only_after_commit(db: pw.Database, db_path: Path, writer: StoreWriter) -> None:
    future = writer.submit(lambda: Community.create(id=42, title="committed").id)
    assert future.result(10) == 42
    with sqlite3.connect(db_path) as other:
        assert other.execute("SELECT title FROM community WHERE id = 42").fetchone() == ("committed",)


def test_flush_waits_for_everything_queued(db: pw.Database, writer: StoreWriter) -> None:
    futures = [writer.submit(_add_member(user_id)) for user_id in range(300)]
    writer.flush()
    assert all(future.done() for future in futures)
    assert len(_members()) == 300


def test_close_drains_the_queue_then_refuses_jobs(db: pw.Database) -> None:
    writer = StoreWriter(db, max_queue=4)
    futures = [writer.submit(_add_member(user_id)) for user_id in range(20)]
    writer.close()
    assert all(future.done() and not future.exception() for future in futures)
    assert len(_members()) == 20
    with pytest.raises(WriterClosedError):
        writer.submit(_add_member(99))
    writer.close()


def test_close_reports_unflushed_failures(db: pw.Database) -> None:
    writer = StoreWriter(db)
    writer.submit(lambda: 1 / 0)
    with pytest.raises(StoreWriteError, match="ZeroDivisionError"):
        writer.close()


def test_full_queue_blocks_the_submitter(db: pw.Database, writer: StoreWriter) -> None:
    small = StoreWriter(db, max_queue=2)
    started, release, hold = _gate()
    small.submit(hold)
    assert started.wait(10)
    small.submit(_add_member(1))
    small.submit(_add_member(2))
    submitted = threading.Event()

    def third() -> None:
        small.submit(_add_member(3))
        submitted.set()

    blocked = threading.Thread(target=third)
    blocked.start()
    assert not submitted.wait(0.3)
    release.set()
    blocked.join(10)
    assert submitted.is_set()
    small.close()
    assert _members() == {1, 2, 3}


def test_a_job_cannot_submit_a_job(db: pw.Database, writer: StoreWriter) -> None:
    nested = writer.submit(lambda: writer.submit(_add_member(1)))
    with pytest.raises(RuntimeError, match="cannot submit"):
        nested.result(10)


def test_a_failed_begin_fails_the_job_without_running_it(db_path: Path) -> None:
    db = open_database(db_path, timeout=0.1)
    writer = StoreWriter(db)
    ran = threading.Event()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        future = writer.submit(ran.set)
        with pytest.raises(pw.OperationalError, match="locked"):
            future.result(10)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not ran.is_set()
    with pytest.raises(StoreWriteError, match="locked"):
        writer.close()
    db.close()
