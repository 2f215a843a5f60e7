"""The keyboard never dies: focus always lands on a widget that exists, and ctrl+q always quits."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from tests.helpers.tui import run_palette_command, settle
from tests.helpers.tui_jobs import feed_job, finished_run
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.screens.help import HelpScreen
from vksync_tui.tui.widgets.list_card import ListCard
from vksync_tui.tui.widgets.sync_panel import SyncPanel


async def finished_panels(app: VkSyncApp, pilot: Pilot[int], *lists: str) -> None:
    await settle(app, pilot)
    for list_name in lists:
        await feed_job(app, pilot, list_name, finished_run(list_name))


async def test_clearing_finished_panels_from_the_last_one_keeps_the_keyboard_alive(
    make_app: Callable[..., VkSyncApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await finished_panels(app, pilot, "posts", "mailing")
        panels = list(app.dashboard.query(SyncPanel))
        assert len(panels) == 2
        app.dashboard.query_one("#panel-mailing-212345678", SyncPanel).focus()
        await pilot.pause()
        await run_palette_command(pilot, "clear finished")
        await settle(app, pilot)
        assert not app.dashboard.query(SyncPanel)
        focused = app.dashboard.focused
        assert focused is None or focused.is_attached, f"focus left on a removed widget: {focused!r}"
        assert isinstance(focused, ListCard) and focused.info.name == "mailing"
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


async def test_clearing_some_panels_moves_focus_to_a_panel_that_stays(
    make_app: Callable[..., VkSyncApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await finished_panels(app, pilot, "posts")
        running = await feed_job(app, pilot, "mailing", finished_run("mailing")[:3])
        await feed_job(app, pilot, "authors", finished_run("authors"))
        app.dashboard.query_one("#panel-authors-212345678", SyncPanel).focus()
        await pilot.pause()
        app.action_clear_finished()
        await settle(app, pilot)
        focused = app.dashboard.focused
        assert isinstance(focused, SyncPanel) and focused.key == running and focused.is_attached


async def test_tab_from_the_community_selector_reaches_the_first_card(
    make_app: Callable[..., VkSyncApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert app.focused is app.dashboard.query_one("#community-select")
        await pilot.press("tab")
        assert app.focused is app.dashboard.query_one("#card-subscribers", ListCard)


async def test_a_focused_finished_panel_is_highlighted(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await finished_panels(app, pilot, "posts")
        panel = app.dashboard.query_one("#panel-posts-212345678", SyncPanel)
        before = (panel.styles.border_top, panel.styles.background)
        panel.focus()
        await pilot.pause()
        assert panel.styles.border_top != before[0] and panel.styles.background != before[1]
