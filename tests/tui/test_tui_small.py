"""At 80×24: the running sync's panel is in view without scrolling, cards never cut a figure, and the token
table keeps what says whether a token works."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Button, TabbedContent

from tests.helpers.tui import open_settings, settle, visible
from tests.helpers.tui_jobs import feed_job, finished_run, subscribers_fetching
from tests.helpers.tui_seed import seed_run
from vksync_tui.sync.events import Notice, RunTotals, SyncEvent
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.widgets.sync_panel import SyncPanel

SMALL = (80, 24)


def running_subscribers() -> list[SyncEvent]:
    return subscribers_fetching(
        200_000, 8, 4, requests=4, requests_per_second=3.0, ceiling_rps=32.0, eta_seconds=4.0,
        run=RunTotals(5, 0, 0),
    )


async def test_the_running_sync_is_in_view_at_80x24(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await feed_job(app, pilot, "posts", finished_run("posts"))
        key = await feed_job(app, pilot, "subscribers", running_subscribers())
        await settle(app, pilot)
        panel = app.dashboard.query_one(f"#panel-{key.slug}", SyncPanel)
        body = app.dashboard.query_one("#dashboard-body")
        assert body.scroll_y == 0
        assert body.region.contains_region(panel.region), (body.region, panel.region)
        shown = visible(app)
        for line in (
            "status running",
            "100,000/200,000 member ids",
            "now: fetch 3.0 rps of 32.0 ceiling",
            "tokens",
        ):
            assert line in shown


async def test_cards_never_cut_the_fetched_figure(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    seed_run("subscribers", "applied", expected=100_000, fetched=100_000, figures={})
    seed_run("posts", "done", expected=1_234_567, fetched=1_234_560, figures={})
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        shown = visible(app)
        assert "100,000/100,000 fetched" in shown or "100k/100k fetched" in shown
        assert "1.2M/1.2M fetched" in shown


async def test_the_token_table_keeps_status_and_last_error_at_80_columns(
    make_app: Callable[..., VkSyncApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_settings(app, pilot)
        header = next(line for line in visible(app).splitlines() if " label " in line)
        assert "status" in header and "last error" in header


async def test_every_settings_button_is_whole_at_80_columns(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        settings = await open_settings(app, pilot)
        for tab in ("tab-tokens", "tab-communities"):
            settings.query_one("#settings-tabs", TabbedContent).active = tab
            await settle(app, pilot)
            for button in settings.query_one(f"#{tab}").query(Button):
                assert str(button.label) in visible(app), f"{button.id} is cut at 80 columns"


async def test_a_narrow_panel_keeps_the_runs_warning_after_it_finished(
    make_app: Callable[..., VkSyncApp],
) -> None:
    warning = "no stored posts to scan: run the posts sync first"
    started, *rest = finished_run("interactions")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await feed_job(app, pilot, "interactions", [started, Notice("warning", warning), *rest])
        await settle(app, pilot)
        shown = " ".join(visible(app).split())
        assert "status done" in shown and warning in shown
