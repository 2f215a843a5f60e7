"""The SQL behind the list screens, checked against independent queries on a small generated store."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers.bigstore import BASE, DAY, GROUP_ID
from vksync_tui.store.db import open_database
from vksync_tui.store.migrations import ON_DEMAND_SORT_INDEXES
from vksync_tui.store.models import database_proxy
from vksync_tui.sync import registry
from vksync_tui.sync.registry import write_export
from vksync_tui.tui.listview import SPECS
from vksync_tui.tui.listview.export_view import ExportUnavailable, export_view
from vksync_tui.tui.listview.query import ANCHOR_STEP, FilterError, ListQuery, ViewState
from vksync_tui.tui.listview.reader import PAGE_SIZE, CountResult, PageReader, PageResult, ReaderResult


@pytest.fixture
def store(small_store: Path) -> Iterator[sqlite3.Connection]:
    db = open_database(small_store)
    raw = sqlite3.connect(small_store)
    yield raw
    raw.close()
    db.close()
    database_proxy.close()


def all_pages(query: ListQuery, *, anchors: bool) -> list[tuple[object, ...]]:
    total = query.count()
    found = query.anchors() if anchors else None
    rows: list[tuple[object, ...]] = []
    for start in range(0, total, PAGE_SIZE):
        rows += query.page(start, PAGE_SIZE, total=total, anchors=found)
    return rows


@pytest.mark.parametrize("list_name", sorted(SPECS))
def test_pages_cover_every_row_once_in_sort_order(store: sqlite3.Connection, list_name: str) -> None:
    spec = SPECS[list_name]
    for column in spec.sortable:
        for descending in (False, True):
            query = ListQuery(spec, GROUP_ID, ViewState(sort=column.name, descending=descending))
            with_anchors = all_pages(query, anchors=True)
            assert with_anchors == all_pages(query, anchors=False)
            assert len(with_anchors) == query.count()
            assert len({row[: len(spec.key)] for row in with_anchors}) == len(with_anchors)
            sort_values = [row[len(spec.key) + spec.columns.index(column)] or 0 for row in with_anchors]
            assert sort_values == sorted(sort_values, reverse=descending)


def test_anchor_pages_match_offsets_deep_in_the_list(store: sqlite3.Connection) -> None:
    query = ListQuery(SPECS["subscribers"], GROUP_ID, ViewState(choices={"status": "all"}))
    total = query.count()
    assert total == 3_000 > 2 * ANCHOR_STEP
    anchors = query.anchors()
    assert len(anchors) == 3
    ids = [uid for (uid,) in store.execute("SELECT user_id FROM membership ORDER BY user_id")]
    for start in (0, 999, 1000, 1001, 2050, 2990):
        page = query.page(start, 25, total=total, anchors=anchors)
        assert [row[0] for row in page] == ids[start : start + 25]


def test_subscriber_filters_give_the_rows_sql_says(store: sqlite3.Connection) -> None:
    spec = SPECS["subscribers"]
    since = BASE + 30 * DAY
    cases = {
        ("current", ""): "is_current = 1",
        ("left", ""): "is_current = 0",
        ("all", ""): "1",
        ("all", "joined:2025-01-31"): f"joined_at >= {since}",
        ("left", "left:2025-01-31"): f"is_current = 0 AND left_at >= {since}",
    }
    for (status, search), where in cases.items():
        query = ListQuery(spec, GROUP_ID, ViewState(search, {"status": status}))
        expected = [
            uid for (uid,) in store.execute(f"SELECT user_id FROM membership WHERE {where} ORDER BY 1")
        ]
        assert [row[0] for row in all_pages(query, anchors=False)] == expected, (status, search)
        assert query.count() == len(expected)


def test_search_by_id_and_by_name(store: sqlite3.Connection) -> None:
    spec = SPECS["subscribers"]
    by_id = ListQuery(spec, GROUP_ID, ViewState("id1003", {"status": "all"}))
    assert [row[0] for row in all_pages(by_id, anchors=False)] == [1003]
    by_name = ListQuery(spec, GROUP_ID, ViewState("orlov29", {"status": "all"}))
    expected = [
        uid
        for (uid,) in store.execute(
            "SELECT u.id FROM user u JOIN membership m ON m.user_id = u.id "
            "WHERE lower(u.first_name || ' ' || u.last_name) LIKE '%orlov29%' ORDER BY 1"
        )
    ]
    assert expected
    assert [row[0] for row in all_pages(by_name, anchors=False)] == expected


def test_other_lists_filters(store: sqlite3.Connection) -> None:
    checks = [
        (
            "interactions",
            ViewState("post:7", {"kind": "comment"}),
            "SELECT COUNT(*) FROM interaction WHERE post_id = 7 AND kind = 'comment'",
        ),
        (
            "posts",
            ViewState("from:2025-02-01 to:2025-02-28"),
            f"SELECT COUNT(*) FROM post WHERE date >= {BASE + 31 * DAY} AND date < {BASE + 59 * DAY}",
        ),
        (
            "mailing",
            ViewState("", {"can_write": "no", "initiator": "community"}),
            "SELECT COUNT(*) FROM mailing WHERE can_write = 0 AND first_message_from_id < 0",
        ),
        (
            "mailing-analysis",
            ViewState("", {"analysed": "not analysed"}),
            "SELECT COUNT(*) FROM mailing WHERE analysed_at IS NULL",
        ),
        (
            "profiles",
            ViewState("", {"refreshed": "all stored", "state": "deactivated"}),
            "SELECT COUNT(*) FROM user WHERE deactivated IS NOT NULL",
        ),
    ]
    author = store.execute("SELECT author_id FROM post WHERE post_id = 1").fetchone()[0]
    checks.append(
        ("posts", ViewState(f"author:{author}"), f"SELECT COUNT(*) FROM post WHERE author_id = {author}")
    )
    for list_name, state, sql in checks:
        expected = store.execute(sql).fetchone()[0]
        query = ListQuery(SPECS[list_name], GROUP_ID, state)
        assert expected > 0, sql
        assert query.count() == expected == len(all_pages(query, anchors=False)), sql


def test_a_bad_filter_token_is_refused_with_its_format() -> None:
    with pytest.raises(FilterError, match="joined:YYYY-MM-DD"):
        ListQuery(SPECS["subscribers"], GROUP_ID, ViewState("joined:yesterday"))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_of_a_filtered_view_equals_the_filter(store: sqlite3.Connection, fmt: str) -> None:
    query = ListQuery(SPECS["subscribers"], GROUP_ID, ViewState("joined:2025-02-15", {"status": "all"}))
    out = io.StringIO()
    written = export_view(query, out, fmt)
    expected = [
        uid
        for (uid,) in store.execute(
            f"SELECT user_id FROM membership WHERE joined_at >= {BASE + 45 * DAY} ORDER BY 1"
        )
    ]
    assert written == len(expected) > 0
    headless = io.StringIO()
    write_export("subscribers", GROUP_ID, headless, fmt=fmt, include_all=True)
    if fmt == "csv":
        exported = list(csv.reader(io.StringIO(out.getvalue())))
        everything = list(csv.reader(io.StringIO(headless.getvalue())))
        assert exported[0] == everything[0]
        assert [int(row[0]) for row in exported[1:]] == expected
        assert exported[1:] == [row for row in everything[1:] if int(row[0]) in set(expected)]
    else:
        exported_rows = [json.loads(line) for line in out.getvalue().splitlines()]
        assert [row["user_id"] for row in exported_rows] == expected
        wanted = set(expected)
        assert exported_rows == [
            row for row in map(json.loads, headless.getvalue().splitlines()) if row["user_id"] in wanted
        ]


EXPORTED_VIEWS = [
    *((name, ViewState()) for name in sorted(SPECS)),
    ("interactions", ViewState("", {"kind": "comment"})),
    ("interactions", ViewState("post:7", {"kind": "like"})),
    ("posts", ViewState("from:2025-02-01")),
]


@pytest.mark.parametrize(("list_name", "state"), EXPORTED_VIEWS)
def test_every_list_exports_its_view_as_the_headless_export_rows(
    store: sqlite3.Connection, list_name: str, state: ViewState
) -> None:
    """Each view's export = the headless export's rows whose key the view lists (a set, not a merge)."""
    query = ListQuery(SPECS[list_name], GROUP_ID, state)
    out = io.StringIO()
    written = export_view(query, out, "jsonl")
    headless = io.StringIO()
    write_export(list_name, GROUP_ID, headless, fmt="jsonl", include_all=True)
    view_keys = set(query.key_rows())
    expected = [
        line
        for line in headless.getvalue().splitlines()
        if SPECS[list_name].export_key(tuple(json.loads(line).values())) in view_keys
    ]
    assert written == len(expected) == query.count() > 0
    assert out.getvalue().splitlines() == expected


# Every time column of every export; the test below finds a value in each.
EXPORT_TIMES = {
    "subscribers": ("joined_at", "left_at"),
    "posts": ("date",),
    "authors": ("first_post_at", "last_post_at"),
    "interactions": ("date",),
    "mailing": ("last_message_date",),
    "mailing-analysis": ("first_message_date",),
    "profiles": ("last_seen", "refreshed_at"),
}


@pytest.mark.parametrize("list_name", sorted(EXPORT_TIMES))
def test_every_export_writes_times_as_iso_8601_utc(store: sqlite3.Connection, list_name: str) -> None:
    out = io.StringIO()
    write_export(list_name, GROUP_ID, out, fmt="jsonl", include_all=True)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    for column in EXPORT_TIMES[list_name]:
        times = [row[column] for row in rows if row[column] is not None]
        assert times, f"no {column} in the {list_name} export"
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", time) for time in times), column
        assert all(datetime.fromisoformat(time).tzinfo == UTC for time in times)


def test_a_list_without_a_headless_export_says_so(
    store: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    unexported = replace(registry.LISTS["interactions"], export=None)
    monkeypatch.setitem(registry.LISTS, "interactions", unexported)
    with pytest.raises(ExportUnavailable, match="Interactions: no headless export"):
        export_view(ListQuery(SPECS["interactions"], GROUP_ID), io.StringIO(), "csv")


def test_the_reader_delivers_the_first_page_before_the_count(store: sqlite3.Connection) -> None:
    """A screen can show its first rows while SQLite is still counting a million of them."""
    results: list[ReaderResult] = []
    reader = PageReader(results.append)
    query = ListQuery(SPECS["subscribers"], GROUP_ID)
    reader.start()
    try:
        reader.set_query(query, 1)
        assert reader.wait_idle()
    finally:
        reader.stop()
    total = query.count()
    assert results == [PageResult(1, 0, query.page(0, PAGE_SIZE, total=total)), CountResult(1, total)]


def _indexes(store: sqlite3.Connection) -> set[str]:
    return {name for (name,) in store.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_a_sort_with_an_on_demand_index_makes_it_on_its_first_page_and_then_uses_it(
    store: sqlite3.Connection,
) -> None:
    assert not set(ON_DEMAND_SORT_INDEXES) & _indexes(store)  # no sync or migration makes them
    query = ListQuery(SPECS["posts"], GROUP_ID, ViewState(sort="likes", descending=True))
    first = query.first_page(PAGE_SIZE)
    assert "post_likes_sort" in _indexes(store)
    assert set(ON_DEMAND_SORT_INDEXES) & _indexes(store) == {"post_likes_sort"}
    order = query._order_by()
    sql = f"SELECT {query.select_list} FROM {query.source} WHERE {query.where} ORDER BY {order} LIMIT 1"
    plan = " ".join(str(row) for row in store.execute(f"EXPLAIN QUERY PLAN {sql}", query.params))
    assert "post_likes_sort" in plan and "TEMP B-TREE" not in plan
    assert ListQuery(SPECS["posts"], GROUP_ID, ViewState(sort="likes", descending=True)).first_page(
        PAGE_SIZE
    ) == first


def test_a_locked_store_sorts_without_the_index_at_once_and_makes_it_once_free(
    store: sqlite3.Connection, small_store: Path
) -> None:
    """A sync (another connection) holds the write lock: the first page does not wait out the store's 60 s
    busy timeout for its index (pytest-timeout would end the test); it sorts without it, and the
    connection's own timeout is back afterwards."""
    store.execute("DROP INDEX IF EXISTS post_likes_sort")  # the session's store: an earlier test made it
    writer = sqlite3.connect(small_store, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    query = ListQuery(SPECS["posts"], GROUP_ID, ViewState(sort="likes", descending=True))
    try:
        first = query.first_page(PAGE_SIZE)
        assert "post_likes_sort" not in _indexes(store)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert query.db.execute_sql("PRAGMA busy_timeout").fetchone()[0] > 10_000
    assert query.first_page(PAGE_SIZE) == first
    assert "post_likes_sort" in _indexes(store)


def test_every_on_demand_sort_index_is_named_by_the_column_it_sorts() -> None:
    named = {
        column.sort_index: (spec.table.split()[0], column.sort_sql)
        for spec in SPECS.values() for column in spec.columns if column.sort_index is not None
    }
    assert set(named) == set(ON_DEMAND_SORT_INDEXES)
    for name, (table, sort_sql) in named.items():
        index_table, columns = ON_DEMAND_SORT_INDEXES[name]
        assert index_table.strip('"') == table.strip('"') and sort_sql is not None
        unaliased = re.sub(r"\b[a-z]\.", "", sort_sql)  # `COALESCE(m.left_at, 0)` → `COALESCE(left_at, 0)`
        assert f", {unaliased}," in f", {columns},"
