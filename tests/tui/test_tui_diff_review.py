"""Diff review: totals, keyset pages from SQL, search, leave pending, and the threshold-abort view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import DataTable, Input, Label

from tests.helpers.tui import GROUP_ID, open_review, screen_text, settle, visible
from tests.helpers.tui_seed import seed_pending
from vksync_tui.store.models import PendingDiff, User, database_proxy
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.diff_pages import diff_page
from vksync_tui.tui.lists import pending_diff
from vksync_tui.tui.screens.diff_review import PROFILES_HINT, DiffReviewScreen, ThresholdAbort


def table_ids(screen: DiffReviewScreen, kind: str) -> list[int]:
    table = screen.query_one(f"#table-{kind}", DataTable)
    return [int(table.get_row_at(row)[0]) for row in range(table.row_count)]


async def test_pages_come_from_sql_and_escape_leaves_the_diff_pending(
    make_app: Callable[..., VkSyncApp],
) -> None:
    app = make_app()
    run_id = seed_pending(joined=250, left=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        assert table_ids(screen, "joined") == list(range(100_001, 100_101))
        assert table_ids(screen, "left") == list(range(1, 31))
        text = screen_text(app)
        assert "joined +250" in text and "left −30" in text and "verified still members 3" in text
        assert "threshold 95%" in text
        assert "rows 1–100 of 250" in str(screen.query_one("#diff-pager", Label).render())

        await pilot.press("pagedown")
        await settle(app, pilot)
        assert table_ids(screen, "joined") == list(range(100_101, 100_201))
        await pilot.press("pagedown", "pagedown")
        await settle(app, pilot)
        assert table_ids(screen, "joined") == list(range(100_201, 100_251))
        await pilot.press("pageup")
        await settle(app, pilot)
        assert table_ids(screen, "joined") == list(range(100_101, 100_201))

        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is app.dashboard
    assert PendingDiff.get_by_id(run_id).joined == 250


async def test_search_filters_both_lists_by_name_or_id(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    seed_pending(joined=250, left=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        app.focused.value = "Name1000"
        await settle(app, pilot)
        # Name100001 .. Name100009 and Name100010 .. Name100099 contain "Name1000"; 100100+ do not.
        assert table_ids(screen, "joined") == list(range(100_001, 100_100))
        assert table_ids(screen, "left") == []
        app.focused.value = "17"
        await settle(app, pilot)
        assert table_ids(screen, "left") == [17]


async def test_threshold_abort_shows_figures_and_nothing_to_confirm(
    make_app: Callable[..., VkSyncApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.push_review(212345678, None, ThresholdAbort(expected=5000, fetched=4100, threshold=0.95))
        await settle(app, pilot)
        assert isinstance(app.screen, DiffReviewScreen)
        text = screen_text(app)
        assert "stopped by the safety threshold" in text
        assert "expected 5,000 · fetched 4,100 (82.00%)" in text and "below the 95% threshold" in text
        assert "Nothing was changed" in text
        assert not app.screen.query(DataTable)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, DiffReviewScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is app.dashboard


async def test_search_finds_cyrillic_names_in_any_letter_case(make_app: Callable[..., VkSyncApp]) -> None:
    """SQLite's LIKE folds only ASCII case: "иван" must still find "Иван" (most names in a VK community)."""
    make_app()
    seed_pending(joined=5, left=0)
    with database_proxy.connection_context():
        User.update(first_name="Иван", last_name="Петров").where(User.id == 100_002).execute()
        run_id = PendingDiff.select(PendingDiff.run_id).scalar()
        for needle in ("иван", "ПЕТРОВ", "иван петр"):
            assert [row.user_id for row in diff_page(run_id, "joined", search=needle).rows] == [100_002]


async def test_applying_a_diff_that_is_gone_says_so_and_leaves_the_writer_healthy(
    make_app: Callable[..., VkSyncApp],
) -> None:
    """Another process (`vksync-tui diff discard`) dropped the diff while it was on screen."""
    app = make_app()
    seed_pending(joined=5, left=2)
    messages: list[Message] = []
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await open_review(app, pilot)
        with database_proxy.connection_context():
            PendingDiff.delete().execute()
        await pilot.press("y")
        await settle(app, pilot)
        app.context.writer.flush()  # a failed write job would be raised here, and by every later sync's flush
    errors = [m.notification.message for m in messages if isinstance(m, Notify)]
    assert errors[-1] == "no pending diff for community 212345678: run `sync subscribers` first"


async def test_escape_in_the_search_box_goes_back_to_the_list(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    seed_pending(joined=250, left=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        await pilot.press("slash", *"Name1000")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and app.focused is screen.query_one("#table-joined", DataTable)
        assert table_ids(screen, "joined") == list(range(100_001, 100_100))  # the search still applies
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is app.dashboard


async def test_a_diff_with_only_leavers_opens_on_the_left_list(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    seed_pending(joined=0, left=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        assert screen.active_kind == "left"
        assert app.focused is screen.query_one("#table-left", DataTable)
        assert "left: rows 1–30 of 30" in str(screen.query_one("#diff-pager", Label).render())


async def test_a_threshold_abort_offers_no_key_to_confirm(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.push_review(212345678, None, ThresholdAbort(expected=5000, fetched=4100, threshold=0.95))
        await settle(app, pilot)
        footer = " ".join(visible(app).splitlines()[-2:])
        assert "Leave pending" in footer
        for offered in ("Apply", "Discard", "Next page", "Search"):
            assert offered not in footer


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_the_missing_profiles_hint_is_read_whole(
    make_app: Callable[..., VkSyncApp], size: tuple[int, int]
) -> None:
    app = make_app()
    seed_pending(joined=5, left=2)
    with database_proxy.connection_context():
        pending = replace(pending_diff(GROUP_ID), profiles_missing=True)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        app.push_review(GROUP_ID, pending, None)
        await settle(app, pilot)
        words = " ".join(visible(app).split())
        assert PROFILES_HINT in words
