"""Export rows of the mailing, mailing-analysis and profiles lists (used by `sync.export.EXPORTS`).

Each function streams tuples in the order of its `*_COLUMNS`, by user id, straight from the database.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator
from typing import Any

import peewee as pw

from vksync_tui.store.models import Mailing, User
from vksync_tui.sync.profiles import scope_sources

MAILING_COLUMNS = (
    "user_id",
    "can_write",
    "can_write_reason",
    "last_message_date",
    "unanswered",
    "important",
    "has_dialog",
    "first_name",
    "last_name",
)
ANALYSIS_COLUMNS = ("user_id", "first_message_date", "first_message_from_id", "started_by")
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


def _flag(value: Any) -> int | None:
    return None if value is None else int(bool(value))


def mailing_rows(group_id: int, include_all: bool) -> Iterator[tuple[Any, ...]]:
    """Users with a dialog (also those whose dialog is gone with `include_all`); dates as unix seconds."""
    query = (
        Mailing.select(
            Mailing.user_id,
            Mailing.can_write,
            Mailing.can_write_reason,
            Mailing.last_message_date,
            Mailing.unanswered,
            Mailing.important,
            Mailing.has_dialog,
            User.first_name,
            User.last_name,
        )
        .join(User, pw.JOIN.LEFT_OUTER, on=(User.id == Mailing.user_id))
        .where(Mailing.community_id == group_id)
        .order_by(Mailing.user_id)
    )
    if not include_all:
        query = query.where(Mailing.has_dialog == True)  # noqa: E712 (peewee expression)
    for (
        user_id,
        can_write,
        reason,
        last_date,
        unanswered,
        important,
        has_dialog,
        first,
        last,
    ) in query.tuples().iterator():
        yield (
            user_id,
            _flag(can_write),
            reason,
            last_date,
            _flag(unanswered),
            _flag(important),
            _flag(has_dialog),
            first,
            last,
        )


def analysis_rows(group_id: int, include_all: bool) -> Iterator[tuple[Any, ...]]:
    """Analysed dialogs: first message date (unix) and initiator (`user` or `community`)."""
    query = (
        Mailing.select(Mailing.user_id, Mailing.first_message_date, Mailing.first_message_from_id)
        .where((Mailing.community_id == group_id) & Mailing.analysed_at.is_null(False))
        .order_by(Mailing.user_id)
    )
    if not include_all:
        query = query.where(Mailing.has_dialog == True)  # noqa: E712 (peewee expression)
    for user_id, date, from_id in query.tuples().iterator():
        started_by = None if from_id is None else "community" if from_id < 0 else "user"
        yield user_id, date, from_id, started_by


def profile_rows(group_id: int, include_all: bool) -> Iterator[tuple[Any, ...]]:
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
    for row in query.tuples().iterator():
        yield (*row[:10], _flag(row[10]), row[11])
