"""Settings' "log in with VK": the app id asked once and saved, the authorization address, the pasted address
of VK's blank page in a masked field, the token checked with VK (the emulator) and added with its expiry."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Markdown

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.tui import NOW, open_settings, run_palette_command, settle, visible
from vksync_tui.config import TokenEntry, load_config, save_config
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.screens.help import HelpScreen
from vksync_tui.tui.screens.login import LoginScreen
from vksync_tui.tui.screens.settings import SettingsScreen

APP_ID = 51234567
DAY = 86_400


def blank_page(secret: str, expires_in: int, user_id: int | None = None) -> str:
    """The address VK's blank page has after the operator allowed the app (what the dialog is pasted)."""
    user = f"&user_id={user_id}" if user_id is not None else ""
    return f"https://oauth.vk.ru/blank.html#access_token={secret}&expires_in={expires_in}{user}"


def emulator_token(world: EmulatorHome, label: str) -> dict[str, Any]:
    return next(token for token in world.tokens if token["label"] == label)


async def open_login(app: VkSyncApp, pilot: Pilot[int]) -> LoginScreen:
    await open_settings(app, pilot)
    await pilot.press("l")
    await settle(app, pilot)
    assert isinstance(app.screen, LoginScreen)
    return app.screen


async def paste_address(app: VkSyncApp, pilot: Pilot[int], address: str) -> None:
    """Paste into the focused field as a terminal does (a bracketed paste), then press enter."""
    focused = app.focused
    assert isinstance(focused, Input) and focused.id == "login-redirect"
    focused.post_message(events.Paste(address))
    await pilot.pause()
    await pilot.press("enter")
    await settle(app, pilot)


def problem_text(dialog: LoginScreen) -> str:
    return str(dialog.query_one("#login-problem", Label).render())


async def test_login_asks_the_app_id_once_and_adds_the_checked_token_with_its_expiry(
    emulator_home_factory: Callable[..., EmulatorHome],
    make_app: Callable[..., VkSyncApp],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = emulator_home_factory(members=1000)
    world.configure(labels=["user-reader"], communities=[world.group_id])
    admin = emulator_token(world, "user-admin")
    secret = str(admin["token"])
    app = make_app(world.home)
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await open_login(app, pilot)
        assert "standalone app" in visible(app) and "authorize?" not in visible(app)
        await pilot.press(*"0", "enter")
        await settle(app, pilot)
        assert "positive number" in problem_text(dialog)
        assert load_config(world.home.config_file).app_id is None

        await pilot.press("backspace", *str(APP_ID), "enter")
        await settle(app, pilot)
        assert load_config(world.home.config_file).app_id == APP_ID  # saved at once, for the next login
        shown = visible(app)
        assert f"https://oauth.vk.ru/authorize?client_id={APP_ID}&display=page" in shown
        assert "scope=335872" in shown  # wall, groups and offline: what every list needs, never expiring

        focused = app.focused
        assert isinstance(focused, Input) and focused.password  # the pasted address carries the token
        focused.post_message(events.Paste(blank_page(secret, DAY, admin["owner_id"])))
        await pilot.pause()
        assert secret not in visible(app) and secret[-12:] not in visible(app)
        await pilot.press("enter")
        await settle(app, pilot)

        assert isinstance(app.screen, SettingsScreen)
        entry = app.config.token("user-1")
        assert entry is not None and entry.secret == secret and entry.kind == "user"
        assert entry.check.owner_id == admin["owner_id"] and entry.check.checked_at == NOW  # checked with VK
        assert entry.expires_at == NOW + DAY
        row = [str(cell) for cell in app.screen.query_one("#token-table", DataTable).get_row("user-1")]
        assert row[1] == "ok" and "in 1 d" in row
        assert secret not in visible(app)
    saved = load_config(world.home.config_file).token("user-1")
    assert saved is not None and saved.secret == secret and saved.expires_at == NOW + DAY
    assert secret not in caplog.text


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        (
            "https://oauth.vk.ru/blank.html#error=access_denied&error_description=User%20denied%20your%20request",
            "VK did not give a token: User denied your request",
        ),
        ("https://oauth.vk.ru/blank.html#expires_in=0", "no access_token in that address"),
        (blank_page("vk1.a." + "Z" * 60, DAY, 1), "VK did not accept the token: .*authorization failed"),
        ("READER", "this token is already configured as 'user-reader'"),
    ],
    ids=["denied", "no-token", "refused-by-vk", "duplicate"],
)
async def test_a_wrong_address_or_token_keeps_the_dialog_open_and_saves_nothing(
    emulator_home_factory: Callable[..., EmulatorHome],
    make_app: Callable[..., VkSyncApp],
    pasted: str,
    message: str,
) -> None:
    world = emulator_home_factory(members=1000)
    config = world.configure(labels=["user-reader"], communities=[world.group_id])
    config.app_id = APP_ID
    save_config(world.home.config_file, config)
    before = world.home.config_file.read_bytes()
    if pasted == "READER":
        pasted = blank_page(str(emulator_token(world, "user-reader")["token"]), 0)
    app = make_app(world.home)
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await open_login(app, pilot)
        await paste_address(app, pilot, pasted)
        assert app.screen is dialog
        assert re.search(message, problem_text(dialog)), problem_text(dialog)
        assert "Z" * 20 not in visible(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
    assert world.home.config_file.read_bytes() == before


async def test_login_is_in_the_palette_and_the_help_and_ctrl_q_quits_from_it(
    make_app: Callable[..., VkSyncApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await run_palette_command(pilot, "settings: log in with VK")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert isinstance(app.screen_stack[-2], SettingsScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = app.screen.query_one(Markdown).source
        assert "`l` **Log in with VK**" in shown  # the settings screen's keys, read from its bindings
        assert "`l` log in with VK (a user token from" in shown  # and what the settings screen is for
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


async def test_the_token_table_says_when_each_token_expires(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    app.config.tokens.append(TokenEntry("soon", "vk1.a.SOONsecretSOONsecretSOONsecret0003", "user",
                                        expires_at=NOW + 5 * 3600))
    app.config.tokens.append(TokenEntry("old", "vk1.a.OLDsecretOLDsecretOLDsecretOLD0004", "user",
                                        expires_at=NOW - 60))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        table = app.screen.query_one("#token-table", DataTable)
        expires = {label: str(table.get_row(label)[5]) for label in ("admin", "soon", "old")}
        assert expires == {"admin": "—", "soon": "in 5 h", "old": "expired"}
        assert "expires" in visible(app).splitlines()[3]  # in view at 80 columns
