"""List screens over millions of rows: a Line-API virtual table fed by keyset pages from SQLite.

Public entry points for the rest of the TUI:
- `open_list_screen(app, list_name, group_id)` pushes the list's screen;
- `list_commands(app, group_id)` yields the palette's "view: <list>" commands.
Modules: specs (what each list shows), query (its SQL), reader (the page thread), table (the widget),
details (the detail pane's reads), history + plot (subscribers history), export_view, screen.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand

from vksync_tui.tui.listview.screen import ListScreen
from vksync_tui.tui.listview.specs import SPECS

__all__ = ["SPECS", "ListScreen", "list_commands", "list_screen", "open_list_screen"]


def list_screen(app: App[Any], list_name: str, group_id: int) -> ListScreen:
    """The screen for `list_name` (a key of `SPECS` = the dashboard's list names); exports go to the App's
    `export_dir` (<home>/exports, or a folder that outlives the demo), else to <home>/exports."""
    export_dir = getattr(app, "export_dir", None)
    if export_dir is None:
        home = getattr(app, "home", None)
        export_dir = (Path(home.root) if home is not None else Path.cwd()) / "exports"
    title = getattr(app, "community_title", None)
    return ListScreen(
        SPECS[list_name],
        group_id,
        export_dir=export_dir,
        clock=getattr(app, "clock", time.time),
        community_title=title(group_id) if callable(title) else None,
    )


def open_list_screen(app: App[Any], list_name: str, group_id: int) -> None:
    app.push_screen(list_screen(app, list_name, group_id))


def list_commands(app: App[Any], group_id: int | None) -> Iterator[SystemCommand]:
    """Palette entries "view: <list> list" for the selected community (none without a community)."""
    if group_id is None:
        return
    for spec in SPECS.values():
        yield SystemCommand(
            f"view: {spec.title.lower()} list",
            f"Browse, search, filter and export the stored {spec.title.lower()}",
            partial(open_list_screen, app, spec.name, group_id),
        )
