"""The exports of the mailing lists: the community's dialogs, and when and by whom each was started."""

from __future__ import annotations

from collections.abc import Iterator

import peewee as pw

from vksync_tui.store.models import Mailing, User
from vksync_tui.sync.exports.format import ExportRow, ExportSpec, flag, iso_time

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


def mailing_rows(group_id: int, include_all: bool) -> Iterator[ExportRow]:
    """Users with a dialog (also those whose dialog is gone with `include_all`), by user id."""
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
    for user_id, can_write, reason, last_date, unanswered, important, has_dialog, first, last in (
        query.tuples().iterator()
    ):
        yield (
            user_id,
            flag(can_write),
            reason,
            iso_time(last_date),
            flag(unanswered),
            flag(important),
            flag(has_dialog),
            first,
            last,
        )


def analysis_rows(group_id: int, include_all: bool) -> Iterator[ExportRow]:
    """Analysed dialogs: the first message's date and its author, and who started (`user` or `community`)."""
    query = (
        Mailing.select(Mailing.user_id, Mailing.first_message_date, Mailing.first_message_from_id)
        .where((Mailing.community_id == group_id) & Mailing.analysed_at.is_null(False))
        .order_by(Mailing.user_id)
    )
    if not include_all:
        query = query.where(Mailing.has_dialog == True)  # noqa: E712 (peewee expression)
    for user_id, date, from_id in query.tuples().iterator():
        started_by = None if from_id is None else "community" if from_id < 0 else "user"
        yield user_id, iso_time(date), from_id, started_by


MAILING = ExportSpec(MAILING_COLUMNS, mailing_rows)
MAILING_ANALYSIS = ExportSpec(ANALYSIS_COLUMNS, analysis_rows)
