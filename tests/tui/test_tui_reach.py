"""Every action is reachable from the palette and listed in help on every screen; the key bar hides no key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Markdown

from tests.helpers.tui import run_palette_command, settle, visible
from tests.helpers.tui_seed import seed_members, seed_pending
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.listview import ListScreen
from vksync_tui.tui.listview.plot import HistoryScreen
from vksync_tui.tui.screens.help import HelpScreen
from vksync_tui.tui.widgets.key_bar import KeyBar


async def open_list(app: VkSyncApp, pilot: Pilot[int], name: str = "subscribers") -> ListScreen:
    app.view_list(name)
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ListScreen)
    return screen


def palette_titles(app: VkSyncApp) -> set[str]:
    return {command.title for command in app.get_system_commands(app.screen)}


def own_bindings(screen: Screen[Any]) -> list[Binding]:
    return [binding for binding in screen.BINDINGS if isinstance(binding, Binding) and binding.description]


async def test_the_list_palette_sorts_filters_exports_and_plots(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    seed_members(50)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        screen = await open_list(app, pilot)
        titles = palette_titles(app)
        for wanted in (
            "subscribers list: sort by joined",
            "subscribers list: sort by user id",
            "subscribers list: members: left",
            "subscribers list: export CSV",
            "subscribers list: export JSONL",
            "subscribers list: history plot",
            "subscribers list: search",
            "subscribers list: detail",
        ):
            assert wanted in titles
        await run_palette_command(pilot, "subscribers list: sort by joined")
        await settle(app, pilot)
        assert screen.query_.sort_column.name == "joined_at"
        await run_palette_command(pilot, "subscribers list: members: left")
        await settle(app, pilot)
        assert screen.state.choices["status"] == "left"
        await run_palette_command(pilot, "subscribers list: history plot")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)


async def test_every_screens_keys_are_in_its_palette_and_its_help(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    seed_members(50)
    seed_pending(joined=3, left=2)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        opened: list[Screen[Any]] = []
        for keys in (("v",), ("r",), ("f2",)):
            if keys == ("v",):
                await open_list(app, pilot)
            else:
                await pilot.press(*keys)
                await settle(app, pilot)
            screen = app.screen
            opened.append(screen)
            titles = " | ".join(palette_titles(app)).lower()
            for binding in own_bindings(screen):
                assert binding.description.lower() in titles, (type(screen).__name__, binding.description)
            await pilot.press("f1")
            await settle(app, pilot)
            assert isinstance(app.screen, HelpScreen)
            shown = app.screen.query_one(Markdown).source
            for binding in own_bindings(screen):
                if screen.check_action(binding.action.split("(")[0], ()) is not False:
                    assert binding.description in shown, (type(screen).__name__, binding.description)
            await pilot.press("escape")
            await settle(app, pilot)
            app.action_view("dashboard")
            await settle(app, pilot)
        assert len(opened) == 3


async def test_help_has_a_list_screen_section(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await open_list(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        text = visible(app)
        assert "Keys here: Subscribers" in text and "Export CSV" in text and "History plot" in text
        assert (
            any(
                line.strip().startswith("List screens")
                for line in app.screen.query_one("Markdown").source.splitlines()
                if line
            )
            or "## List screens" in app.screen.query_one("Markdown").source
        )


@pytest.mark.parametrize("where", ["dashboard", "list"])
async def test_at_80_columns_the_key_bar_drops_no_key(make_app: Callable[..., VkSyncApp], where: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        if where == "list":
            await open_list(app, pilot)
        bar = app.screen.query_one(KeyBar)
        drawn = {span.key for span in bar._spans}
        wanted = {"e", "E", "p", "f5"} if where == "list" else {"ctrl+q", "f1", "f2", "u", "r", "f5"}
        assert wanted <= drawn
        assert "ctrl+p" in drawn
