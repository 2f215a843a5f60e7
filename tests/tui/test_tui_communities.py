"""The community selector names the community the cards show and `u` syncs, and offers only real ones."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Select

from tests.helpers.tui import GROUP_ID, run_palette_command, settle, visible
from tests.helpers.tui_seed import seed_members
from vksync_tui.config import Community, load_config, save_config
from vksync_tui.home import Home
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.jobs import JobKey
from vksync_tui.tui.widgets.list_card import ListCard

CLOSED_ID = 212345679


def add_closed_club(home: Home) -> None:
    config = load_config(home.config_file)
    config.communities.append(Community(CLOSED_ID, "closed_club", "Closed club"))
    save_config(home.config_file, config)


def subscribers_rows(app: VkSyncApp) -> int | None:
    status = app.dashboard.query_one("#card-subscribers", ListCard).status
    return None if status is None else status.rows


async def test_switching_community_from_the_palette_moves_the_selector_too(
    tui_home: Home, make_app: Callable[..., VkSyncApp]
) -> None:
    add_closed_club(tui_home)
    app = make_app()
    seed_members(1234)
    seed_members(50, group_id=CLOSED_ID)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        select = app.dashboard.query_one("#community-select", Select)
        assert select.value == GROUP_ID and subscribers_rows(app) == 1234
        await run_palette_command(pilot, "community: show Closed club")
        await settle(app, pilot)
        assert app.current_group == CLOSED_ID
        assert select.value == CLOSED_ID
        assert "Closed club (id 212345679)" in visible(app)
        assert subscribers_rows(app) == 50
        await pilot.press("u")
        await pilot.pause()
        assert JobKey("subscribers", CLOSED_ID) in app.jobs
        assert JobKey("subscribers", GROUP_ID) not in app.jobs


async def test_the_selector_offers_no_blank_choice(
    tui_home: Home, make_app: Callable[..., VkSyncApp]
) -> None:
    add_closed_club(tui_home)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.dashboard.query_one("#community-select", Select).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        shown = visible(app)
        assert "Closed club (id 212345679)" in shown
        assert "no community configured" not in shown
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert app.current_group == CLOSED_ID


async def test_without_communities_there_is_no_selector_until_one_is_added(
    tui_home: Home, make_app: Callable[..., VkSyncApp]
) -> None:
    config = load_config(tui_home.config_file)
    config.communities = []
    save_config(tui_home.config_file, config)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert not app.dashboard.query("#community-select")
        assert "No community configured yet" in visible(app)
        app.config.communities.append(Community(CLOSED_ID, "closed_club", "Closed club"))
        app.save()
        await settle(app, pilot)
        assert app.dashboard.query_one("#community-select", Select).value == CLOSED_ID
        assert "No community configured yet" not in visible(app)
