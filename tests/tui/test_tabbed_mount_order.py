"""When a screen's `on_mount` can run without the widgets composed inside its `TabbedContent`.

Textual mounts children before their parent's Mount: a widget's Compose handler awaits the `_mounted_event`
of every child it mounts, and each child sets it only after its own Compose (which awaits its children) and
Mount. So on an ordinary push `on_mount` sees the whole tree, however busy the event loop is. The exceptions:
once `App.exit()` was called, `mount_all` mounts nothing; once a screen is being removed (popped, dismissed),
`mount` mounts nothing below a node that is pruning. Compose still returns and Mount still runs, so a screen
pushed just before the app exits, or popped while mounting, gets `on_mount` without its nested widgets. That
is how `DiffReviewScreen.on_mount`'s former `query_one("#table-joined")` found nothing at the bench's end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Literal

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, TabbedContent, TabPane

from tests.helpers.tui import GROUP_ID, settle
from tests.helpers.tui_seed import seed_pending
from vksync_tui.store.models import database_proxy
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.lists import pending_diff
from vksync_tui.tui.screens.diff_review import DiffReviewScreen


class TabbedScreen(Screen[None]):
    """Records, in on_mount, which of its widgets a query finds."""

    def __init__(self) -> None:
        super().__init__()
        self.found_on_mount: dict[str, bool] = {}

    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs"), TabPane("one", id="pane"):
            yield DataTable(id="inner")

    def on_mount(self) -> None:
        self.found_on_mount = {name: bool(self.query(f"#{name}")) for name in ("tabs", "inner")}


async def test_on_mount_sees_the_panes_children_of_a_pushed_screen() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        screen = TabbedScreen()
        await app.push_screen(screen)
        await pilot.pause()
        assert screen.found_on_mount == {"tabs": True, "inner": True}


@pytest.mark.parametrize("removal", ["pop", "exit"])
async def test_on_mount_runs_without_the_panes_children_when_the_screen_goes_while_mounting(
    removal: Literal["pop", "exit"],
) -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        screen = TabbedScreen()
        app.push_screen(screen)
        if removal == "pop":
            app.pop_screen()
        else:
            app.exit()
        await pilot.pause()
    assert screen.found_on_mount.get("inner") is False


@pytest.mark.parametrize("removal", ["pop", "exit"])
async def test_diff_review_going_while_mounting_does_not_crash(
    make_app: Callable[..., VkSyncApp], removal: Literal["pop", "exit"]
) -> None:
    app = make_app()
    seed_pending(joined=5, left=2)
    with database_proxy.connection_context():
        pending = pending_diff(GROUP_ID)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.push_review(GROUP_ID, pending, None)
        screen = app.screen
        assert isinstance(screen, DiffReviewScreen)
        if removal == "pop":
            app.pop_screen()
        else:
            app.exit()
        await settle(app, pilot)
    # run_test re-raises what the app caught; on_mount did run, on a screen whose tables never mounted.
    assert screen.sub_title == "pending diff"
    assert not screen.tables["joined"].is_mounted


@pytest.mark.parametrize("joined", [5, 0])
async def test_diff_review_survives_an_exit_at_any_step_of_its_mount(
    make_app: Callable[..., VkSyncApp], joined: int
) -> None:
    # An exit lands between two steps of the event loop: after the tab bar is composed and before its tabs
    # mount, a tab bar told which tab starts active finds none and raises (ctrl+q as the review opens).
    app = make_app()
    seed_pending(joined=joined, left=2)
    with database_proxy.connection_context():
        pending = pending_diff(GROUP_ID)
    for steps in range(16):
        app = app if steps == 0 else make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)
            app.push_review(GROUP_ID, pending, None)
            for _ in range(steps):
                await asyncio.sleep(0)
            app.exit()
            await pilot.pause()
