"""Headless export of every list as CSV or JSON Lines, shared by the CLI (`export`) and the TUI.

`EXPORTS` names each list's `ExportSpec` (its columns and row query, in `sync.exports`).
"""

from __future__ import annotations

from typing import TextIO

from vksync_tui.sync.exports import dialogs, members, profiles, wall
from vksync_tui.sync.exports.format import ExportSpec, write_rows

EXPORTS: dict[str, ExportSpec] = {
    "subscribers": members.SUBSCRIBERS,
    "mailing": dialogs.MAILING,
    "mailing-analysis": dialogs.MAILING_ANALYSIS,
    "profiles": profiles.PROFILES,
    "posts": wall.POSTS,
    "authors": wall.AUTHORS,
    "interactions": wall.INTERACTIONS,
}


def write_export(list_name: str, group_id: int, out: TextIO, *, fmt: str, include_all: bool = False) -> int:
    """Write the list's rows to `out` in `fmt` (csv with a header, or jsonl); returns the number of rows."""
    spec = EXPORTS.get(list_name)
    if spec is None:
        raise ValueError(f"no export for list {list_name!r} (known: {', '.join(sorted(EXPORTS))})")
    return write_rows(spec.columns, spec.rows(group_id, include_all), out, fmt)
