"""The profiles export: the stored profiles of the community's users, by id."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator

from vksync_tui.store.models import User
from vksync_tui.sync.exports.format import ExportRow, ExportSpec, flag, iso_time
from vksync_tui.sync.profiles import scope_sources

PROFILE_COLUMNS = (
    "user_id",
    "first_name",
    "last_name",
    "sex",
    "bdate",
    "city",
    "domain",
    "photo_100",
    "last_seen",
    "deactivated",
    "is_closed",
    "refreshed_at",
)


def profile_rows(group_id: int, include_all: bool) -> Iterator[ExportRow]:
    """Stored profiles of the community's users (subscribers, interactions, authors, mailing), by id.

    `include_all` adds former subscribers (anyone this community's lists ever stored)."""
    sources = scope_sources("all", group_id, current_only=not include_all)
    ids = functools.reduce(operator.or_, sources).alias("scope_ids")
    query = (
        User.select(
            User.id,
            User.first_name,
            User.last_name,
            User.sex,
            User.bdate,
            User.city,
            User.domain,
            User.photo_100,
            User.last_seen,
            User.deactivated,
            User.is_closed,
            User.refreshed_at,
        )
        .join(ids, on=(User.id == ids.c.user_id))
        .order_by(User.id)
    )
    for *described, last_seen, deactivated, is_closed, refreshed_at in query.tuples().iterator():
        yield (*described, iso_time(last_seen), deactivated, flag(is_closed), iso_time(refreshed_at))


PROFILES = ExportSpec(PROFILE_COLUMNS, profile_rows)
