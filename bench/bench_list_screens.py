"""List screens at 1,000,000 rows: time to open each screen and to jump to its last row, headless.

    .venv/bin/python bench/bench_list_screens.py            # builds a 1M-row store per list in a temp dir
    .venv/bin/python bench/bench_list_screens.py --db PATH  # reuse a store built by an earlier run (--keep)

"mount" = from pushing the screen until it is mounted (Textual: compose, CSS, layout — no database work);
"open" = from pushing the screen until the row count is shown and the first screenful of rows is drawn;
"end" = from pressing `end` until the last row is drawn. Both run through the real screen, reader thread and
Textual's headless driver (`run_test`), polling with `pilot.pause()`. The SQL parts are also timed alone:
count, first page, last page (read backwards from the end, no anchors needed) and the anchor pass that deep
jumps use (built in a worker after opening, never on the way to the first screen). Target: < 0.2 s each.
Absolute times on a shared 2-core VM vary a lot with the other load; run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.tui_lists.bigstore import GROUP_ID, StoreSize, build_store
from tests.tui_lists.conftest import SIZE, ListHost
from vksync_tui.home import Home
from vksync_tui.tui.listview import SPECS, open_list_screen
from vksync_tui.tui.listview.query import ListQuery
from vksync_tui.tui.listview.reader import PAGE_SIZE
from vksync_tui.tui.listview.screen import ListScreen

MILLION = StoreSize(members=1_000_000, posts=1_000_000, interactions=1_000_000, authors=1_000_000)
TIMEOUT = 60.0


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> float:
    start = time.perf_counter()
    while not condition():
        await pilot.pause()
        if time.perf_counter() - start > TIMEOUT:
            raise TimeoutError("the screen did not finish loading")
    return time.perf_counter() - start


async def screen_times(db_path: Path, home: Home, list_name: str) -> tuple[int, float, float, float]:
    app = ListHost(db_path, home, None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        started = time.perf_counter()
        open_list_screen(app, list_name, GROUP_ID)
        mounted = await until(pilot, lambda: isinstance(app.screen, ListScreen) and app.screen.is_mounted)

        def opened() -> bool:
            screen = app.screen
            if not isinstance(screen, ListScreen) or screen.total is None:
                return False
            table = screen.table
            return screen.total == 0 or table.row(min(screen.total, table.visible_rows) - 1) is not None

        await until(pilot, opened)
        opening = time.perf_counter() - started
        screen = app.screen
        assert isinstance(screen, ListScreen) and screen.total is not None
        total = screen.total
        started = time.perf_counter()
        await pilot.press("end")
        await until(pilot, lambda: total == 0 or screen.table.row(total - 1) is not None)
        ending = time.perf_counter() - started
        await app.workers.wait_for_complete()
    app.db.close()
    return total, mounted, opening, ending


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
        print(
            f"{'list':18} {'rows':>10} {'mount s':>8} {'open s':>8} {'end s':>8} "
            f"{'count s':>8} {'page0 s':>8} {'last s':>8} {'anchors s':>9}"
        )
        for list_name in SPECS:
            total, mounted, opening, ending = asyncio.run(screen_times(db_path, home, list_name))
            count, first, last, anchors = sql_times(list_name)
            print(
                f"{list_name:18} {total:>10,} {mounted:>8.3f} {opening:>8.3f} {ending:>8.3f} "
                f"{count:>8.3f} {first:>8.3f} {last:>8.3f} {anchors:>9.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
