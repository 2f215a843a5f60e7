"""Bad input through the TUI: values typed into the settings' tuning form and the add-token dialog.

Each case must show one problem line in the form, keep the form open (nothing half-saved), leave config.toml
byte-for-byte unchanged and keep the app running. Runs the real app headless (`run_test`) on a home whose
API URL points at a closed loopback port (no sync is started).
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label, Select, TabbedContent

from vksync_tui.config import Community, Config, TokenEntry, save_config
from vksync_tui.home import Home
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.screens.add_token import AddTokenScreen
from vksync_tui.tui.screens.settings import SettingsScreen

KNOWN_SECRET = "vk1.a." + "K" * 80

SLOW = pytest.mark.slow  # an app start costs seconds: the default run keeps one case of each kind
TUNING_CASES = [
    pytest.param("user_rps", "fast", id="user_rps=fast"),
    pytest.param("user_rps", "-1", id="user_rps=-1", marks=SLOW),
    pytest.param("retry_attempts", "1.5", id="retry_attempts=1.5", marks=SLOW),
    pytest.param("request_timeout", "0", id="request_timeout=0", marks=SLOW),
    pytest.param("execute_batch", "26", id="execute_batch=26", marks=SLOW),
    pytest.param("api_url", "vk dot com", id="api_url=text", marks=SLOW),
]
TOKEN_CASES = [
    pytest.param("", KNOWN_SECRET[:-1] + "x", "user", "", id="empty-label", marks=SLOW),
    pytest.param("admin", "vk1.a." + "N" * 80, "user", "", id="duplicate-label"),
    pytest.param("second", KNOWN_SECRET, "user", "", id="token-already-in-pool", marks=SLOW),
    pytest.param("bot", "vk1.a." + "B" * 80, "group", "", id="community-token-without-community", marks=SLOW),
    pytest.param("bot", "vk1.a." + "B" * 80, "group", "-5", id="negative-community-id", marks=SLOW),
    pytest.param("typo", "not a token", "user", "", id="malformed-secret"),
]


@pytest.fixture
def ui_home(home: Home) -> Home:
    save_config(home.config_file, Config(
        api_url="http://127.0.0.1:9/method/",
        communities=[Community(212345678, "demo_community", "Demo")],
        tokens=[TokenEntry("admin", KNOWN_SECRET, "user")],
    ))
    return home


async def open_settings(app: VkSyncApp, pilot: object) -> SettingsScreen:
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press("f2")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


@pytest.mark.parametrize(("field", "value"), TUNING_CASES)
async def test_bad_tuning_value_is_refused_with_one_line(field: str, value: str, ui_home: Home) -> None:
    before = ui_home.config_file.read_bytes()
    app = VkSyncApp(ui_home)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(app, pilot)
        screen.query_one("#settings-tabs", TabbedContent).active = "tab-tuning"
        await pilot.pause()
        screen.query_one(f"#tuning-{field}", Input).value = value
        await pilot.press("ctrl+s")
        await pilot.pause()
        problem = str(screen.query_one("#tuning-problem", Label).render())
        assert field in problem and "\n" not in problem.strip(), problem
        assert app.screen is screen and app.is_running
    assert ui_home.config_file.read_bytes() == before


@pytest.mark.parametrize(("label", "secret", "kind", "group"), TOKEN_CASES)
async def test_bad_token_entry_is_refused_with_one_line(
    label: str, secret: str, kind: str, group: str, ui_home: Home
) -> None:
    before = ui_home.config_file.read_bytes()
    app = VkSyncApp(ui_home)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_settings(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AddTokenScreen)
        dialog.query_one("#add-token-label", Input).value = label
        dialog.query_one("#add-token-secret", Input).value = secret
        dialog.query_one("#add-token-kind", Select).value = kind
        dialog.query_one("#add-token-group", Input).value = group
        await pilot.click("#add")
        await pilot.pause()
        assert app.screen is dialog, "the dialog closed: the entry was accepted"
        problem = str(dialog.query_one("#add-token-problem", Label).render()).strip()
        assert problem and "\n" not in problem
    assert ui_home.config_file.read_bytes() == before
