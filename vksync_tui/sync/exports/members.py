"""The subscribers export: one row per member, by user id."""

from __future__ import annotations

from collections.abc import Iterator

import peewee as pw

from vksync_tui.store.models import Membership, User
from vksync_tui.sync.exports.format import ExportRow, ExportSpec, iso_time

SUBSCRIBER_COLUMNS = ("user_id", "status", "joined_at", "left_at", "first_name", "last_name")


def subscriber_rows(group_id: int, include_all: bool) -> Iterator[ExportRow]:
    """Current members (all who were ever seen with `include_all`), one row per user, by user id."""
    query = (
        Membership.select(
            Membership.user_id,
            Membership.is_current,
            Membership.joined_at,
            Membership.left_at,
            User.first_name,
            User.last_name,
        )
        .join(User, pw.JOIN.LEFT_OUTER, on=(User.id == Membership.user_id))
        .where(Membership.community_id == group_id)
        .order_by(Membership.user_id)
    )
    if not include_all:
        query = query.where(Membership.is_current == True)  # noqa: E712 (peewee expression)
    for user_id, is_current, joined_at, left_at, first_name, last_name in query.tuples().iterator():
        status = "member" if is_current else "left"
        yield user_id, status, iso_time(joined_at), iso_time(left_at), first_name, last_name


SUBSCRIBERS = ExportSpec(
    SUBSCRIBER_COLUMNS, subscriber_rows, include_all_help="include members who left (status=left)"
)
