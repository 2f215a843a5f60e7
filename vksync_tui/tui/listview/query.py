"""SQL for one list view (spec + community + filters + search + sort): count, pages, anchors and keys.

Why pages are found this way: `OFFSET n` makes SQLite step over n rows, so a jump into the middle of a
million-row list would cost a full scan. `anchors()` reads, once per view in a worker, the sort key of every
`ANCHOR_STEP`-th row (a single ordered pass in C); any page is then
`WHERE (sort key) >= anchor ORDER BY … LIMIT page OFFSET < ANCHOR_STEP`. Until the anchors exist, a page near
the end is read backwards from the end, so opening a list and jumping to its last row never scans it either.

No Textual here: everything runs in reader threads, and the tests call it directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from vksync_tui.store.migrations import ensure_sort_index
from vksync_tui.store.models import database_proxy
from vksync_tui.tui.listview.specs import ListSpec

ANCHOR_STEP = 1_000
Row = tuple[Any, ...]


class FilterError(ValueError):
    """A `name:value` token the operator typed does not parse (the message says which and why)."""


@dataclass(frozen=True)
class ViewState:
    """What the operator chose on the screen; `choices` maps a choice filter's name to a choice label."""

    search: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)
    sort: str | None = None
    descending: bool | None = None


@dataclass(frozen=True)
class ParsedSearch:
    text: str
    values: dict[str, int]


def parse_search(spec: ListSpec, raw: str) -> ParsedSearch:
    """Split the search box into free text and `name:value` filter tokens known to the list."""
    known = {value_filter.name: value_filter for value_filter in spec.value_filters}
    words: list[str] = []
    values: dict[str, int] = {}
    for token in raw.split():
        name, sep, value = token.partition(":")
        if sep and name in known:
            try:
                values[name] = known[name].parse(value)
            except ValueError:
                raise FilterError(f"{token!r}: expected {known[name].help}") from None
        else:
            words.append(token)
    return ParsedSearch(" ".join(words), values)


class ListQuery:
    """Immutable: a new view state makes a new query (and a new generation of cached pages)."""

    def __init__(
        self, spec: ListSpec, group_id: int, state: ViewState = ViewState(), db: pw.Database | None = None
    ) -> None:
        self.spec = spec
        self.group_id = group_id
        self.state = state
        self.db: Any = db or database_proxy
        sort_name = state.sort or spec.default_sort
        self.sort_column = spec.column(sort_name)
        if self.sort_column.sort_sql is None:
            raise ValueError(f"{spec.name}: column {sort_name!r} is not sortable")
        self.descending = spec.default_descending if state.descending is None else state.descending
        order = [self.sort_column.sort_sql]
        order += [key for key in spec.key if key != self.sort_column.sort_sql]
        self.order = tuple(order)
        self.parsed = parse_search(spec, state.search)
        self.where, self.params = self._where(self.parsed)
        self.source = f"{spec.table} {spec.join}"
        self.filter_source = self.source if re.search(r"\bu\.", self.where) else spec.table

    def _where(self, parsed: ParsedSearch) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if self.spec.scope is not None:
            clauses.append(self.spec.scope)
            params.append(self.group_id)
        for choice_filter in self.spec.choice_filters:
            choice = choice_filter.choice(self.state.choices.get(choice_filter.name))
            if choice.sql is not None:
                clauses.append(choice.sql)
        for value_filter in self.spec.value_filters:
            if value_filter.name in parsed.values:
                clauses.append(value_filter.sql)
                params.append(parsed.values[value_filter.name])
        if parsed.text:
            sql, search_params = self.spec.search(parsed.text)
            clauses.append(sql)
            params += search_params
        return (" AND ".join(clauses) or "1"), params

    # --- SQL text ----------------------------------------------------------------------------------------

    @property
    def select_list(self) -> str:
        return ", ".join([*self.spec.key, *(column.sql for column in self.spec.columns)])

    def _order_by(self, reverse: bool = False) -> str:
        direction = "DESC" if self.descending != reverse else "ASC"
        return ", ".join(f"{expr} {direction}" for expr in self.order)

    def _rows(
        self, extra_where: str, extra_params: Sequence[object], order: str, limit: int, offset: int
    ) -> list[Row]:
        sql = (
            f"SELECT {self.select_list} FROM {self.source} WHERE {self.where}{extra_where} "
            f"ORDER BY {order} LIMIT ? OFFSET ?"
        )
        return [tuple(row) for row in self.db.execute_sql(sql, [*self.params, *extra_params, limit, offset])]

    # --- reads ------------------------------------------------------------------------------------------

    def count(self) -> int:
        """The view's exact row count, in one statement (one snapshot, even while a sync commits).

        A range count over a million index entries costs SQLite ~50 ns each, and most stores hold a single
        community. So when no other community has rows in the table (two index seeks tell), the count is the
        whole table's — `COUNT(*)` without WHERE, which SQLite answers by counting b-tree cells page by page,
        five times faster — minus the few rows a default filter leaves out (`Choice.complement`, e.g. the
        members who left). Any other view, or a table shared by communities, counts its range as before.
        """
        sql, params = self.count_statement()
        return int(self.db.execute_sql(sql, params).fetchone()[0])

    def count_statement(self) -> tuple[str, list[object]]:
        scoped = f"SELECT COUNT(*) FROM {self.filter_source} WHERE {self.where}"
        whole = self._whole_table_count()
        if whole is None:
            return scoped, self.params
        whole_sql, whole_params = whole
        column = self.spec.scope_column
        sql = (
            f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {self.bare_table} WHERE {column} < ? OR {column} > ?) "
            f"THEN ({scoped}) ELSE ({whole_sql}) END"
        )
        return sql, [self.group_id, self.group_id, *self.params, *whole_params]

    @property
    def bare_table(self) -> str:
        return self.spec.table.split()[0]

    def _whole_table_count(self) -> tuple[str, list[object]] | None:
        """The count as "whole table minus complement", if this view is one community's rows but for a few."""
        if self.spec.scope is None or self.parsed.text or self.parsed.values:
            return None
        chosen = [
            choice_filter.choice(self.state.choices.get(choice_filter.name))
            for choice_filter in self.spec.choice_filters
        ]
        narrowing = [choice for choice in chosen if choice.sql is not None]
        if not narrowing:
            return f"SELECT COUNT(*) FROM {self.bare_table}", []
        if len(narrowing) == 1 and narrowing[0].complement is not None:
            scope = f"{self.spec.scope} AND {narrowing[0].complement}"
            left_out = f"SELECT COUNT(*) FROM {self.spec.table} WHERE {scope}"
            return f"(SELECT COUNT(*) FROM {self.bare_table}) - ({left_out})", [self.group_id]
        return None

    def first_page(self, size: int) -> list[Row]:
        """The first `size` rows: needs no count, so a screen can show them before it knows the total. The
        first page of a view sorted by a column with an on-demand index makes that index first."""
        if self.sort_column.sort_index is not None:
            ensure_sort_index(self.db, self.sort_column.sort_index)
        return self._rows("", (), self._order_by(), size, 0)

    def page(self, start: int, size: int, *, total: int, anchors: Sequence[Row] | None = None) -> list[Row]:
        """Rows `start … start+size-1` of the view: from the nearest anchor, else from the nearer end."""
        if start >= total or size <= 0:
            return []
        if anchors:
            index = min(start // ANCHOR_STEP, len(anchors) - 1)
            compare = "<=" if self.descending else ">="
            bound = f" AND ({', '.join(self.order)}) {compare} ({', '.join('?' * len(self.order))})"
            return self._rows(bound, anchors[index], self._order_by(), size, start - index * ANCHOR_STEP)
        end = min(start + size, total)
        if start <= total - end:
            return self._rows("", (), self._order_by(), size, start)
        backwards = self._rows("", (), self._order_by(reverse=True), end - start, total - end)
        return backwards[::-1]

    def anchors(self) -> list[Row]:
        """The sort key of rows 0, ANCHOR_STEP, 2·ANCHOR_STEP, … (one ordered pass, done in SQLite)."""
        aliases = ", ".join(f"k{i}" for i in range(len(self.order)))
        inner = ", ".join(f"{expr} AS k{i}" for i, expr in enumerate(self.order))
        sql = (
            f"SELECT {aliases} FROM (SELECT {inner}, row_number() OVER (ORDER BY {self._order_by()}) AS rn "
            f"FROM {self.filter_source} WHERE {self.where}) WHERE (rn - 1) % ? = 0 ORDER BY rn"
        )
        return [tuple(row) for row in self.db.execute_sql(sql, [*self.params, ANCHOR_STEP])]

    def key_rows(self) -> Iterator[Row]:
        """Every row's key in ascending key order (streamed): what export-from-view filters the export by."""
        order = ", ".join(f"{expr} ASC" for expr in self.spec.key)
        sql = (
            f"SELECT {', '.join(self.spec.key)} FROM {self.filter_source} WHERE {self.where} ORDER BY {order}"
        )
        for row in self.db.execute_sql(sql, self.params):
            yield tuple(row)
