"""What every export shares: `ExportSpec`, the one time format (ISO 8601 UTC), 0/1 flags and the writers."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

ExportRow = tuple[Any, ...]
FORMATS = ("csv", "jsonl")


@dataclass(frozen=True)
class ExportSpec:
    """A list's export: column names, `rows(group_id, include_all)` yielding tuples in that order (ascending
    by the list's key), and the help of the CLI's `--all` for a list where `include_all` means something an
    operator asks for (None: the CLI offers no `--all`, and exports run without it)."""

    columns: tuple[str, ...]
    rows: Callable[[int, bool], Iterable[ExportRow]]
    include_all_help: str | None = None


def iso_time(unix: int | None) -> str | None:
    """Unix seconds as ISO 8601 UTC (`2025-01-31T12:00:00Z`); None stays None (an empty CSV cell)."""
    return None if unix is None else datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def flag(value: Any) -> int | None:
    """A stored boolean as 0/1; None (unknown) stays None."""
    return None if value is None else int(bool(value))


def write_rows(columns: tuple[str, ...], rows: Iterable[ExportRow], out: TextIO, fmt: str) -> int:
    """Write `rows` to `out` as `fmt` (csv with a header, or jsonl); returns the number of rows."""
    if fmt == "csv":
        return _write_csv(columns, rows, out)
    if fmt == "jsonl":
        return _write_jsonl(columns, rows, out)
    raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")


def _write_csv(columns: tuple[str, ...], rows: Iterable[ExportRow], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
        count += 1
    return count


def _write_jsonl(columns: tuple[str, ...], rows: Iterable[ExportRow], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) + "\n")
        count += 1
    return count
