"""Export of what a list screen shows (its filters and search), in the headless `export` format.

Not a second exporter: the rows and their format come from the list's export (its `ListDefinition`), and the
CSV / JSONL writer is the headless one. The view only decides *which* rows: its keys (ascending, streamed)
are merged with the export's rows (also ascending by the same key, read from each row by the spec's
`export_key`), so a million-row export holds neither list in memory. Rows come out in the export's order (by
key), not in the screen's sort order, exactly as `export` writes them. A row the view shows but the headless
export never writes (e.g. a profile outside the community's scope) is not exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import platformdirs

from vksync_tui.sync.exports.format import ExportSpec, write_rows
from vksync_tui.tui.listview.query import ListQuery


class ExportUnavailable(Exception):
    """This list has no headless export, or its export's rows are not in the view's key order."""


def lasting_export_folder() -> Path:
    """A folder the operator finds again: the user's downloads folder if there is one, else the current
    directory (for a home that is deleted afterwards, as the demo's is)."""
    downloads = platformdirs.user_downloads_path()
    return downloads if downloads.is_dir() else Path.cwd()


def list_export(query: ListQuery) -> ExportSpec:
    """The headless export of the view's list; ExportUnavailable when the list has none."""
    spec = query.spec.definition.export
    if spec is None:
        raise ExportUnavailable(f"{query.spec.title}: no headless export for this list")
    return spec


def rows_in_view(query: ListQuery, rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The export rows whose key the view holds; both streams ascend by that key."""
    key_of = query.spec.export_key
    keys = query.key_rows()
    wanted = next(keys, None)
    previous: tuple[Any, ...] | None = None
    for row in rows:
        key = key_of(row)
        if previous is not None and key <= previous:
            raise ExportUnavailable(f"{query.spec.title}: the export's rows are not in the list's key order")
        previous = key
        while wanted is not None and wanted < key:
            wanted = next(keys, None)
        if wanted is None:
            return
        if wanted == key:
            yield row


def export_view(query: ListQuery, out: TextIO, fmt: str) -> int:
    """Write the view's rows to `out` as `fmt` (csv | jsonl); returns how many rows were written."""
    spec = list_export(query)
    return write_rows(spec.columns, rows_in_view(query, spec.rows(query.group_id, True)), out, fmt)
