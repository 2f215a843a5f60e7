"""Rows the mailing sync hands to the writer are cheap to bind and in key order, and store what they did:
flags as 0/1 ints, NULL and booleans bound as before (through the adapters `store.bulk` registers), and the
last of two rows with the same key still wins after `in_key_order`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import peewee as pw
import pytest

from vksync_tui.store.bulk import execute_many, in_key_order, upsert_sql
from vksync_tui.store.db import open_database
from vksync_tui.store.models import Mailing, User
from vksync_tui.sync.mailing import CONVERSATIONS_PROJECTION, MAILING_DIALOG_COLUMNS, dialog_rows
from vksync_tui.sync.users_refresh import PROFILE_PROJECTION, profile_rows, user_upsert_sql

GROUP = 212345678
OPEN_PROFILE = {"id": 7, "first_name": "Ира", "last_name": "Н", "is_closed": False, "can_access_closed": True}
CLOSED_PROFILE = {"id": 9, "first_name": "Ян", "last_name": "К", "is_closed": True,
                  "can_access_closed": False}


def conversation(peer_id: int, peer_type: str, allowed: bool | None, unanswered: bool, important: bool,
                 reason: int | None = None) -> dict[str, object]:
    can_write: dict[str, object] = {} if allowed is None else {"allowed": allowed}
    if reason is not None:
        can_write["reason"] = reason
    return {
        "conversation": {"peer": {"id": peer_id, "type": peer_type}, "can_write": can_write,
                         "unanswered": unanswered, "important": important},
        "last_message": {"date": 1_700_000_000 + peer_id},
    }


@pytest.fixture
def db(tmp_path: Path) -> Iterator[pw.Database]:
    database = open_database(tmp_path / "vksync.db")
    yield database
    database.close()


def test_null_and_booleans_bind_as_sqlite3_always_bound_them() -> None:
    connection = sqlite3.connect(":memory:")
    row = connection.execute("SELECT typeof(?), typeof(?), ?, typeof(?), ?", (None, True, True, False, False))
    assert row.fetchone() == ("null", "integer", 1, "integer", 0)
    assert (type(None), sqlite3.PrepareProtocol) in sqlite3.adapters
    assert (bool, sqlite3.PrepareProtocol) in sqlite3.adapters


def test_profile_flags_are_ints_and_read_back_as_booleans(db: pw.Database) -> None:
    rows = profile_rows(PROFILE_PROJECTION.extract([OPEN_PROFILE, CLOSED_PROFILE, {"id": 8}]), 5)
    flags = [(row[10], row[11]) for row in rows]
    assert flags == [(0, 1), (1, 0), (None, None)]
    assert all(type(flag) is int for pair in flags[:2] for flag in pair)
    execute_many(db, user_upsert_sql(), rows)
    stored = {user.id: (user.is_closed, user.can_access_closed) for user in User.select()}
    assert stored == {7: (False, True), 9: (True, False), 8: (None, None)}


def test_dialog_rows_carry_int_flags_skip_non_users_and_store_the_dialog_state(db: pw.Database) -> None:
    items = [
        conversation(11, "user", True, True, False),
        conversation(2_000_000_001, "chat", True, False, False),
        conversation(12, "user", False, False, True, reason=901),
        conversation(13, "user", None, False, False),
    ]
    answer = CONVERSATIONS_PROJECTION.extract({"count": 4, "items": items, "profiles": []})
    rows, skipped = dialog_rows(answer, GROUP, 3, 99)
    assert skipped == 1
    assert rows == [
        (GROUP, 11, 1, 1, None, 1_700_000_011, 1, 0, 3, 99),
        (GROUP, 12, 1, 0, 901, 1_700_000_012, 0, 1, 3, 99),
        (GROUP, 13, 1, None, None, 1_700_000_013, 0, 0, 3, 99),
    ]
    assert not [value for row in rows for value in row if type(value) is bool]
    sql = upsert_sql(Mailing, MAILING_DIALOG_COLUMNS, [Mailing.community_id, Mailing.user_id],
                     preserve=MAILING_DIALOG_COLUMNS[2:])
    execute_many(db, sql, rows)
    stored = {
        m.user_id: (m.has_dialog, m.can_write, m.can_write_reason, m.unanswered, m.important)
        for m in Mailing.select()
    }
    assert stored == {11: (True, True, None, True, False), 12: (True, False, 901, False, True),
                      13: (True, None, None, False, False)}


def test_key_order_is_stable_so_the_later_of_two_rows_with_one_key_still_wins(db: pw.Database) -> None:
    rows = [
        (30, "first", "", None, 0, None, None, None, None, None, None, None, 1),
        (10, "ten", "", None, 0, None, None, None, None, None, None, None, 1),
        (30, "second", "", None, 0, None, None, None, None, None, None, None, 2),
    ]
    ordered = in_key_order(rows)
    assert [(row[0], row[1]) for row in ordered] == [(10, "ten"), (30, "first"), (30, "second")]
    assert in_key_order(iter([(1, 5), (1, 2), (1, 5)]), 1) == [(1, 2), (1, 5), (1, 5)]
    execute_many(db, user_upsert_sql(), ordered)
    assert {user.id: user.first_name for user in User.select()} == {10: "ten", 30: "second"}
