"""The dashboard: cards per list from the database, honest 'not available yet', too-small state."""

from __future__ import annotations

from collections.abc import Callable

from tests.helpers.tui import SECRETS, screen_text, settle
from tests.helpers.tui_seed import seed_members, seed_pending, seed_run
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.lists import registered_lists
from vksync_tui.tui.widgets.list_card import ListCard


async def test_cards_show_counts_last_run_and_pending_badge(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    seed_members(1234)
    seed_run("posts", "done", expected=3000, fetched=2990, figures={}, failed=["offset 200"])
    seed_pending(joined=5, left=2)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        subscribers = app.dashboard.query_one("#card-subscribers", ListCard)
        assert subscribers.status is not None and subscribers.status.rows == 1234
        assert subscribers.has_class("-pending")
        assert subscribers.status.pending is not None and subscribers.status.pending.joined == 5
        posts = app.dashboard.query_one("#card-posts", ListCard).status
        assert posts is not None and posts.last_run is not None
        assert posts.last_run.status == "done" and posts.last_run.failed_chunks == 1
        authors = app.dashboard.query_one("#card-authors", ListCard).status
        assert authors is not None and authors.last_run is None and authors.rows == 0


async def test_unregistered_lists_say_so_and_refuse_to_start(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    available = registered_lists()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        for card in app.dashboard.query(ListCard):
            assert card.status is not None
            assert card.status.available == (card.info.name in available)
            assert card.has_class("-unavailable") == (card.info.name not in available)
        unavailable = [card for card in app.dashboard.query(ListCard) if card.info.name not in available]
        if unavailable:
            app.action_sync(unavailable[0].info.name)
            await pilot.pause()
            assert not app.jobs


async def test_below_80x24_shows_too_small_instead_of_content(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(app, pilot)
        assert app.screen.has_class("-too-narrow")
        assert app.screen.query_one(".too-small").display
        assert not app.screen.query_one("#dashboard-body").display
        assert "Terminal too small" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert not app.screen.has_class("-too-narrow") and not app.screen.has_class("-too-short")
        assert app.screen.query_one("#dashboard-body").display
        assert "Terminal too small" not in screen_text(app)


async def test_screens_never_show_a_raw_token(make_app: Callable[..., VkSyncApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        shots = [screen_text(app)]
        await pilot.press("f2")
        await settle(app, pilot)
        shots.append(screen_text(app))
        for secret in SECRETS.values():
            assert all(secret not in shot for shot in shots)
        assert "vk1.a…0001" in shots[1]
