"""Building blocks of the lists that page through a VK list by offset (members, wall posts, dialogs).

`OffsetPlan` hands out the offsets of pages `step` apart, each once, whichever worker thread asks: an
answer may call for more pages (the list grew, or the last page came back full). `bridge_gaps` closes the
holes `Coverage` finds between pages that drifting offsets (items leaving mid-sync) pushed apart.
`page_items` counts a page's items for the progress figures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vksync_tui.sync.coverage import Coverage
from vksync_tui.sync.engine import Chunk, FetchReport
from vksync_tui.sync.events import Notice, ProgressReporter
from vksync_tui.sync.figures import RunFigures
from vksync_tui.vk.execute import Projected

# Rounds of bridge pages before a list gives up on its remaining gaps: each round reaches four times further
# back (`Coverage.bridge_offsets`), so twelve reach past any drift a sync can meet.
MAX_BRIDGE_ROUNDS = 12


class OffsetPlan:
    """The offsets planned so far: 0, step, 2·step, … up to `end` (excluded), each handed out once."""

    def __init__(self, step: int) -> None:
        self.step = step
        self._end = 0
        self._lock = threading.Lock()

    @property
    def end(self) -> int:
        """Where the next page would start: every offset below it is planned."""
        with self._lock:
            return self._end

    def until(self, end_index: int) -> list[int]:
        """The offsets not planned yet of the pages that start before `end_index`."""
        with self._lock:
            start = self._end
            while self._end < end_index:
                self._end += self.step
            return list(range(start, self._end, self.step))

    def more(self, pages: int) -> list[int]:
        """The offsets of the next `pages` pages."""
        with self._lock:
            start = self._end
            self._end += pages * self.step
            return list(range(start, self._end, self.step))


@dataclass(frozen=True)
class Bridging:
    """How bridging ended: `rounds` of bridge pages fetched, `unclosed` gaps left open (see `bridge_gaps`)."""

    rounds: int
    unclosed: int


@dataclass
class BridgedFigures(RunFigures):
    """The figures of a list whose pages `Coverage` proves complete: pages, bridge rounds, gaps left open."""

    pages: int | None = None
    bridge_rounds: int | None = None
    unclosed_gaps: int = 0

    def bridged(self, coverage: Coverage, bridging: Bridging) -> None:
        self.pages = coverage.pages
        self.bridge_rounds = bridging.rounds
        self.unclosed_gaps = bridging.unclosed


def bridge_gaps(
    coverage: Coverage,
    report: FetchReport,
    fetch_bridge: Callable[[list[int]], FetchReport],
    cancel: threading.Event,
    reporter: ProgressReporter,
    what: str,
) -> Bridging:
    """Fetch bridge pages (`fetch_bridge(offsets)`, one round at a time) until `coverage` has no gap.

    `report` is the fetch's. Bridging stops without counting gaps as unclosed when a round has chunks no
    token could fetch (they make the run incomplete already) or the run is cancelled; it gives up on the
    gaps still open when VK refused a page (it would refuse the bridges too) or after `MAX_BRIDGE_ROUNDS`
    rounds, which `what` ("the wall") names in a warning.
    """
    rounds = 0
    while not report.failed and not cancel.is_set():
        offsets = coverage.bridge_offsets()
        if not offsets:
            break
        if report.rejected:
            return Bridging(rounds, len(offsets))
        if rounds == MAX_BRIDGE_ROUNDS:
            reporter.emit(Notice("warning", f"{what} still has {len(offsets)} unproven gap(s)"))
            return Bridging(rounds, len(offsets))
        rounds += 1
        report = fetch_bridge(offsets)
    return Bridging(rounds, 0)


def page_items(chunk: Chunk, value: Any) -> int:
    """A page's items (a job's `count_items`): a projected page's length, else its `items` list's."""
    if isinstance(value, Projected):
        return value.length
    return len(value.get("items", ())) if isinstance(value, dict) else 0
