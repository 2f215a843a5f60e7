"""Fixtures for the TUI tests: a temporary home with a config, a seeded database and an app factory.

Everything is deterministic: a fixed wall clock for "ago" texts, no cursor blink, a fixed theme, and
databases filled from fixed data (never from the host's time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.helpers.tui import GROUP_ID, NOW, SECRETS
from vksync_tui.config import Community, Config, TokenEntry, save_config
from vksync_tui.home import Home
from vksync_tui.tui.app import VkSyncApp


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
