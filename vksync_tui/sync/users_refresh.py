"""Stored users' profiles: the one way a sync writes `User` rows, and the users.get refresh built on it.

Shared by every list that learns about users: the profiles list refreshes users already stored, the mailing
sync stores the profiles that come with the dialogs (`extended=1`), the authors list refreshes its authors.
Only profile columns are ever written here, so a subscriber's membership, an author's post counts or a
dialog's analysis are never touched by a profile update (the "smart upsert").

`refresh_users` runs users.get for a list of ids on the engine: 1000 ids per call, several calls per
`execute` (as many as keep the answer under VK's 5 MiB execute limit), each token working its share over its
own HTTP session (split session), fallback and the retry phase from the engine. Deleted and banned users
come back with `deactivated` set and are kept, flagged. Ids VK does not answer for at all stay as they were.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import peewee as pw

from vksync_tui.store.bulk import execute_many, upsert_sql
from vksync_tui.store.models import User
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.engine import FetchJob, FetchReport, WorkUnit
from vksync_tui.sync.events import ProgressReporter
from vksync_tui.vk.errors import TransientError
from vksync_tui.vk.execute import ApiCall
from vksync_tui.vk.tokens import PooledToken

PROFILE_FIELDS = ("photo_100", "sex", "city", "bdate", "domain", "last_seen")
USERS_PER_CALL = 1000  # users.get's maximum number of user_ids
EXECUTE_RESPONSE_LIMIT = 5 * 1024 * 1024  # VK's cap on an execute answer ("response size is too big")
# The largest users.get object with PROFILE_FIELDS seen in the emulator is 427 bytes (a long nickname domain
# and a photo URL); sizing batches for 450 keeps a full batch under the cap instead of paying for error 13.
PROFILE_BYTES_MAX = 450
USERS_GET_BATCH = max(1, EXECUTE_RESPONSE_LIMIT // (USERS_PER_CALL * PROFILE_BYTES_MAX))
USER_TOKEN_KINDS = ("user", "group")  # execute is not documented for service keys

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


def profile_row(user: Any, now: int) -> tuple[Any, ...] | None:
    """A users.get / `profiles` object as a row of `USER_COLUMNS`; None for anything that is not a user."""
    if not isinstance(user, Mapping) or not isinstance(user.get("id"), int) or user["id"] <= 0:
        return None
    city = user.get("city")
    last_seen = user.get("last_seen")
    return (
        user["id"],
        str(user.get("first_name", "")),
        str(user.get("last_name", "")),
        user.get("photo_100"),
        int(user.get("sex", 0) or 0),
        city.get("title") if isinstance(city, Mapping) else None,
        user.get("bdate"),
        user.get("domain"),
        last_seen.get("time") if isinstance(last_seen, Mapping) else None,
        user.get("deactivated"),
        _optional_bool(user.get("is_closed")),
        _optional_bool(user.get("can_access_closed")),
        now,
    )


def _optional_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def user_upsert_sql() -> str:
    """Insert new users, overwrite only the profile columns of stored ones (build after open_database)."""
    return upsert_sql(User, USER_COLUMNS, [User.id], preserve=USER_COLUMNS[1:])


def store_profiles(db: pw.Database, sql: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """A writer job: upsert profile rows (from `profile_row`) with `sql` from `user_upsert_sql`."""
    return execute_many(db, sql, rows) if rows else 0


def profile_tokens(ctx: SyncContext) -> list[PooledToken]:
    """Tokens that may call users.get through execute: every enabled user and community token."""
    return ctx.pool.eligible(kinds=USER_TOKEN_KINDS)


def users_get_units(ids: Sequence[int]) -> list[WorkUnit]:
    """users.get calls of up to 1000 ids each, keyed by their position in `ids`."""
    fields = ",".join(PROFILE_FIELDS)
    return [
        WorkUnit(
            f"users[{start}]",
            ApiCall("users.get", {"user_ids": list(ids[start : start + USERS_PER_CALL]), "fields": fields}),
        )
        for start in range(0, len(ids), USERS_PER_CALL)
    ]


class _ProfileSink:
    """on_result of the users.get job: every answered profile goes to the writer as it arrives."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.sql = user_upsert_sql()
        self.stored = 0
        self.deactivated = 0
        self.unanswered = 0
        self._lock = threading.Lock()

    def on_result(self, unit: WorkUnit, value: Any) -> None:
        if not isinstance(value, list):
            raise TransientError(f"users.get returned {type(value).__name__}, not a list")
        now = self.ctx.now()
        rows = [row for row in (profile_row(user, now) for user in value) if row is not None]
        asked = len(unit.call.params["user_ids"])  # type: ignore[arg-type]
        with self._lock:
            self.stored += len(rows)
            self.deactivated += sum(1 for row in rows if row[9] is not None)
            self.unanswered += max(0, asked - len(rows))
        if rows:
            self.ctx.writer.submit(partial(store_profiles, self.ctx.db, self.sql, rows))


def refresh_users(
    ctx: SyncContext,
    reporter: ProgressReporter,
    ids: Sequence[int],
    tokens: Sequence[PooledToken],
    *,
    name: str = "users",
    batch_size: int = USERS_GET_BATCH,
) -> tuple[FetchReport, dict[str, int]]:
    """users.get for `ids` (in the given order) on the engine with split sessions; stores every profile.

    Returns the engine's report (failed/rejected chunks by key) and figures: `stored`, `deactivated`,
    `unanswered` (ids VK returned nothing for) and `calls`. Everything is committed when this returns.
    """
    units = users_get_units(ids)
    sink = _ProfileSink(ctx)
    job = FetchJob(
        name,
        units,
        tokens,
        sink.on_result,
        total_units=len(units),
        count_items=lambda unit, value: len(value) if isinstance(value, list) else 0,
        batch_size=batch_size,
        phase="refresh",
    )
    report = ctx.engine(reporter, split_sessions=True).run(job)
    ctx.writer.flush()
    figures = {
        "stored": sink.stored,
        "deactivated": sink.deactivated,
        "unanswered": sink.unanswered,
        "calls": len(units),
        "requests_floor": math.ceil(len(units) / max(1, batch_size)),
    }
    return report, figures
