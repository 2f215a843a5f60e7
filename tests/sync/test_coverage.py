"""The offset-drift proof: which id ranges a set of pages covers, and where bridging pages must go."""

from __future__ import annotations

from vksync_tui.sync.coverage import INFINITY, Coverage, Gap


def pages_of(ids: list[int], offsets: list[int], size: int) -> list[tuple[int, list[int]]]:
    return [(offset, ids[offset : offset + size]) for offset in offsets]


def test_overlapping_pages_of_a_still_list_cover_everything() -> None:
    ids = list(range(100, 400, 3))  # 100 members
    coverage = Coverage(overlap=2)
    for offset, page in pages_of(ids, [0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96], 10):
        coverage.add_page(offset, 10, page)
    assert coverage.gaps() == [] and coverage.bridge_offsets() == []


def test_members_leaving_between_two_fetches_open_a_gap_that_a_bridge_closes() -> None:
    ids = list(range(1, 41))
    coverage = Coverage(overlap=2)
    coverage.add_page(0, 10, ids[0:10])  # ids 1..10, fetched first
    del ids[2:6]  # four members below the boundary leave before the next page is fetched
    coverage.add_page(8, 10, ids[8:18])  # now starts at id 13: ids 11 and 12 were never seen
    coverage.add_page(16, 10, ids[16:26])
    coverage.add_page(24, 10, ids[24:34])
    coverage.add_page(32, 10, ids[32:42])  # a short page: the end of the list
    gaps = coverage.gaps()
    assert gaps == [Gap(10, 13, 9)]
    assert coverage.bridge_offsets() == [7]  # 2 positions before where id 10 was
    coverage.add_page(7, 10, ids[7:17])  # today offset 7 holds id 12: id 11 is still unproven
    assert coverage.gaps() == [Gap(10, 12, 9)]
    assert coverage.bridge_offsets() == [1]  # the same gap again: 2 × 4 positions back
    coverage.add_page(1, 10, ids[1:11])
    assert coverage.gaps() == []


def test_a_full_last_page_leaves_the_top_open_and_a_missing_first_page_the_bottom() -> None:
    coverage = Coverage(overlap=1)
    coverage.add_page(9, 10, list(range(50, 60)))
    assert coverage.gaps() == [Gap(-INFINITY, 50, 0), Gap(59, INFINITY, 18)]
    assert coverage.bridge_offsets() == [0, 17]


def test_repeated_tries_at_the_same_gap_reach_further_back() -> None:
    coverage = Coverage(overlap=4)
    coverage.add_page(0, 10, list(range(1, 11)))
    coverage.add_page(100, 10, list(range(500, 505)))
    assert coverage.bridge_offsets() == [5]
    assert coverage.bridge_offsets() == [0]  # 9 - 4 × 4
