"""Proof that a paged fetch of an id-sorted list saw every id that stayed in the list: offset-drift safety.

VK's `groups.getMembers` pages are slices of the member list sorted by id, addressed by offset. While a sync
runs, members leave (every later offset shifts down, so a page can start past ids the previous page never
reached) and join (later offsets shift up: duplicates, and the last page may come back full). Pages fetched
at different moments therefore do not line up, and a member who stayed the whole time could be skipped.

The tracker turns each page into the id interval it proves complete: a page that started at offset 0 covers
everything below its last id; a page shorter than requested reached the end of the list, so it covers
everything above its first id; any page covers [first id, last id] — every member in that range at the
moment of the fetch is in the page. If the union of the intervals is the whole id line, every member present
throughout the sync was seen. Otherwise each hole (a, b) is bridged by fetching a page that starts a little
before where `a` was, reaching back further each time the same hole stays open.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

INFINITY = math.inf


@dataclass(frozen=True)
class PageSpan:
    """What one fetched page proves: ids in [low, high] are complete; `end_index` = list index of `high`."""

    offset: int
    low: float
    high: float
    end_index: int


@dataclass(frozen=True)
class Gap:
    """Ids strictly between `after` and `before` may be missing; `index_hint` = where `after` was seen."""

    after: float
    before: float
    index_hint: int


class Coverage:
    """Thread-safe collector of page spans; `gaps()` and `bridge_offsets()` after a fetch round."""

    def __init__(self, overlap: int) -> None:
        self._overlap = max(1, overlap)
        self._lock = threading.Lock()
        self._spans: list[PageSpan] = []
        self._bridge_attempts: dict[float, int] = {}

    def add_page(self, offset: int, requested: int, ids: list[int]) -> PageSpan | None:
        """Record a page of ids in list order (ascending) and return what it proves; an empty page proves
        nothing and is skipped (None)."""
        if not ids:
            return None
        low = -INFINITY if offset == 0 else ids[0]
        high = INFINITY if len(ids) < requested else ids[-1]
        span = PageSpan(offset, low, high, offset + len(ids) - 1)
        with self._lock:
            self._spans.append(span)
        return span

    @property
    def pages(self) -> int:
        with self._lock:
            return len(self._spans)

    def gaps(self) -> list[Gap]:
        """The holes in the union of the spans (an empty tracker has one: the whole line)."""
        with self._lock:
            spans = sorted(self._spans, key=lambda span: span.low)
        gaps: list[Gap] = []
        covered_to = -INFINITY
        covered_index = 0
        for span in spans:
            if span.low > covered_to + 1:  # ids are integers: only a difference above 1 leaves room for one
                gaps.append(Gap(covered_to, span.low, covered_index))
            if span.high > covered_to:
                covered_to, covered_index = span.high, span.end_index
        if covered_to < INFINITY:
            gaps.append(Gap(covered_to, INFINITY, covered_index))
        return gaps

    def bridge_offsets(self) -> list[int]:
        """One offset per gap: `overlap × 4^k` positions before its `after` id (k = earlier tries)."""
        offsets = set()
        for gap in self.gaps():
            if gap.after == -INFINITY:
                offsets.add(0)
                continue
            with self._lock:
                attempt = self._bridge_attempts.get(gap.after, 0)
                self._bridge_attempts[gap.after] = attempt + 1
            offsets.add(max(0, gap.index_hint - self._overlap * 4**attempt))
        return sorted(offsets)
