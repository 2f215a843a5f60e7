"""Regenerate the README screenshots from the demo world: `python -m vksync_tui.tui.screenshots screenshots`.

Runs the real app headless (`run_test(size=(120, 36))`) on the in-process emulator, drives it like an
operator who has synced the community daily for a week would: the baseline sync and a subscribers sync
after churn on each of the last days (their diffs applied with the session's wall clock set to that day, so
the history has days), the quick lists, the long interactions sync caught mid-run and cancelled, today's
churn and the review it opens (with the profiles of its people fetched, `f`), settings after a token check:
`dashboard.svg`, `sync-panel.svg`, `diff-review.svg` and `settings.svg`. Then it applies today's diff, syncs
the interactions of the newest posts only (the whole wall takes minutes) and saves every list screen
(`list-<name>.svg`) and the subscribers history plot (`history-plot.svg`). Tokens appear masked only, as
everywhere in the app.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import sys
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.demo import DemoEnvironment, demo_environment
from vksync_tui.tui.jobs import JobKey
from vksync_tui.tui.listview import SPECS, ListScreen, open_list_screen
from vksync_tui.tui.listview.plot import HistoryScreen
from vksync_tui.tui.screens.diff_review import DiffReviewScreen

SIZE = (120, 36)
POLL_SECONDS = 0.1
# Lists synced for the dashboard picture; interactions (minutes on the demo world) is the one shown mid-run.
QUICK_LISTS = ("profiles", "posts", "authors", "mailing", "mailing-analysis")
# Posts whose likes, comments and reposts the interactions list screen shows (seconds, not minutes).
INTERACTION_POSTS = 25
DAYS_OF_HISTORY = 6  # subscribers synced (after churn) once a day before today
DAY = 86_400


async def settle(app: VkSyncApp, pilot: Pilot[int]) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot: Pilot[int], condition: Callable[[], bool], what: str, *, limit: float = 300.0) -> None:
    """Poll a condition between UI turns (a script, not a test: there is nothing to await for "halfway")."""
    waited = 0.0
    while not condition():
        if waited > limit:
            raise TimeoutError(f"gave up waiting for {what}")
        await pilot.pause(POLL_SECONDS)
        waited += POLL_SECONDS


async def take_screenshots(out_dir: Path, demo: DemoEnvironment) -> list[Path]:
    app = VkSyncApp(demo.home, demo=demo)
    saved: list[Path] = []

    def save(name: str) -> None:
        saved.append(Path(app.save_screenshot(filename=name, path=str(out_dir))))

    async def sync(list_name: str) -> None:
        app.action_sync(list_name)
        await settle(app, pilot)

    async def sync_and_apply(days_ago: int) -> None:
        """A subscribers sync whose diff is applied as on that day (the stored events carry its date)."""
        await sync("subscribers")
        await until(pilot, lambda: isinstance(app.screen, DiffReviewScreen), "the review")
        today = time.time()
        app.context.wall_clock = lambda: today - days_ago * DAY
        await pilot.press("y")
        await settle(app, pilot)
        app.context.wall_clock = time.time

    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await sync_and_apply(DAYS_OF_HISTORY + 1)
            for days_ago in range(DAYS_OF_HISTORY, 0, -1):
                demo.churn(demo.group_id)
                await sync_and_apply(days_ago)
            for list_name in QUICK_LISTS:
                await sync(list_name)
            app.action_clear_finished()

            interactions = JobKey("interactions", demo.group_id)
            app.action_sync("interactions")
            await until(pilot, lambda: _under_way(app, interactions), "the interactions sync to get going")
            app.dashboard.query_one(f"#panel-{interactions.slug}").focus()
            await pilot.pause()
            save("sync-panel.svg")
            app.cancel_job(interactions)
            await settle(app, pilot)
            app.action_clear_finished()

            demo.churn(demo.group_id)
            await sync("subscribers")
            await until(pilot, lambda: isinstance(app.screen, DiffReviewScreen), "the churn review")
            await settle(app, pilot)
            await pilot.press("f")  # today's joiners are new to the store: fetch their profiles first
            profiles = JobKey("profiles", demo.group_id)
            await until(
                pilot,
                lambda: profiles in app.jobs and not app.jobs[profiles].view.running,
                "the profiles of the diff's people",
            )
            await settle(app, pilot)
            await pilot.press("tab")
            await settle(app, pilot)
            save("diff-review.svg")
            await pilot.press("escape")
            await settle(app, pilot)
            app.dashboard.query_one("#card-subscribers").focus()
            await settle(app, pilot)
            save("dashboard.svg")

            app.action_check_tokens()
            await settle(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            save("settings.svg")
            await pilot.press("f3")
            await settle(app, pilot)

            app.action_review_diff()
            await until(pilot, lambda: isinstance(app.screen, DiffReviewScreen), "the churn review again")
            await pilot.press("y")
            await settle(app, pilot)
            app.action_sync("interactions", posts=INTERACTION_POSTS)
            await settle(app, pilot)
            for list_name in SPECS:
                await show_list(app, pilot, list_name, demo.group_id)
                save(f"list-{list_name}.svg")
                if list_name == "subscribers":
                    await pilot.press("p")
                    await until(pilot, lambda: _plot_drawn(app), "the history plot")
                    await settle(app, pilot)
                    save("history-plot.svg")
                    await pilot.press("escape")
                await pilot.press("escape")
                await settle(app, pilot)
            await pilot.press("ctrl+q")
    finally:
        app.close()
    return saved


async def show_list(app: VkSyncApp, pilot: Pilot[int], list_name: str, group_id: int) -> None:
    """Open a list screen and wait until its count and first screenful are there, cursor a few rows down."""
    open_list_screen(app, list_name, group_id)
    await until(pilot, lambda: isinstance(app.screen, ListScreen) and app.screen.total is not None, list_name)
    screen = app.screen
    assert isinstance(screen, ListScreen)
    await asyncio.to_thread(screen.reader.wait_idle)
    await settle(app, pilot)
    await pilot.press("down", "down")
    await asyncio.to_thread(screen.reader.wait_idle)
    await settle(app, pilot)


def _plot_drawn(app: VkSyncApp) -> bool:
    screen = app.screen
    return isinstance(screen, HistoryScreen) and screen.loaded


def _under_way(app: VkSyncApp, key: JobKey) -> bool:
    """A fifth of a real phase done (recon is a single call): a picture with figures in every line."""
    job = app.jobs.get(key)
    if job is None or not job.view.running:
        return job is not None
    progress = job.view.progress
    total = progress.chunks_total or 0
    return progress.phase != "recon" and total > 1 and progress.chunks_done * 5 >= total


def check_no_secret(saved: list[Path], secrets: list[str]) -> None:
    """Refuse pictures that show a whole token (the app masks every one; this proves it for the pictures)."""
    for path in saved:
        text = html.unescape(path.read_text(encoding="utf-8")).replace("\xa0", " ")
        if any(secret in text for secret in secrets):
            path.unlink()
            raise RuntimeError(f"{path.name} shows an unmasked token; removed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder for the SVG files (created if missing)")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with demo_environment() as demo:
        saved = asyncio.run(take_screenshots(args.out_dir, demo))
        secrets = [info.token for info in demo.emulator.world.tokens]
    check_no_secret(saved, secrets)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
