"""Pilot tests of the list screens: over 1,000,000 members, and after a real churned subscribers sync."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Static

from tests.helpers.bigstore import GROUP_ID
from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.list_runs import sync
from tests.helpers.list_screens import SIZE, ListHost, settle
from tests.helpers.tui import screen_text
from vksync_tui.sync import diff
from vksync_tui.sync.context import SyncContext
from vksync_tui.tui.listview import SPECS
from vksync_tui.tui.listview.query import ListQuery, ViewState
from vksync_tui.tui.listview.search_box import IdleSearchBox
from vksync_tui.tui.listview.table import fit_cell
from vksync_tui.tui.listview.title_line import TitleLine
from vksync_tui.tui.widgets.key_bar import KeyBar

HostFactory = Callable[..., ListHost]


def store_copy(store: Path, folder: Path) -> Path:
    """A copy of a session-wide store that a test may change."""
    copied = folder / "store.db"
    with sqlite3.connect(store) as source, sqlite3.connect(copied) as copy:
        source.backup(copy)
    return copied


def expected_ids(db_path: Path, list_name: str, state: ViewState | None = None) -> tuple[int, list[int]]:
    """(count, ids in view order) in one unpaged SQL statement: what every page of the screen must agree with.

    The filter clauses themselves are checked against hand-written SQL in test_list_query.py."""
    raw = sqlite3.connect(db_path)
    spec = SPECS[list_name]
    query = ListQuery(spec, GROUP_ID, state or ViewState())
    where = query.where
    direction = "DESC" if query.descending else "ASC"
    order = ", ".join(f"{expr} {direction}" for expr in query.order)
    sql = f"SELECT {spec.key[0]} FROM {spec.table} {spec.join} WHERE {where} ORDER BY {order}"
    ids = [row[0] for row in raw.execute(sql, query.params)]
    raw.close()
    return len(ids), ids


@pytest.mark.parametrize("list_name", sorted(SPECS))
async def test_each_screen_opens_over_a_million_member_store_and_pages_to_the_end_and_back(
    host: HostFactory, big_store: Path, list_name: str
) -> None:
    app = host(big_store, list_name)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        table = screen.table
        count, ids = expected_ids(big_store, list_name, screen.state)
        assert screen.total == table.total == count
        assert f"of {count:,}" in screen_text(app)
        visible = [table.row(i) for i in range(table.visible_rows)]
        assert [row[0] for row in visible if row is not None] == ids[: table.visible_rows]

        await pilot.press("end")
        await settle(pilot)
        last = table.row(count - 1)
        assert table.cursor_row == count - 1 and last is not None and last[0] == ids[-1]
        assert f"rows {count - table.visible_rows + 1:,}–{count:,} of {count:,}" in screen_text(app)

        await pilot.press("pageup", "pageup")
        await settle(pilot)
        assert table.row(table.cursor_row)[0] == ids[count - 1 - 2 * table.visible_rows]

        await pilot.press("home")
        await settle(pilot)
        assert table.cursor_row == 0 and table.row(0)[0] == ids[0]


async def test_deep_jump_uses_anchors_and_shows_the_right_rows(host: HostFactory, big_store: Path) -> None:
    app = host(big_store, "mailing")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        _, ids = expected_ids(big_store, "mailing", screen.state)
        await pilot.press("end")
        await settle(pilot)
        assert screen._anchors is None  # both ends are read without the anchor pass
        for target in (654_321, 999_999, 1_000):
            screen.table.go_to(target)
            await settle(pilot)
            assert screen.table.row(target)[0] == ids[target]
            assert screen._anchors is not None and len(screen._anchors) == 1_000


async def test_search_and_filters_give_the_rows_sql_says(host: HostFactory, big_store: Path) -> None:
    app = host(big_store, "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        screen.set_filter("status", "left")
        screen = await settle(pilot)
        count, ids = expected_ids(big_store, "subscribers", ViewState(choices={"status": "left"}))
        assert screen.total == count > 0 and screen.table.row(0)[0] == ids[0]

        await pilot.press("slash", *"joined:2025-03-01", "enter")
        screen = await settle(pilot)
        state = ViewState("joined:2025-03-01", {"status": "left"})
        count, ids = expected_ids(big_store, "subscribers", state)
        assert screen.state == ViewState("joined:2025-03-01", {"status": "left"})
        assert screen.total == count > 0
        assert [screen.table.row(i)[0] for i in range(min(count, 10))] == ids[:10]

        screen.query_one("#list-search").value = ""
        await pilot.press("slash", *"id700", "enter")
        screen = await settle(pilot)
        assert screen.total == 0  # 700 is a member id that never left
        screen.set_filter("status", "all")
        screen = await settle(pilot)
        assert screen.total == 1 and screen.table.row(0)[0] == 700


async def test_a_filter_chip_steps_through_its_choices(host: HostFactory, small_store: Path) -> None:
    app = host(small_store, "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        screen.query_one("#filter-status").focus()
        await pilot.press("enter")
        screen = await settle(pilot)
        count, ids = expected_ids(small_store, "subscribers", ViewState(choices={"status": "left"}))
        assert screen.state.choices == {"status": "left"}
        assert screen.total == count > 0 and screen.table.row(0)[0] == ids[0]
        assert "members: left" in screen_text(app)
        await pilot.press("enter", "enter")
        screen = await settle(pilot)
        assert screen.state.choices == {"status": "current"}


async def test_the_search_input_is_built_when_the_operator_first_goes_for_it(
    host: HostFactory, small_store: Path
) -> None:
    app = host(small_store, "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        assert not screen.query(Input) and screen.focused is screen.table
        assert await pilot.click(IdleSearchBox)
        await pilot.pause()
        search = screen.query_one("#list-search", Input)
        assert screen.focused is search and not screen.query(IdleSearchBox)
        await pilot.press(*"id700", "enter")
        screen = await settle(pilot)
        assert screen.state.search == "id700" and screen.focused is screen.table
        assert len(screen.query(Input)) == 1 and screen.focus_chain[0] is search  # it stays, first in chain


async def test_a_click_on_the_key_bar_presses_that_key(host: HostFactory, small_store: Path) -> None:
    app = host(small_store, "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        bar = screen.query_one(KeyBar)
        start = next(span.start for span in bar._spans if span.key == "slash")
        assert await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause()
        assert screen.focused is screen.query_one("#list-search")


async def test_sorting_by_a_column_and_reversing(host: HostFactory, small_store: Path) -> None:
    app = host(small_store, "authors")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        await pilot.press("right", "right", "s")
        screen = await settle(pilot)
        assert screen.query_.sort_column.name == "posts_count" and not screen.query_.descending
        counts = [screen.table.row(i)[3] for i in range(screen.total)]
        assert counts == sorted(counts)
        await pilot.press("s")
        screen = await settle(pilot)
        assert screen.query_.descending
        assert [screen.table.row(i)[3] for i in range(screen.total)] == sorted(counts, reverse=True)


async def test_copy_cell_and_id(host: HostFactory, small_store: Path) -> None:
    app = host(small_store, "subscribers")
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "right", "c", "i")
        assert copied == ["Boris Ivanova1", "103"]


async def test_export_writes_the_filtered_view_to_the_home(host: HostFactory, small_store: Path) -> None:
    app = host(small_store, "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        screen.set_filter("status", "left")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        files = list((app.home.root / "exports").glob("subscribers-*.csv"))
        _, ids = expected_ids(small_store, "subscribers", ViewState(choices={"status": "left"}))
        assert len(files) == 1
        lines = files[0].read_text().splitlines()
        assert lines[0].startswith("user_id,status")
        assert [int(line.split(",")[0]) for line in lines[1:]] == sorted(ids)
        assert all(",left," in line for line in lines[1:])


async def test_live_rows_appear_without_reopening(
    host: HostFactory, small_store: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "live.db"
    db_path.write_bytes(small_store.read_bytes())
    app = host(db_path, "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        before = screen.total
        writer = sqlite3.connect(db_path)
        with writer:
            writer.execute(
                "INSERT INTO membership (community_id, user_id, is_current, first_seen) VALUES (?, 1, 1, 0)",
                (GROUP_ID,),
            )
        writer.close()
        screen.reader.poll()
        await settle(pilot)
        assert screen.total == before + 1
        assert screen.table.row(0)[0] == 1


async def test_detail_pane_shows_a_users_history_after_a_churned_sync(
    host: HostFactory, configured_home: EmulatorHome
) -> None:
    sync(configured_home, "subscribers", apply=True)
    changes = configured_home.churn(join=3, leave=3)
    assert sync(configured_home, "subscribers", apply=False).status == "pending"
    with SyncContext.open(configured_home.home) as ctx:
        diff.apply_pending(ctx, configured_home.group_id)
    left_user = sorted(changes["left"])[0]

    app = host(configured_home.home.db_path, "subscribers", configured_home.group_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        screen.set_filter("status", "left")
        screen = await settle(pilot)
        assert screen.total == 3
        assert [screen.table.row(i)[0] for i in range(3)] == sorted(changes["left"])
        assert not screen.query("#list-detail")  # mounted the first time it is opened
        await pilot.press("d")
        screen = await settle(pilot)
        detail = str(screen.query_one("#detail-text", Static).render())
        assert "Membership history" in detail and f"id{left_user}" in detail
        assert "left" in detail and "leave" in detail


async def test_the_title_lines_icon_opens_the_command_palette(host: HostFactory, small_store: Path) -> None:
    app = host(small_store, "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await pilot.click(TitleLine, offset=(1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_the_first_sort_by_a_count_is_largest_first(host: HostFactory, small_store: Path) -> None:
    app = host(small_store, "posts")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        likes = [column.name for column in screen.spec.columns].index("likes")
        await pilot.press(*["right"] * likes, "s")
        screen = await settle(pilot)
        assert screen.query_.sort_column.name == "likes" and screen.query_.descending
        column = len(screen.spec.key) + likes
        shown = [screen.table.row(i)[column] for i in range(screen.table.visible_rows)]
        assert shown == sorted(shown, reverse=True)
        await pilot.press("s")
        screen = await settle(pilot)
        assert not screen.query_.descending


async def test_the_sort_column_can_be_chosen_after_search_and_tab(
    host: HostFactory, small_store: Path
) -> None:
    app = host(small_store, "subscribers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        await pilot.press("slash", *"Boris", "tab")
        screen = await settle(pilot)
        assert screen.focused is not screen.table  # the filter chip after the search box
        joined = [column.name for column in screen.spec.columns].index("joined_at")
        await pilot.press(*["right"] * joined)
        assert screen.table.cursor_column == joined
        await pilot.press("s")
        screen = await settle(pilot)
        assert screen.query_.sort_column.name == "joined_at"


async def test_long_comment_ids_are_shown_whole(host: HostFactory, small_store: Path, tmp_path: Path) -> None:
    db_path = store_copy(small_store, tmp_path)
    with sqlite3.connect(db_path) as raw:
        raw.executemany(
            "INSERT INTO interaction (community_id, post_id, user_id, kind, comment_id, date) "
            "VALUES (?, 1, ?, 'comment', ?, 0)",
            [(GROUP_ID, 100 + 3 * n, 392_000_001 + n) for n in range(3)],
        )
    app = host(db_path, "interactions")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        screen.set_filter("kind", "comment")
        await settle(pilot)
        await pilot.press("slash", *"post:1", "enter")
        screen = await settle(pilot)
        assert screen.total == 8
        text = screen_text(app)
        for comment_id in (392_000_001, 392_000_002, 392_000_003):
            assert str(comment_id) in text


def test_a_cell_too_narrow_for_its_value_says_so() -> None:
    assert fit_cell("1234567890", 8, right=True) == "1234567…"
    assert fit_cell("42", 8, right=True) == "      42"
    assert fit_cell("Александра Константинопольская", 12) == "Александра …"


async def test_the_posts_detail_follows_the_cursor_after_a_search(
    host: HostFactory, small_store: Path
) -> None:
    app = host(small_store, "posts")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        await pilot.press("d", "down", "down", "down")
        screen = await settle(pilot)
        detail = screen.query_one("#detail-text", Static)
        assert str(detail.render()).startswith("Post 197")
        await pilot.press("slash", *"Post 17 ", "enter")
        screen = await settle(pilot)
        shown = screen.table.row(screen.table.cursor_row)
        assert shown is not None and shown[0] == 179
        assert str(detail.render()).startswith("Post 179")


async def test_posts_search_finds_authors_and_names_the_community_as_author(
    host: HostFactory, small_store: Path, tmp_path: Path
) -> None:
    db_path = store_copy(small_store, tmp_path)
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE post SET author_id = NULL WHERE post_id = 200")
        author_id, first, last = raw.execute(
            'SELECT p.author_id, u.first_name, u.last_name FROM post p JOIN "user" u ON u.id = p.author_id '
            "WHERE p.post_id = 199"
        ).fetchone()
        by_author = sorted(
            (row[0] for row in raw.execute("SELECT post_id FROM post WHERE author_id = ?", (author_id,))),
            reverse=True,
        )
    app = host(db_path, "posts")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        assert "search text, author or post id" in screen_text(app)
        top = screen.table.row(0)
        assert top is not None and top[0] == 200
        assert screen.table.cell_text(top, 3) == "the community"
        await pilot.press("slash", *f"{first} {last}".lower(), "enter")
        screen = await settle(pilot)
        shown = [screen.table.row(i)[0] for i in range(screen.total)]  # type: ignore[index]
        assert shown == by_author
