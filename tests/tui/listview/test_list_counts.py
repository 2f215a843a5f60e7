"""The count a list screen shows on opening: exact in every view, and cheap by construction for the defaults.

Cheap is checked as work, not seconds: SQLite's progress handler counts the virtual-machine steps a statement
takes, so "the default count does a small fraction of a range count's work" holds on any machine.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import peewee as pw
import pytest

from tests.helpers.bigstore import GROUP_ID, StoreSize, build_store
from tests.helpers.list_screens import SIZE, ListHost, settle
from vksync_tui.home import Home
from vksync_tui.store.db import open_database
from vksync_tui.store.migrations import COUNT_INDEXES, MIGRATIONS
from vksync_tui.store.models import database_proxy
from vksync_tui.tui.listview import SPECS
from vksync_tui.tui.listview.query import ListQuery, ViewState
from vksync_tui.tui.listview.specs import ListSpec

SCOPED_TABLES = {"membership": "user_id", "post": "post_id", "author": "user_id", "interaction": "user_id",
                 "mailing": "user_id"}


def every_choice(spec: ListSpec) -> Iterator[ViewState]:
    labels = [[choice.label for choice in f.choices] for f in spec.choice_filters]
    for combination in itertools.product(*labels):
        yield ViewState(choices=dict(zip((f.name for f in spec.choice_filters), combination, strict=True)))


def plain_count(raw: sqlite3.Connection, query: ListQuery) -> int:
    """The count as the view's rows, joined and filtered, with no shortcut."""
    spec = query.spec
    sql = f"SELECT COUNT(*) FROM {spec.table} {spec.join} WHERE {query.where}"
    return int(raw.execute(sql, query.params).fetchone()[0])


def vm_steps(db: pw.Database, sql: str, params: list[object]) -> int:
    steps = 0

    def count_step() -> int:
        nonlocal steps
        steps += 1
        return 0

    connection = db.connection()
    connection.set_progress_handler(count_step, 1)
    try:
        db.execute_sql(sql, params).fetchone()
    finally:
        connection.set_progress_handler(None, 1)
    return steps


@pytest.fixture(scope="module")
def medium_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough rows in every list (a few thousand authors too) for counting work to dwarf fixed costs."""
    size = StoreSize(members=20_000, posts=5_000, interactions=20_000, authors=3_000)
    return build_store(tmp_path_factory.mktemp("medium") / "vksync.db", size)


@pytest.fixture
def two_communities(small_store: Path, tmp_path: Path) -> Path:
    """The small store plus a copy of its rows for a community with a lower and one with a higher id."""
    path = tmp_path / "shared.db"
    shutil.copy(small_store, path)
    raw = sqlite3.connect(path)
    with raw:
        for table, key in SCOPED_TABLES.items():
            columns = [row[1] for row in raw.execute(f'PRAGMA table_info("{table}")') if row[1] != "id"]
            for other, keep_every in ((GROUP_ID - 1, 2), (GROUP_ID + 1, 3)):
                picked = ", ".join("?" if c == "community_id" else f'"{c}"' for c in columns)
                raw.execute(
                    f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {picked} FROM "{table}" '
                    f"WHERE community_id = ? AND {key} % ? = 0",
                    (other, GROUP_ID, keep_every),
                )
    raw.close()
    return path


@pytest.mark.parametrize("shared", [False, True], ids=["one community", "three communities"])
def test_every_count_equals_the_plain_count(
    small_store: Path, two_communities: Path, shared: bool
) -> None:
    path = two_communities if shared else small_store
    db = open_database(path)
    raw = sqlite3.connect(path)
    try:
        for spec in SPECS.values():
            assert ListQuery(spec, GROUP_ID).count() > 0
            searches = [ViewState("Post 1" if spec.name == "posts" else "Anna")]
            if spec.name == "subscribers":
                searches.append(ViewState("joined:2025-02-01"))
            for state in [*every_choice(spec), *searches]:
                query = ListQuery(spec, GROUP_ID, state)
                assert query.count() == plain_count(raw, query), (spec.name, state)
    finally:
        raw.close()
        db.close()
        database_proxy.close()


@pytest.mark.parametrize("list_name", ["subscribers", "posts", "authors", "interactions", "mailing"])
def test_a_single_communitys_default_count_does_a_fraction_of_a_range_counts_work(
    medium_store: Path, list_name: str
) -> None:
    db = open_database(medium_store)
    try:
        query = ListQuery(SPECS[list_name], GROUP_ID)
        shortcut = vm_steps(db, *query.count_statement())
        ranged = vm_steps(db, f"SELECT COUNT(*) FROM {query.filter_source} WHERE {query.where}", query.params)
        assert shortcut * 5 < ranged, (shortcut, ranged)
    finally:
        db.close()
        database_proxy.close()


def test_shared_tables_count_their_range(two_communities: Path) -> None:
    db = open_database(two_communities)
    try:
        query = ListQuery(SPECS["posts"], GROUP_ID)
        raw = sqlite3.connect(two_communities)
        whole = raw.execute("SELECT COUNT(*) FROM post").fetchone()[0]
        raw.close()
        assert query.count() < whole
    finally:
        db.close()
        database_proxy.close()


@pytest.mark.parametrize(
    ("list_name", "index"),
    [("mailing-analysis", "mailing_analysed_count"), ("profiles", "user_refreshed_count")],
)
def test_default_filter_counts_read_their_partial_index(
    small_store: Path, list_name: str, index: str
) -> None:
    db = open_database(small_store)
    try:
        sql, params = ListQuery(SPECS[list_name], GROUP_ID).count_statement()
        plan = " ".join(str(row) for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params))
        assert f"COVERING INDEX {index}" in plan
    finally:
        db.close()
        database_proxy.close()


def test_a_version_2_store_gets_the_count_indexes(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    open_database(path, migrations=MIGRATIONS[:2]).close()
    db = open_database(path)
    names = {row[0] for row in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
    db.close()
    assert {name for name, *_ in COUNT_INDEXES} <= names


async def test_the_scroll_bar_spans_every_row_once_the_count_lands(small_store: Path, tmp_path: Path) -> None:
    """The row count reaches the scroll bar without a screen layout (VirtualTable._resize_virtually)."""
    app = ListHost(small_store, Home(tmp_path / "home").ensure(), "subscribers")
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await settle(pilot)
            assert screen.total is not None and screen.total > SIZE[1]
            bar = screen.table.vertical_scrollbar
            assert bar.window_virtual_size == screen.total + 1
            table = screen.table
            assert table.max_scroll_y == screen.total + 1 - table.scrollable_content_region.height
    finally:
        app.db.close()
        database_proxy.close()
