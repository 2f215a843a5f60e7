"""The paging building blocks every offset-paged list shares: the offset plan and gap bridging."""

from __future__ import annotations

import threading

from vksync_tui.sync.coverage import Coverage
from vksync_tui.sync.engine import Chunk, FailedChunk, FetchReport
from vksync_tui.sync.events import Notice, ProgressReporter, SyncEvent, discard
from vksync_tui.sync.paging import MAX_BRIDGE_ROUNDS, Bridging, OffsetPlan, bridge_gaps
from vksync_tui.vk.execute import ApiCall


def test_the_offset_plan_hands_out_every_offset_once_to_racing_threads() -> None:
    plan = OffsetPlan(step=98)
    handed: list[list[int]] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        handed.append([*plan.until(50_000), *plan.more(3), *plan.until(60_000)])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    offsets = sorted(offset for some in handed for offset in some)
    assert offsets == list(range(0, plan.end, 98)) and plan.end >= 60_000


def gapped_coverage() -> Coverage:
    """Ids 1..10 from the first page and 500..505 from the last: the ids between them are unproven."""
    coverage = Coverage(overlap=2)
    coverage.add_page(0, 10, list(range(1, 11)))
    coverage.add_page(100, 10, list(range(500, 506)))
    return coverage


def test_bridging_closes_a_gap_with_the_pages_it_asks_for() -> None:
    coverage = gapped_coverage()
    asked: list[list[int]] = []

    def fetch(offsets: list[int]) -> FetchReport:
        asked.append(offsets)
        coverage.add_page(offsets[0], 100, list(range(9, 501)))
        return FetchReport()

    result = bridge_gaps(coverage, FetchReport(), fetch, threading.Event(), ProgressReporter(discard), "x")
    assert result == Bridging(rounds=1, unclosed=0) and asked == [[7]]


def test_bridging_gives_up_after_its_rounds_with_a_warning() -> None:
    events: list[SyncEvent] = []
    rounds: list[list[int]] = []

    def fetch(offsets: list[int]) -> FetchReport:
        rounds.append(offsets)
        return FetchReport()

    reporter = ProgressReporter(events.append)
    result = bridge_gaps(gapped_coverage(), FetchReport(), fetch, threading.Event(), reporter, "the wall")
    assert result == Bridging(rounds=MAX_BRIDGE_ROUNDS, unclosed=1) and len(rounds) == MAX_BRIDGE_ROUNDS
    assert events == [Notice("warning", "the wall still has 1 unproven gap(s)")]


def test_bridging_stops_at_a_page_vk_refused_and_at_a_page_no_token_fetched() -> None:
    chunk = Chunk("page@100", ApiCall("wall.get", {}))
    refused = FetchReport(rejected=[FailedChunk(chunk, "access denied")])
    lost = FetchReport(failed=[FailedChunk(chunk, "every eligible token failed these calls")])

    def fetch(offsets: list[int]) -> FetchReport:
        raise AssertionError("no bridge is fetched")

    reporter = ProgressReporter(discard)
    assert bridge_gaps(gapped_coverage(), refused, fetch, threading.Event(), reporter, "x") == Bridging(0, 1)
    assert bridge_gaps(gapped_coverage(), lost, fetch, threading.Event(), reporter, "x") == Bridging(0, 0)
