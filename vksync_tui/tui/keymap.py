"""The operator's `[keymap]` (config.toml): binding id → keys, applied with `App.set_keymap`.

Every binding of the TUI carries an id (`app-quit`, `list-csv`, …; f1 lists them beside their keys). The ids
are checked before the dashboard starts: an unknown one is a `ConfigError` naming the file, the key and the
line, like any other config mistake, so a typo never silently leaves a key unmapped. `ctrl+q` always quits:
a keymap that moves quit elsewhere keeps `ctrl+q` too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode

from vksync_tui.config import Config, keymap_error
from vksync_tui.tui.listview.choice import ChoiceChip
from vksync_tui.tui.listview.plot import HistoryScreen
from vksync_tui.tui.listview.screen import ListScreen
from vksync_tui.tui.listview.table import VirtualTable
from vksync_tui.tui.screens.add_token import AddTokenScreen
from vksync_tui.tui.screens.confirm import ConfirmScreen
from vksync_tui.tui.screens.dashboard import DashboardScreen
from vksync_tui.tui.screens.diff_review import DiffReviewScreen
from vksync_tui.tui.screens.help import HelpScreen
from vksync_tui.tui.screens.login import LoginScreen
from vksync_tui.tui.screens.settings import SettingsScreen
from vksync_tui.tui.widgets.list_card import ListCard
from vksync_tui.tui.widgets.sync_panel import SyncPanel

QUIT_ID = "app-quit"
QUIT_KEY = "ctrl+q"
# Every class whose BINDINGS the operator may remap (the App's own are added by `binding_ids`).
BOUND: tuple[type[DOMNode], ...] = (
    DashboardScreen, ListCard, SyncPanel, DiffReviewScreen, SettingsScreen, AddTokenScreen, LoginScreen,
    ConfirmScreen, HelpScreen, ListScreen, VirtualTable, ChoiceChip, HistoryScreen,
)


def bindings_of(*owners: type[DOMNode]) -> Iterator[Binding]:
    for owner in owners:
        yield from (binding for binding in owner.BINDINGS if isinstance(binding, Binding))


def binding_ids(app: type[App[object]]) -> set[str]:
    return {binding.id for binding in bindings_of(app, *BOUND) if binding.id}


def check_keymap(config: Config, path: Path, app: type[App[object]]) -> None:
    """Raise `ConfigError` for the first `[keymap]` id no binding has."""
    known = binding_ids(app)
    for binding_id in config.keymap:
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise keymap_error(
                path, binding_id, f"unknown binding id; {hint}f1 on any screen lists each key with its id"
            )


def effective_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The keymap to apply: the operator's, with `ctrl+q` kept on quit whatever else quit is given."""
    applied = dict(keymap)
    if QUIT_ID in applied and QUIT_KEY not in [key.strip() for key in applied[QUIT_ID].split(",")]:
        applied[QUIT_ID] = f"{applied[QUIT_ID]},{QUIT_KEY}"
    return applied
