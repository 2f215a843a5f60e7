"""Driving the app in Pilot tests: fixed data of the test home, reading the screen, settling, opening screens.

Settling awaits the app's messages and workers (never a sleep); the screen is read as the screenshot draws it.
"""

from __future__ import annotations

import html
import io
from typing import Any

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.screens.diff_review import DiffReviewScreen
from vksync_tui.tui.screens.settings import SettingsScreen

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
GROUP_ID = 212345678
SECRETS = {
    "admin": "vk1.a.ADMINsecretADMINsecretADMINsecret0001",
    "reader": "vk1.a.READERsecretREADERsecretREADER0002",
}


def screen_text(app: App[Any]) -> str:
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


async def open_review(app: VkSyncApp, pilot: Pilot[int]) -> DiffReviewScreen:
    """The dashboard's `r`: the review of the seeded pending diff."""
    await settle(app, pilot)
    await pilot.press("r")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, DiffReviewScreen)
    return screen
