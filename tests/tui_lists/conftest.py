"""Fixtures for the list-screen tests: stores (a 1M-member one built once per session), a host app, settling.

The host app is a bare `App` that opens the store and pushes one list screen through the public entry point
`open_list_screen`, so these tests exercise what the dashboard calls, without the session's sync context.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui_lists.bigstore import GROUP_ID, StoreSize, build_store
from vksync_tui.heap import freeze_startup_heap, thaw_heap
from vksync_tui.home import Home
from vksync_tui.store.db import open_database
from vksync_tui.store.models import database_proxy
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


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture(scope="session")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,000,000 members (+ profiles, events, mailing) and 1,000,000 interactions on 5,000 posts."""
    return build_store(tmp_path_factory.mktemp("big") / "vksync.db", BIG)


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("small") / "vksync.db", SMALL)


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Callable[..., ListHost]]:
    apps: list[ListHost] = []

    def make(db_path: Path, list_name: str | None, group_id: int = GROUP_ID) -> ListHost:
        app = ListHost(db_path, Home(tmp_path / "home").ensure(), list_name, group_id)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.db.close()
    database_proxy.close()


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


def screen_text(app: App[Any]) -> str:
    """The current screenshot's text (SVG spans joined back, non-breaking spaces made plain)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")
