"""Exports made in the demo outlive it: they go to the downloads folder (else the current directory), and the
notification says where."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest
from textual.message import Message
from textual.notifications import Notify

from tests.helpers.tui import settle
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.demo import demo_environment
from vksync_tui.tui.listview import ListScreen


async def export_subscribers_in_the_demo(messages: list[Message]) -> Path:
    """Sync the demo's subscribers, apply the baseline, export the list as CSV; returns the demo's home."""
    with demo_environment(members=2000) as demo:
        app = VkSyncApp(demo.home, demo=demo)
        try:
            async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
                await settle(app, pilot)
                await pilot.press("u")
                await settle(app, pilot)
                await pilot.press("y")
                await settle(app, pilot)
                app.view_list("subscribers")
                await settle(app, pilot)
                assert isinstance(app.screen, ListScreen)
                await pilot.press("e")
                await settle(app, pilot)
        finally:
            app.close()
        return demo.home.root


@pytest.mark.parametrize("downloads_exists", [True, False])
async def test_demo_exports_outlive_the_demo_and_say_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, downloads_exists: bool
) -> None:
    downloads = tmp_path / "Downloads"
    if downloads_exists:
        downloads.mkdir()
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.setattr(platformdirs, "user_downloads_path", lambda: downloads)
    messages: list[Message] = []
    demo_home = await export_subscribers_in_the_demo(messages)
    assert not demo_home.exists()  # the demo's home is gone ...
    folder = downloads if downloads_exists else workdir
    exported = list(folder.glob("subscribers-*.csv"))
    assert len(exported) == 1  # ... the export is not
    assert len(exported[0].read_text(encoding="utf-8").splitlines()) == 2001
    told = [m.notification.message for m in messages if isinstance(m, Notify)]
    assert f"exported 2,000 rows to {exported[0]}" in told
