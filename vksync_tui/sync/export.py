"""Headless export of every list as CSV or JSON Lines, shared by the CLI (`export`) and the TUI.

`EXPORTS` is a table: each list names its columns and a row query. A later list adds one entry. Rows stream
from the database (`.iterator()`), so exporting ten million members does not load them into memory.
Times are ISO 8601 UTC strings (empty / null when unknown).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

import peewee as pw

from vksync_tui.store.models import Membership, User
from vksync_tui.sync import mailing_export, wall_export


@dataclass(frozen=True)
class ExportSpec:
    """A list's export: column names and `rows(group_id, include_all)` yielding tuples in that order."""

    columns: tuple[str, ...]
    rows: Callable[[int, bool], Iterable[tuple[Any, ...]]]


def iso_time(unix: int | None) -> str | None:
    return None if unix is None else datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def subscriber_rows(group_id: int, include_all: bool) -> Iterator[tuple[Any, ...]]:
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


EXPORTS: dict[str, ExportSpec] = {
    "subscribers": ExportSpec(
        ("user_id", "status", "joined_at", "left_at", "first_name", "last_name"), subscriber_rows
    ),
    "mailing": ExportSpec(mailing_export.MAILING_COLUMNS, mailing_export.mailing_rows),
    "mailing-analysis": ExportSpec(mailing_export.ANALYSIS_COLUMNS, mailing_export.analysis_rows),
    "profiles": ExportSpec(mailing_export.PROFILE_COLUMNS, mailing_export.profile_rows),
    "posts": ExportSpec(wall_export.POST_COLUMNS, wall_export.post_rows),
    "authors": ExportSpec(wall_export.AUTHOR_COLUMNS, wall_export.author_rows),
    "interactions": ExportSpec(wall_export.INTERACTION_COLUMNS, wall_export.interaction_rows),
}

FORMATS = ("csv", "jsonl")


def write_export(list_name: str, group_id: int, out: TextIO, *, fmt: str, include_all: bool = False) -> int:
    """Write the list's rows to `out` in `fmt` (csv with a header, or jsonl); returns the number of rows."""
    spec = EXPORTS.get(list_name)
    if spec is None:
        raise ValueError(f"no export for list {list_name!r} (known: {', '.join(sorted(EXPORTS))})")
    rows = spec.rows(group_id, include_all)
    if fmt == "csv":
        return write_csv(spec.columns, rows, out)
    if fmt == "jsonl":
        return write_jsonl(spec.columns, rows, out)
    raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")


def write_csv(columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
        count += 1
    return count


def write_jsonl(columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) + "\n")
        count += 1
    return count
