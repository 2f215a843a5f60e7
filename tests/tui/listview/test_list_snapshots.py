"""Snapshots of every list screen and of the subscribers history plot (fixed store seed, size and clock)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.helpers.list_screens import SIZE, ListHost, settle
from vksync_tui.tui.listview import SPECS

HostFactory = Callable[..., ListHost]


def settled(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("list_name", sorted(SPECS))
def test_list_screen_snapshot(
    snap_compare: Any, host: HostFactory, small_store: Path, list_name: str
) -> None:
    app = host(small_store, list_name)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("down", "down"))


def test_history_plot_snapshot(snap_compare: Any, host: HostFactory, small_store: Path) -> None:
    app = host(small_store, "subscribers")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
