"""Fixtures for the TUI tests: a temporary home with a config, a seeded database and an app factory.

Everything is deterministic: a fixed wall clock for "ago" texts, no cursor blink, a fixed theme, and
databases filled from fixed data (never from the host's time).
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from vksync_tui.config import Community, Config, TokenEntry, save_config
from vksync_tui.home import Home
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.screens.settings import SettingsScreen

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
GROUP_ID = 212345678
SECRETS = {
    "admin": "vk1.a.ADMINsecretADMINsecretADMINsecret0001",
    "reader": "vk1.a.READERsecretREADERsecretREADER0002",
}


def screen_text(app: VkSyncApp) -> str:
    """The current screenshot's text (SVG spans joined back, non-breaking spaces made plain)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def screen_lines(app: VkSyncApp) -> list[str]:
    """The screen as plain text lines, drawn as `export_screenshot` draws it (spaces and all, no SVG spans).

    Uses the compositor's render as `App.export_screenshot` does; textual is pinned, so this stays put.
    """
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False).splitlines()


def visible(app: VkSyncApp) -> str:
    """`screen_lines` joined with newlines: for "is this phrase on screen" checks."""
    return "\n".join(screen_lines(app))


async def settle(app: VkSyncApp, pilot: Pilot[int]) -> None:
    """Let messages, workers (never a sleep) and the resulting messages all run."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_settings(app: VkSyncApp, pilot: Pilot[int]) -> SettingsScreen:
    """Settle the dashboard, press f2 and return the settings screen."""
    await settle(app, pilot)
    await pilot.press("f2")
    await settle(app, pilot)
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


async def run_palette_command(pilot: Pilot[int], title: str) -> None:
    """Open the command palette, type `title` and run the best match, as the operator would."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*title)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes two screenshots of the same state differ."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def tui_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    monkeypatch.delenv("VKSYNC_API_URL", raising=False)
    home = Home(tmp_path / "home").ensure()
    save_config(
        home.config_file,
        Config(
            api_url="http://127.0.0.1:9/method/",
            communities=[Community(GROUP_ID, "demo_community", "Demo community")],
            tokens=[TokenEntry(label, secret, "user") for label, secret in SECRETS.items()],
        ),
    )
    return home


@pytest.fixture
def make_app(tui_home: Home) -> Iterator[Callable[..., VkSyncApp]]:
    apps: list[VkSyncApp] = []

    def factory(home: Home = tui_home, **kwargs: object) -> VkSyncApp:
        app = VkSyncApp(home, clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.close()
