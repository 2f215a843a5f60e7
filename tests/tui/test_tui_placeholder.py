"""A person whose profile was never fetched reads the same on every screen and in the CLI."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable, Static

from tests.helpers.tui import GROUP_ID, settle
from tests.helpers.tui_seed import seed_members, seed_pending
from vksync_tui.cli import main
from vksync_tui.home import Home
from vksync_tui.store.models import User, database_proxy
from vksync_tui.sync.names import NO_PROFILE
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.listview import ListScreen
from vksync_tui.tui.screens.diff_review import DiffReviewScreen


async def test_lists_review_and_detail_name_an_unfetched_profile_alike(
    make_app: Callable[..., VkSyncApp],
) -> None:
    app = make_app()
    seed_members(20)  # members without any profile row
    seed_pending(joined=3, left=0)
    with database_proxy.connection_context():
        User.delete().where(User.id == 100_002).execute()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.view_list("subscribers")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ListScreen)
        row = screen.table.row(0)
        assert row is not None and screen.table.cell_text(row, 1) == NO_PROFILE
        await pilot.press("d")
        await settle(app, pilot)
        assert "no stored profile" in str(screen.query_one("#detail-text", Static).render())
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, DiffReviewScreen)
        table = review.query_one("#table-joined", DataTable)
        assert [table.get_row_at(i)[1] for i in range(table.row_count)] == [
            "Name100001 Joiner",
            NO_PROFILE,
            "Name100003 Joiner",
        ]


def test_diff_show_names_an_unfetched_profile_alike(
    make_app: Callable[..., VkSyncApp], tui_home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app()
    seed_pending(joined=2, left=0)
    with database_proxy.connection_context():
        User.delete().where(User.id == 100_002).execute()
    app.close()
    assert main(["--home", str(tui_home.root), "diff", "show", "--group", str(GROUP_ID)]) == 0
    out = capsys.readouterr().out
    assert f"  100002  {NO_PROFILE}" in out and "  100001  Name100001 Joiner" in out
