"""Palette, help, list screens, panel cancel key, settings actions against the emulator, and demo mode."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, TabbedContent

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.tui import settle
from vksync_tui.config import Tuning, load_config
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.demo import demo_environment
from vksync_tui.tui.jobs import JobKey
from vksync_tui.tui.listview import ListScreen
from vksync_tui.tui.screens.help import HelpScreen
from vksync_tui.tui.screens.settings import SettingsScreen
from vksync_tui.tui.widgets.list_card import ListCard


async def test_palette_offers_every_action_and_runs_them(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for expected in (
            "sync: subscribers",
            "sync: mailing analysis",
            "view: settings",
            "view: dashboard",
            "view: help",
            "view: review pending diff",
            "settings: check tokens",
            "settings: add token",
            "sync: cancel all",
            "view: subscribers list",
        ):
            assert expected in titles
        assert "demo: simulate churn" not in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"view: settings")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)


async def test_help_and_list_screens_open_from_the_dashboard(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is app.dashboard
        app.dashboard.query_one("#card-subscribers", ListCard).focus()
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)


async def test_c_on_a_focused_panel_cancels_its_sync(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    # 200 one-page requests at 3 rps take over a minute: the sync cannot finish before `c`, however loaded
    # the machine, and the request in flight when it is pressed ends within 0.1 s.
    world = emulator_home_factory(members=200_000, faults="delay=0.1")
    world.configure(labels=["user-reader"], tuning=Tuning(execute_batch=1))
    app = make_app(world.home)
    key = JobKey("subscribers", world.group_id)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        while not app.jobs[key].view.phases:
            await pilot.pause()
        app.dashboard.query_one(f"#panel-{key.slug}").focus()
        await pilot.press("c")
        await settle(app, pilot)
        assert app.jobs[key].view.status == "cancelled"
        assert app.screen is app.dashboard


async def test_settings_check_all_and_add_community_by_screen_name(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    world = emulator_home_factory(members=5000)
    world.configure(labels=["user-admin", "user-reader"], communities=[world.group_id])
    app = make_app(world.home)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        await pilot.press("C")
        await settle(app, pilot)
        admin = app.config.token("user-admin")
        assert admin is not None and admin.check.owner_name and admin.check.admin_levels[world.group_id] == 3
        reader = app.config.token("user-reader")
        assert reader is not None and reader.check.admin_levels.get(world.group_id, 0) == 0
        assert app.token_figures()["user-admin"].status == "ok"

        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#settings-tabs", TabbedContent).active = "tab-communities"
        await settle(app, pilot)
        field = screen.query_one("#community-input", Input)
        field.value = "https://vk.com/closed_club"
        field.focus()
        await pilot.press("enter")
        await settle(app, pilot)
    saved = load_config(world.home.config_file)
    assert [c.screen_name for c in saved.communities] == ["demo_community", "closed_club"]
    assert saved.token("user-admin").check.owner_name == admin.check.owner_name  # type: ignore[union-attr]


async def test_demo_home_uses_the_emulators_tokens_and_churn_reaches_it() -> None:
    with demo_environment(members=5000) as demo:
        config = load_config(demo.home.config_file)
        world = demo.emulator.world
        known = {info.token: info for info in world.tokens}
        assert all(entry.secret in known for entry in config.tokens)
        kinds = {entry.kind for entry in config.tokens}
        assert {"user", "group"} <= kinds
        levels = {known[e.secret].admin_level(demo.group_id) for e in config.tokens if e.kind == "user"}
        assert {0, 1, 2, 3} <= levels
        assert config.api_url == demo.emulator.url and [c.id for c in config.communities] == [demo.group_id]

        app = VkSyncApp(demo.home, demo=demo)
        before = len(world.community(demo.group_id).members)  # type: ignore[union-attr]
        try:
            async with app.run_test(size=(120, 36)) as pilot:
                await settle(app, pilot)
                assert "demo: simulate churn" in {c.title for c in app.get_system_commands(app.screen)}
                await pilot.press("m")
                await settle(app, pilot)
        finally:
            app.close()
        after = len(world.community(demo.group_id).members)  # type: ignore[union-attr]
        assert after - before == 150 - 120
