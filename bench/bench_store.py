"""Store benchmark: bulk upsert speed against raw sqlite3, and the staged subscribers diff at scale.

    .venv/bin/python bench/bench_store.py           # 1M upserts vs raw + 1M diff (about a minute when idle)
    .venv/bin/python bench/bench_store.py --writer  # adds 1M upserts through StoreWriter (+ raw equivalent)
    .venv/bin/python bench/bench_store.py --big     # adds the 10M diff (a few minutes, ~1 GB of disk)

Each part runs in a fresh subprocess so its peak RSS is its own. Ids are seeded pseudo-random (a
multiplicative bijection, so 10M ids never have to sit in a Python list). Absolute times on a shared VM vary
by ±35 %; the ratio to raw sqlite3 is the figure to watch (target ≤ 1.5×).
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import peewee as pw

from vksync_tui.store.bulk import execute_many, upsert_sql
from vksync_tui.store.db import SQLITE_PRAGMAS, open_database
from vksync_tui.store.models import Membership, PendingDiffItem
from vksync_tui.store.staging import (
    Span,
    apply_member_diff,
    create_member_staging,
    drop_member_staging,
    finish_member_diff,
    stage_member_page,
)
from vksync_tui.store.writer import StoreWriter
from vksync_tui.sync.subscribers import PAGE_OVERLAP

ID_SPACE = 2_000_000_000
ID_STEP = 1_000_000_007  # coprime with ID_SPACE: i → (i·STEP mod SPACE)+1 is a bijection, distinct ids
ORDER_STEP = 7_777_777  # coprime with 10^k: visits 0..N-1 in a scattered order
PAGE = 1_000  # ids per groups.getMembers call
UPSERT_JOB_ROWS = 25_000  # rows per writer job in the upsert run (one execute of 25 calls)
COMMUNITY, OTHER = 1, 2
MEMBER_FIELDS = [Membership.community_id, Membership.user_id, Membership.is_current, Membership.first_seen]
RAW_UPSERT = (
    'INSERT INTO "membership" ("community_id", "user_id", "is_current", "first_seen") VALUES (?, ?, ?, ?) '
    'ON CONFLICT ("community_id", "user_id") DO UPDATE SET "is_current" = excluded."is_current"'
)


def user_id(index: int) -> int:
    return index * ID_STEP % ID_SPACE + 1


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timing(NamedTuple):
    """Wall time and CPU time of the whole process (on a loaded shared machine CPU time is steadier)."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:.2f} s (cpu {self.cpu:.2f})"

    def __add__(self, other: object) -> Timing:
        assert isinstance(other, Timing)
        return Timing(self.wall + other.wall, self.cpu + other.cpu)


def timed(action: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


# ---------------------------------------------------------------------------------------------- upsert part


def raw_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    for name, value in SQLITE_PRAGMAS.items():
        connection.execute(f"PRAGMA {name} = {value}")
    return connection


def raw_upsert(path: Path, rows: list[tuple[int, int, bool, int]]) -> Timing:
    connection = raw_connection(path)

    def run() -> None:
        connection.execute("BEGIN")
        connection.executemany(RAW_UPSERT, rows)
        connection.execute("COMMIT")

    timing = timed(run)
    connection.close()
    return timing


def raw_upsert_chunked_commits(path: Path, rows: list[tuple[int, int, bool, int]]) -> Timing:
    """Raw sqlite3 committing as often as the writer does here, to separate commit cost from writer cost."""
    connection = raw_connection(path)

    def run() -> None:
        for start in range(0, len(rows), UPSERT_JOB_ROWS):
            connection.execute("BEGIN")
            connection.executemany(RAW_UPSERT, rows[start : start + UPSERT_JOB_ROWS])
            connection.execute("COMMIT")

    timing = timed(run)
    connection.close()
    return timing


def store_upsert_one_transaction(path: Path, rows: list[tuple[int, int, bool, int]]) -> Timing:
    db = open_database(path)
    sql = upsert_sql(Membership, MEMBER_FIELDS, MEMBER_FIELDS[:2], preserve=[Membership.is_current])

    def run() -> None:
        with db.atomic():
            execute_many(db, sql, rows)

    timing = timed(run)
    db.close()
    return timing


def store_upsert_through_writer(path: Path, rows: list[tuple[int, int, bool, int]]) -> Timing:
    db = open_database(path)
    sql = upsert_sql(Membership, MEMBER_FIELDS, MEMBER_FIELDS[:2], preserve=[Membership.is_current])
    writer = StoreWriter(db)

    def run() -> None:
        for start in range(0, len(rows), UPSERT_JOB_ROWS):
            chunk = rows[start : start + UPSERT_JOB_ROWS]
            writer.submit(lambda chunk=chunk: execute_many(db, sql, chunk))
        writer.flush()

    timing = timed(run)
    writer.close()
    db.close()
    return timing


def upsert_part(rows_count: int, folder: Path, *, with_writer: bool) -> None:
    rng = random.Random(1)
    indexes = rng.sample(range(ID_SPACE - 1), rows_count)
    rows = [(COMMUNITY, index + 1, True, 1_700_000_000) for index in indexes]
    raw, chunked = "raw sqlite3 executemany, 1 tx", f"raw sqlite3, commit per {UPSERT_JOB_ROWS // 1000}k rows"
    ours, writer = "store execute_many, 1 tx", f"store via StoreWriter ({UPSERT_JOB_ROWS // 1000}k-row jobs)"
    methods = {raw: raw_upsert, ours: store_upsert_one_transaction}
    comparisons = [(ours, raw)]
    if with_writer:
        methods |= {chunked: raw_upsert_chunked_commits, writer: store_upsert_through_writer}
        comparisons += [(writer, chunked), (writer, raw)]
    print(f"bulk upsert of {rows_count:,} membership rows (4 columns, composite PK + 1 index), seconds:")
    print(f"  {'method':<42}{'fresh':>8}{'(cpu)':>8}{'conflict':>10}{'(cpu)':>8}")
    timings: dict[str, tuple[Timing, Timing]] = {}
    for number, (name, method) in enumerate(methods.items()):
        path = folder / f"upsert-{number}.db"
        open_database(path).close()
        fresh, conflict = timings[name] = (method(path, rows), method(path, rows))
        print(f"  {name:<42}{fresh.wall:>8.2f}{fresh.cpu:>8.2f}{conflict.wall:>10.2f}{conflict.cpu:>8.2f}",
              flush=True)
    for name, baseline in comparisons:
        ratios = [
            f"{label} {timings[name][i].wall / timings[baseline][i].wall:.2f}× "
            f"(cpu {timings[name][i].cpu / timings[baseline][i].cpu:.2f}×)"
            for i, label in enumerate(("fresh", "conflict"))
        ]
        print(f"  ratio {name} / {baseline}: {', '.join(ratios)}")
    print(f"  peak RSS {peak_rss_mb():.0f} MB (mostly the Python list of rows)")


# ------------------------------------------------------------------------------------------------ diff part


def member_id(index: int) -> int:
    """Stored member ids, ascending with `index` (VK pages members sorted by id); the odd ids between them
    are free for members who join."""
    return 2 * index * 97 + 2


def downloaded_pages(members: int) -> Iterator[tuple[list[int], Span]]:
    """The member list as a resync downloads it: every stored member except each 10th (they left), a new id
    beside each leaver (they joined), cut into pages of PAGE ids sorted by id that overlap by PAGE_OVERLAP,
    each with the id span it proves. Pages come in the order 4 tokens' executes of 25 pages answer: the
    executes in flight at once interleave their pages."""
    pages: list[tuple[list[int], Span]] = []
    page: list[int] = []
    for index in range(members):
        page.append(member_id(index) + 1 if index % 10 == 0 else member_id(index))
        if len(page) == PAGE:
            pages.append((page, (-math.inf if not pages else page[0], page[-1])))
            page = page[-PAGE_OVERLAP:]
    pages.append((page, (-math.inf if not pages else page[0], math.inf)))
    executes = [pages[start:start + 25] for start in range(0, len(pages), 25)]
    for wave in range(0, len(executes), 4):
        for slot in itertools.zip_longest(*executes[wave:wave + 4]):
            yield from (answered for answered in slot if answered is not None)


def seed_members(path: Path, members: int) -> Timing:
    connection = raw_connection(path)

    def run() -> None:
        connection.execute("BEGIN")
        connection.executemany(RAW_UPSERT, ((COMMUNITY, member_id(i), True, 1) for i in range(members)))
        others = ((OTHER, user_id(2 * members + i), True, 1) for i in range(members // 10))
        connection.executemany(RAW_UPSERT, others)
        connection.execute("COMMIT")

    timing = timed(run)
    connection.close()
    return timing


def diff_part(members: int, folder: Path) -> None:
    path = folder / f"diff-{members}.db"
    open_database(path).close()
    setup = seed_members(path, members)
    db = open_database(path)
    writer = StoreWriter(db)
    run_id = 1
    stage = timed(lambda: stage_all(writer, db, run_id, members))
    counts: list[tuple[int, int]] = []
    finish = timed(
        lambda: counts.append(writer.submit(lambda: finish_member_diff(db, run_id, COMMUNITY, [])).result())
    )
    apply = timed(
        lambda: writer.submit(lambda: apply_member_diff(db, run_id, COMMUNITY, 1_800_000_000, baseline=False))
        .result()
    )
    cleanup = timed(lambda: writer.submit(lambda: clean_up(db, run_id)).result())
    writer.close()
    expected_changes = (members + 9) // 10
    correct = counts == [(expected_changes, expected_changes)]
    current = Membership.select().where(
        (Membership.community_id == COMMUNITY) & (Membership.is_current == True)  # noqa: E712
    ).count()
    db.close()
    total = stage + finish + apply
    print(f"staged subscribers diff, {members:,} members, 10 % left + 10 % joined "
          f"(setup {setup.wall:.1f} s):")
    print(f"  stage and diff page by page {stage} ({members // PAGE:,} pages of {PAGE} through StoreWriter)")
    print(f"  finish the diff {finish}, apply {apply}")
    print(f"  total {total}; clean-up (drop staging, delete pending items) {cleanup}")
    verdict = "as expected" if correct and current == members else "WRONG"
    print(f"  joined/left {counts[0]} {verdict}; peak RSS {peak_rss_mb():.0f} MB; "
          f"database {path.stat().st_size / 2**20:.0f} MB")


def stage_all(writer: StoreWriter, db: pw.Database, run_id: int, members: int) -> None:
    writer.submit(lambda: create_member_staging(db, run_id))
    for page, span in downloaded_pages(members):
        writer.submit(lambda page=page, span=span: stage_member_page(db, run_id, COMMUNITY, page, span))
    writer.flush()


def clean_up(db: pw.Database, run_id: int) -> None:
    drop_member_staging(db, run_id)
    PendingDiffItem.delete().where(PendingDiffItem.run_id == run_id).execute()


# ---------------------------------------------------------------------------------------------------- main


def run_part(argv: list[str]) -> None:
    subprocess.run([sys.executable, __file__, *argv], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--big", action="store_true", help="also run the 10M-member diff")
    parser.add_argument("--writer", action="store_true", help="also upsert through StoreWriter")
    parser.add_argument("--part", choices=["upsert", "diff"], help=argparse.SUPPRESS)
    parser.add_argument("-n", type=int, default=1_000_000, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part == "upsert":
        upsert_part(args.n, args.folder, with_writer=args.writer)
        return
    if args.part == "diff":
        diff_part(args.n, args.folder)
        return
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {load} (times are only comparable at low load)")
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        writer_flag = ["--writer"] if args.writer else []
        run_part(["--part", "upsert", "-n", "1000000", "--folder", folder, *writer_flag])
        run_part(["--part", "diff", "-n", "1000000", "--folder", folder])
        if args.big:
            run_part(["--part", "diff", "-n", "10000000", "--folder", folder])


if __name__ == "__main__":
    main()
