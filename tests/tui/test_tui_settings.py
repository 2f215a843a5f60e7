"""Settings: tuning validated and saved with save_config, token enable/disable/remove with confirmation."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, Input, Label, TabbedContent

from tests.helpers.tui import GROUP_ID, NOW, open_settings, settle, visible
from vksync_tui.config import TokenCheck, load_config
from vksync_tui.home import Home
from vksync_tui.secrets import MALFORMED_TOKEN
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.screens.add_token import AddTokenScreen
from vksync_tui.tui.screens.confirm import ConfirmScreen


async def test_bad_tuning_is_refused_and_good_tuning_is_saved(
    make_app: Callable[..., VkSyncApp], tui_home: Home
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(app, pilot)
        screen.query_one("#settings-tabs", TabbedContent).active = "tab-tuning"
        await settle(app, pilot)
        screen.query_one("#tuning-safety_threshold", Input).value = "1.5"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "safety_threshold: must be in (0, 1]" in str(
            screen.query_one("#tuning-problem", Label).render()
        )
        assert load_config(tui_home.config_file).tuning.safety_threshold == 0.95

        screen.query_one("#tuning-safety_threshold", Input).value = "0.9"
        screen.query_one("#tuning-user_rps", Input).value = "2.5"
        screen.query_one("#tuning-api_url", Input).value = "http://127.0.0.1:8765/method/"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    saved = load_config(tui_home.config_file)
    assert saved.tuning.safety_threshold == 0.9 and saved.tuning.user_rps == 2.5
    assert saved.api_url == "http://127.0.0.1:8765/method/"


async def test_remove_asks_first_and_toggle_persists(
    make_app: Callable[..., VkSyncApp], tui_home: Home
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(app, pilot)
        table = screen.query_one("#token-table", DataTable)
        assert table.row_count == 2 and screen.selected_token() == "admin"

        await pilot.press("e")
        await settle(app, pilot)
        assert load_config(tui_home.config_file).token("admin").enabled is False  # type: ignore[union-attr]
        assert "disabled" in [str(cell) for cell in table.get_row("admin")]

        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(app, pilot)
        assert [t.label for t in load_config(tui_home.config_file).tokens] == ["admin", "reader"]

        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert [t.label for t in load_config(tui_home.config_file).tokens] == ["reader"]
        assert table.row_count == 1


async def test_the_add_token_error_is_shown_whole(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        await pilot.press(*"new", "tab", *"not a token", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AddTokenScreen)
        inside = [line.split("█")[1] for line in visible(app).splitlines() if line.count("█") >= 2]
        assert MALFORMED_TOKEN in " ".join(" ".join(inside).split())  # wrapped over lines, never cut


async def test_token_details_say_plainly_where_a_token_is_no_admin(
    make_app: Callable[..., VkSyncApp], tui_home: Home
) -> None:
    app = make_app()
    reader = app.config.token("reader")
    assert reader is not None
    reader.check = TokenCheck(owner_id=5, owner_name="Reader", admin_levels={GROUP_ID: 0}, checked_at=NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(app, pilot)
        await pilot.press("down")
        await settle(app, pilot)
        assert screen.selected_token() == "reader"
        assert "admin in: none of the configured communities" in visible(app)


async def test_the_key_bar_names_the_remove_key_the_buttons_name(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_settings(app, pilot)
        keys = " ".join(visible(app).splitlines()[-2:])
        assert " x Remove " in keys and "del" not in keys
        assert "Remove (x)" in visible(app)
