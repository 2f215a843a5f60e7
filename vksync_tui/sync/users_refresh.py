"""Stored users' profiles: the one way a sync writes `User` rows, and the users.get refresh built on it.

Shared by every list that learns about users: the profiles list refreshes users already stored, the mailing
sync stores the profiles that come with the dialogs (`extended=1`), the authors list refreshes its authors,
and the wall lists note every author, liker and commenter they meet as an empty row (`ensure_users`).
Only profile columns are ever written here, so a subscriber's membership, an author's post counts or a
dialog's analysis are never touched by a profile update (the "smart upsert").

`refresh_users` runs users.get for a list of ids on the engine: 1000 ids per call, several calls per
`execute` (as many as keep the answer under VK's 5 MiB execute limit), each token working its share over its
own HTTP session (split session), fallback and the retry phase from the engine. Deleted and banned users
come back with `deactivated` set and are kept, flagged. Ids VK does not answer for at all stay as they were.

Why the calls are projected (`PROFILE_PROJECTION`): inside execute each users.get answer comes back as one
column per stored field (`u@.first_name`, ...) instead of 1000 objects repeating every key. The answer is a
third smaller, parsing it builds no dicts (≈3 µs instead of ≈8 µs per profile) and a row is a `zip` of the
columns. Should columns ever come back misaligned (VK dropping elements that lack a field instead of giving
null), the engine asks for the chunk again unprojected rather than hand it over (one rule for every list).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import peewee as pw

from vksync_tui.store.bulk import execute_many, insert_ignore_sql, upsert_sql
from vksync_tui.store.models import User, database_proxy
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.engine import Chunk, FetchJob, FetchReport
from vksync_tui.sync.events import ProgressReporter
from vksync_tui.sync.figures import RunFigures
from vksync_tui.sync.row_buffer import RowBuffer
from vksync_tui.sync.runs import RunSummary
from vksync_tui.vk.errors import TransientError
from vksync_tui.vk.execute import ApiCall, Projected, Projection
from vksync_tui.vk.tokens import PooledToken

PROFILE_FIELDS = ("photo_100", "sex", "city", "bdate", "domain", "last_seen")
# The answer fields a `User` row is made of, in `USER_COLUMNS` order (less `refreshed_at`). The city's title
# and the last-seen time are projected through their objects (`@.city@.title`), so the answer carries a string
# and a number per profile where it carried two objects: 11,000 profiles decode into ~22,000 fewer dicts
# (objects the garbage collector tracks) and ~0.2 MB fewer bytes.
PROFILE_PROJECTION = Projection(
    ("id", "first_name", "last_name", "photo_100", "sex", "city.title", "bdate", "domain", "last_seen.time",
     "deactivated", "is_closed", "can_access_closed")
)
USERS_PER_CALL = 1000  # users.get's maximum number of user_ids
EXECUTE_RESPONSE_LIMIT = 5 * 1024 * 1024  # VK's cap on an execute answer ("response size is too big")
# The largest users.get object with PROFILE_FIELDS: 587 bytes in the emulator (a long nickname domain and a
# photo URL of 279 characters; real `photo_100` URLs run to ~300, userapi hosts with signed query strings).
# Sizing batches for 650 keeps a full batch under the cap on real answers instead of paying for error 13 or
# for the HTML page VK's front end sends instead.
PROFILE_BYTES_MAX = 650
USERS_GET_BATCH = max(1, EXECUTE_RESPONSE_LIMIT // (USERS_PER_CALL * PROFILE_BYTES_MAX))
USER_TOKEN_KINDS = ("user", "group")  # execute is not documented for service keys
# Profiles handed to the writer per job: one execute's worth. The ids are refreshed in key order and the
# `user` table keeps no sort index a sync must update (they are made on demand), so a transaction touches
# few pages whatever its size: upserting 1M profiles in key order cost 3.6 µs a row in jobs of 11,000 and
# 3.9 in jobs of 33,000 (when the `last_seen` sort index was kept up to date, 33,000 had cost 13 µs and
# 11,000 19). A buffered profile holds ~810 bytes, so small jobs keep the peak memory down.
ROWS_PER_WRITE = USERS_GET_BATCH * USERS_PER_CALL
# Profile batches waiting for the writer at most (see `RowBuffer`): one being written, one ready behind it.
WRITES_WAITING_MAX = 2
# Memory a profile takes while its answer is in a worker's hands: the answer's bytes (~330), its decoded
# columns (~750) and its row (~150 more), measured with tracemalloc on an 8,000-profile emulator answer with
# VK-length avatar URLs. The engine caps the workers from it (`FetchJob.answer_bytes`).
PROFILE_MEMORY_BYTES = 1_200

USER_COLUMNS: tuple[pw.Field, ...] = (
    User.id,
    User.first_name,
    User.last_name,
    User.photo_100,
    User.sex,
    User.city,
    User.bdate,
    User.domain,
    User.last_seen,
    User.deactivated,
    User.is_closed,
    User.can_access_closed,
    User.refreshed_at,
)


def profile_rows(answer: Projected, now: int) -> list[tuple[Any, ...]]:
    """Rows of `USER_COLUMNS` from users.get columns (`PROFILE_PROJECTION`); elements that are not users
    (no positive integer id) are left out. One pass, no per-field lookups: this runs for every profile.

    `is_closed` and `can_access_closed` come as 0/1 (None when VK left them out): the database form of a
    boolean, which sqlite3 binds directly, where a `bool` takes its slow adapter path (see `store.bulk`)."""
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for uid, first, last, photo, sex, city, bdate, domain, seen, deactivated, closed, can_access in zip(
        *answer.columns, strict=True
    ):
        if type(uid) is not int or uid <= 0:
            continue
        append(
            (
                uid,
                "" if first is None else str(first),
                "" if last is None else str(last),
                photo,
                int(sex or 0),
                city if type(city) is str else None,
                bdate,
                domain,
                seen if type(seen) is int else None,
                deactivated,
                None if closed is None else 1 if closed else 0,
                None if can_access is None else 1 if can_access else 0,
                now,
            )
        )
    return rows


def profile_row(user: Any, now: int) -> tuple[Any, ...] | None:
    """A users.get / `profiles` object as a row of `USER_COLUMNS`; None for anything that is not a user."""
    rows = profile_rows(PROFILE_PROJECTION.extract([user]), now)
    return rows[0] if rows else None


def user_upsert_sql() -> str:
    """Insert new users, overwrite only the profile columns of stored ones (build after open_database)."""
    return upsert_sql(User, USER_COLUMNS, [User.id], preserve=USER_COLUMNS[1:])


def store_profiles(db: pw.Database, sql: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """A writer job: upsert profile rows (from `profile_row`) with `sql` from `user_upsert_sql`; rows put
    `in_key_order` (by id) before they are handed over write faster."""
    return execute_many(db, sql, rows) if rows else 0


def ensure_users(user_ids: Iterable[Sequence[int]]) -> None:
    """A writer-job step: a `User` row (profile still empty) for every id met, so the profile refresh
    knows whom to fetch; existing rows are left alone. `user_ids` yields 1-tuples (a query's `.tuples()`)."""
    execute_many(database_proxy, _ensure_users_sql(database_proxy.obj), user_ids)


@lru_cache(maxsize=4)
def _ensure_users_sql(database: pw.Database) -> str:
    """Rendered once per database (peewee takes ~0.1 ms to build it; interactions call this per post)."""
    return insert_ignore_sql(User, [User.id])


def profile_tokens(ctx: SyncContext) -> list[PooledToken]:
    """Tokens that may call users.get through execute: every enabled user and community token."""
    return ctx.pool.eligible(kinds=USER_TOKEN_KINDS)


def users_get_chunks(ids: Sequence[int]) -> list[Chunk]:
    """users.get calls of up to 1000 ids each, keyed by their position in `ids`, projected to the columns.

    The ids go in already joined (VK's comma-separated form): encoding them once here is ~10x cheaper than
    the generic parameter encoding of a 1000-element list in every script that carries the call.
    """
    fields = ",".join(PROFILE_FIELDS)
    return [
        Chunk(
            f"users[{start}]",
            ApiCall(
                "users.get",
                {"user_ids": ",".join(map(str, ids[start : start + USERS_PER_CALL])), "fields": fields},
                PROFILE_PROJECTION,
            ),
        )
        for start in range(0, len(ids), USERS_PER_CALL)
    ]


def _asked(chunk: Chunk) -> int:
    """How many ids a users.get chunk asked for."""
    return str(chunk.call.params["user_ids"]).count(",") + 1


def _count_profiles(chunk: Chunk, value: Any) -> int:
    try:
        return PROFILE_PROJECTION.extract(value).length
    except TransientError:
        return 0


class _ProfileSink:
    """on_result of the users.get job: answered profiles go to the writer in jobs of `ROWS_PER_WRITE` rows,
    in id order; `flush()` hands over the rest (the job's end, whatever way it ended)."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.sql = user_upsert_sql()
        self.stored = 0
        self.deactivated = 0
        self.unanswered = 0
        self._lock = threading.Lock()
        self._rows = RowBuffer(ctx.writer, partial(store_profiles, ctx.db, self.sql), ROWS_PER_WRITE,
                               key_column=0, max_waiting=WRITES_WAITING_MAX)

    def on_result(self, chunk: Chunk, value: Any) -> list[Chunk]:
        answer = PROFILE_PROJECTION.extract(value, "users.get")
        rows = profile_rows(answer, self.ctx.now())
        asked = _asked(chunk)
        with self._lock:
            self.stored += len(rows)
            self.deactivated += sum(1 for row in rows if row[9] is not None)
            self.unanswered += max(0, asked - len(rows))
        self._rows.add(rows)
        return []

    def flush(self) -> None:
        self._rows.flush()


@dataclass(frozen=True)
class RefreshCounts:
    """What a users.get refresh stored: profiles `stored` (of them `deactivated`), ids VK did not answer
    for (`unanswered`), users.get `calls`, and `requests_floor`, the requests those calls need at least."""

    stored: int
    deactivated: int
    unanswered: int
    calls: int
    requests_floor: int


@dataclass
class RefreshFigures(RunFigures):
    """The figures of a list that is one users.get refresh (authors, profiles): what it stored."""

    refresh: RefreshCounts | None = None

    def refreshed(
        self, summary: RunSummary, report: FetchReport, counts: RefreshCounts, job: str = ""
    ) -> None:
        """The refresh's report and counts into the summary (fetched = profiles stored) and the figures."""
        self.absorb(summary, report, job)
        self.refresh = counts
        summary.fetched = counts.stored
        summary.extras["deactivated"] = counts.deactivated


def refresh_users(
    ctx: SyncContext,
    reporter: ProgressReporter,
    ids: Sequence[int],
    tokens: Sequence[PooledToken],
    *,
    name: str = "users",
    batch_size: int = USERS_GET_BATCH,
) -> tuple[FetchReport, RefreshCounts]:
    """users.get for `ids` (in the given order) on the engine with split sessions; stores every profile.

    Returns the engine's report (failed/rejected chunks by key) and what was stored. Everything is committed
    when this returns.
    """
    chunks = users_get_chunks(ids)
    sink = _ProfileSink(ctx)
    job = FetchJob(
        name,
        chunks,
        tokens,
        sink.on_result,
        total_chunks=len(chunks),
        count_items=_count_profiles,
        batch_size=batch_size,
        answer_bytes=USERS_PER_CALL * PROFILE_MEMORY_BYTES,
        phase="refresh",
    )
    try:
        report = ctx.engine(reporter, split_sessions=True).run(job)
    finally:
        sink.flush()
    ctx.writer.flush()
    counts = RefreshCounts(
        stored=sink.stored,
        deactivated=sink.deactivated,
        unanswered=sink.unanswered,
        calls=len(chunks),
        requests_floor=math.ceil(len(chunks) / max(1, batch_size)),
    )
    return report, counts
