"""A bare host app for one list screen over a store file, and settling its reader thread in Pilot tests.

Used by the list-screen tests and by the list-screen benchmark.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from tests.helpers.bigstore import GROUP_ID, StoreSize
from vksync_tui.heap import freeze_startup_heap, thaw_heap
from vksync_tui.home import Home
from vksync_tui.store.db import open_database
from vksync_tui.tui.listview import open_list_screen
from vksync_tui.tui.listview.screen import ListScreen

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
BIG = StoreSize(members=1_000_000, posts=5_000, interactions=1_000_000)
SMALL = StoreSize(members=3_000, posts=200, interactions=3_000, authors=40)
SIZE = (120, 36)


class ListHost(App[None]):
    """Opens the store at `db_path` and shows one list screen (or nothing, with `list_name=None`)."""

    TITLE = "vksync-tui"

    def __init__(self, db_path: Path, home: Home, list_name: str | None, group_id: int = GROUP_ID) -> None:
        super().__init__()
        self.home = home
        self.clock: Callable[[], float] = lambda: NOW
        self.list_name = list_name
        self.group_id = group_id
        self.db = open_database(db_path)

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        freeze_startup_heap()  # as the app does once started (vksync_tui/heap.py), so timings match the app's
        if self.list_name is not None:
            open_list_screen(self, self.list_name, self.group_id)

    def on_unmount(self) -> None:
        thaw_heap()

    def community_title(self, group_id: int) -> str:
        return "Demo community"


def list_screen(app: App[Any]) -> ListScreen:
    screen = app.screen
    assert isinstance(screen, ListScreen)
    return screen


async def settle(pilot: Pilot[Any]) -> ListScreen:
    """Let the reader thread, the workers and the messages they post all run (never a sleep)."""
    screen = list_screen(pilot.app)
    for _ in range(4):
        await pilot.pause()
        assert await asyncio.to_thread(screen.reader.wait_idle), "the page reader did not go idle"
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen
