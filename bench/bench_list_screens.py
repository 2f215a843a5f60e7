"""List screens at 1,000,000 rows: time to open each screen and to jump to its last row, headless.

    .venv/bin/python bench/bench_list_screens.py            # builds a 1M-row store per list in a temp dir
    .venv/bin/python bench/bench_list_screens.py --db PATH  # reuse a store built by an earlier run (--keep)

"mount" = from pushing the screen until it is mounted (Textual: compose, CSS, layout — no database work);
"open" = from pushing the screen until the row count is shown and the first screenful of rows is drawn;
"end" = from pressing `end` until the last row is drawn. Both run through the real screen, reader thread and
Textual's headless driver (`run_test`), polling every 5 ms with `pilot.pause(delay)`: a bare `pilot.pause()`
or `pilot.press()` waits until the *process* looks idle (CPU time vs wall time, up to 1 s), which any
reader or worker thread defeats, so it would time Textual's test helper, not the screen. The key is posted
to the app as a real `Key` event instead. A second table, "rows s", is when the first screenful is drawn
(the screen shows it before the count arrives). The SQL parts are also timed alone:
count, first page, last page (read backwards from the end, no anchors needed) and the anchor pass that deep
jumps use (built in a worker after opening, never on the way to the first screen). Target: < 0.2 s each.
Absolute times on a shared 2-core VM vary a lot with the other load; run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.bigstore import GROUP_ID, StoreSize, build_store
from tests.helpers.list_screens import SIZE, ListHost
from vksync_tui.home import Home
from vksync_tui.tui.listview import SPECS, open_list_screen
from vksync_tui.tui.listview.query import ListQuery
from vksync_tui.tui.listview.reader import PAGE_SIZE
from vksync_tui.tui.listview.screen import ListScreen

MILLION = StoreSize(members=1_000_000, posts=1_000_000, interactions=1_000_000, authors=1_000_000)
TIMEOUT = 60.0
POLL_SECONDS = 0.005


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> float:
    start = time.perf_counter()
    while not condition():
        await pilot.pause(POLL_SECONDS)
        if time.perf_counter() - start > TIMEOUT:
            raise TimeoutError("the screen did not finish loading")
    return time.perf_counter() - start


async def screen_times(db_path: Path, home: Home, list_name: str) -> tuple[int, float, float, float, float]:
    app = ListHost(db_path, home, None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        started = time.perf_counter()
        open_list_screen(app, list_name, GROUP_ID)
        mounted = await until(pilot, lambda: isinstance(app.screen, ListScreen) and app.screen.is_mounted)

        def first_rows() -> bool:
            screen = app.screen
            assert isinstance(screen, ListScreen)
            table = screen.table
            return screen.total == 0 or table.row(min(table.total, table.visible_rows) - 1) is not None

        await until(pilot, first_rows)
        rows_shown = time.perf_counter() - started
        await until(pilot, lambda: isinstance(app.screen, ListScreen) and app.screen.total is not None)
        await until(pilot, first_rows)
        opening = time.perf_counter() - started
        screen = app.screen
        assert isinstance(screen, ListScreen) and screen.total is not None
        total = screen.total
        started = time.perf_counter()
        app.post_message(events.Key("end", None))
        await until(pilot, lambda: total == 0 or screen.table.row(total - 1) is not None)
        ending = time.perf_counter() - started
        await app.workers.wait_for_complete()
    app.db.close()
    return total, mounted, opening, ending, rows_shown


def sql_times(list_name: str) -> tuple[float, float, float, float]:
    query = ListQuery(SPECS[list_name], GROUP_ID)
    count = query.count()
    return (
        timed(query.count),
        timed(lambda: query.page(0, PAGE_SIZE, total=count)),
        timed(lambda: query.page(max(0, count - PAGE_SIZE), PAGE_SIZE, total=count)),
        timed(query.anchors),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="an existing store built by this script")
    parser.add_argument("--keep", type=Path, help="build the store at this path and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or args.keep or Path(tmp) / "vksync.db"
        if args.db is None:
            print(f"building a store with {MILLION} …", flush=True)
            print(f"  built in {timed(lambda: build_store(db_path, MILLION)):.1f} s", flush=True)
        home = Home(Path(tmp) / "home").ensure()
        load = " / ".join(f"{figure:.2f}" for figure in os.getloadavg())
        print(f"load average (1/5/15 min) before the screens: {load} on {os.cpu_count()} cores", flush=True)
        first_rows: dict[str, float] = {}
        print(
            f"{'list':18} {'rows':>10} {'mount s':>8} {'open s':>8} {'end s':>8} "
            f"{'count s':>8} {'page0 s':>8} {'last s':>8} {'anchors s':>9}"
        )
        for list_name in SPECS:
            total, mounted, opening, ending, first_rows[list_name] = asyncio.run(
                screen_times(db_path, home, list_name)
            )
            count, first, last, anchors = sql_times(list_name)
            print(
                f"{list_name:18} {total:>10,} {mounted:>8.3f} {opening:>8.3f} {ending:>8.3f} "
                f"{count:>8.3f} {first:>8.3f} {last:>8.3f} {anchors:>9.3f}",
                flush=True,
            )
        print(f"first screenful drawn (before the count arrives) — {'list':18} {'rows s':>8}")
        for list_name, seconds in first_rows.items():
            print(f"  first rows: {list_name:18} {seconds:>8.3f}")


if __name__ == "__main__":
    main()
