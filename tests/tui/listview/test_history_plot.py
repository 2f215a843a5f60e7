"""The subscribers history plot: a readable state for a history of one day, integer axes and dates on x."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Label
from textual_plotext import PlotextPlot

from tests.helpers.bigstore import GROUP_ID
from tests.helpers.list_screens import SIZE, ListHost, settle
from vksync_tui.store.db import open_database
from vksync_tui.store.models import MembershipEvent
from vksync_tui.tui.listview.plot import HistoryScreen

HostFactory = Callable[..., ListHost]
DAY = 86_400
START = 1_735_689_600  # 2025-01-01T00:00:00Z


def store_with_events(path: Path, members: int, events: list[tuple[int, str, int]]) -> Path:
    """`members` current members (ids 1…), plus (user id, kind, day number) events."""
    db = open_database(path)
    with db.atomic():
        db.execute_sql(
            "INSERT INTO membership (community_id, user_id, is_current, first_seen) "
            "WITH RECURSIVE ids(uid) AS (SELECT 1 UNION ALL SELECT uid + 1 FROM ids WHERE uid < ?) "
            "SELECT ?, uid, 1, ? FROM ids",
            [members, GROUP_ID, START],
        )
        for uid, kind, day in events:
            MembershipEvent.create(community_id=GROUP_ID, user_id=uid, kind=kind, at=START + day * DAY + 3600)
    db.close()
    return path


async def open_history(app: ListHost, pilot: Pilot[None]) -> HistoryScreen:
    """`p` on the subscribers list, once the history is read and drawn."""
    await settle(pilot)
    await pilot.press("p")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, HistoryScreen) and screen.loaded
    return screen


async def test_one_day_of_history_is_told_not_plotted(host: HostFactory, tmp_path: Path) -> None:
    events = [(uid, "join", 0) for uid in range(1, 151)] + [(uid, "leave", 0) for uid in range(1000, 1120)]
    app = host(store_with_events(tmp_path / "one-day.db", 150_045, events), "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        status = str(screen.query_one("#history-status", Label).render())
        assert status.startswith("Only one day of history so far (2025-01-01): 150 joined, 120 left")
        assert "150,045 members now" in status
        assert not any(plot.display for plot in screen.query(PlotextPlot))


async def test_axes_are_integers_and_x_shows_dates(host: HostFactory, tmp_path: Path) -> None:
    events = [(uid, "join", uid % 5) for uid in range(1, 301)] + [
        (uid, "leave", 2) for uid in range(500, 560)
    ]
    app = host(store_with_events(tmp_path / "days.db", 150_045, events), "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        drawn = "\n".join(plot.plt.build() for plot in screen.query(PlotextPlot).results(PlotextPlot))
        assert "150,045" in drawn or "150,000" in drawn
        assert ".0" not in drawn
        assert "2025-01-01" in drawn and "2025-01-05" in drawn
