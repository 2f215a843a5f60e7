"""Bulk writes at raw-driver speed with SQL that peewee wrote for the bound backend.

Why: peewee's `insert_many` spends ~6× the time of the driver's `executemany` converting every value in
Python (measured on 1M membership rows), which would make the store the bottleneck of a multi-token sync and
starve the HTTP threads of the GIL. So the statement is built ONCE by peewee (right placeholder style, upsert
syntax and no `RETURNING` on PostgreSQL) for a single row of placeholders, and the rows go straight to
`cursor.executemany`.

Consequence for callers: rows are plain tuples in the order of `fields`, already in database form — no field
`db_value` conversion happens (bools and ints are fine; `JsonTextField` values must be `json.dumps`-ed).
Columns left out of `fields` get the model's constant default inlined by peewee (e.g. `comment_id = 0`).
Build the SQL after `open_database()` (it needs the bound backend), e.g. once per sync run.

Two more things make a row cheap to bind (measured with callgrind on the mailing sync's 20,000 dialogs and
profiles, CPython 3.11): CPython's `sqlite3` binds only exact `int`, `float`, `str` and `bytearray` values
directly; every other value — `None` and `bool` included — first goes through its adapter protocol (a registry
miss, then `__adapt__` and `__conform__` lookups), ~3,200 instructions each, which was 29 % of the mailing
upserts' `executemany`. So hot rows carry flags as 0/1 ints, and this module registers adapters for `None`
and `bool` (see `_register_direct_adapters`), like peewee registers its own at import. And rows written in
primary-key order (`in_key_order`) walk the B-tree forward instead of jumping between its leaves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

import peewee as pw

RowT = TypeVar("RowT", bound=Sequence[Any])
# A C-level callable that returns None for None (the empty dict's `get`), so the NULL adapter runs no Python
# frame; never mutated.
_NULL_AS_NULL: Callable[[object], None] = dict[object, None]().get


def _register_direct_adapters() -> None:
    """Registered adapters are found by one dict lookup instead of the failing protocol lookups; the values
    bound stay exactly what sqlite3 bound before (NULL for None, 1/0 for a bool, which is an int)."""
    sqlite3.register_adapter(type(None), _NULL_AS_NULL)
    sqlite3.register_adapter(bool, int)


_register_direct_adapters()


def upsert_sql(
    model: type[pw.Model],
    fields: Sequence[pw.Field],
    conflict_target: Sequence[pw.Field],
    preserve: Sequence[pw.Field] = (),
    update: Mapping[pw.Field, Any] | None = None,
) -> str:
    """`INSERT … ON CONFLICT (conflict_target) DO UPDATE SET …` for one row of `fields`.

    `preserve`: columns set from the incoming row (EXCLUDED). `update`: column → expression or constant
    (e.g. `{Membership.is_current: True, Author.posts_count: Author.posts_count + 1}`); constants are inlined
    so the only parameters are the row's values. With neither, conflicting rows are left untouched.
    """
    if not preserve and not update:
        return insert_ignore_sql(model, fields)
    query = _one_row_insert(model, fields).on_conflict(
        conflict_target=list(conflict_target),
        preserve=list(preserve),
        update=_portable_constants(update or {}),
    )
    return _render(model, query.returning())


def insert_sql(model: type[pw.Model], fields: Sequence[pw.Field]) -> str:
    """A plain one-row INSERT of `fields` (append-only tables such as the member staging table)."""
    return _render(model, _one_row_insert(model, fields).returning())


def insert_ignore_sql(model: type[pw.Model], fields: Sequence[pw.Field]) -> str:
    """Insert one row of `fields`, silently skipping rows that violate a unique key (SQLite `INSERT OR
    IGNORE`, PostgreSQL `ON CONFLICT DO NOTHING`)."""
    return _render(model, _one_row_insert(model, fields).on_conflict_ignore().returning())


def execute_many(db: pw.Database, sql: str, rows: Iterable[Sequence[Any]]) -> int:
    """Run `sql` once per row through the driver's `executemany`; returns the driver's rowcount.

    The rows are written atomically: inside a caller's transaction (a `StoreWriter` job) this is a savepoint,
    otherwise its own transaction — never one commit per row. Driver errors become peewee's exceptions
    (`pw.IntegrityError`, …) like every other query.
    """
    with db.atomic(), pw.__exception_wrapper__:
        cursor = db.cursor()
        cursor.executemany(sql, rows)
        return cursor.rowcount


def in_key_order(rows: Iterable[RowT], key_column: int = 0) -> list[RowT]:
    """`rows` sorted by the value at `key_column` (the column that orders the table's B-tree).

    Why: random keys make every row of a large upsert seek to a different leaf of the table and of its
    indexes; in key order consecutive rows land on the same pages. The sort is stable, so rows repeating a key
    keep their order and the last one still wins, as it would have unsorted. ~0.2 µs a row; run it where the
    rows are made (the fetch threads), not in the writer job.
    """
    return sorted(rows, key=itemgetter(key_column))


def _one_row_insert(model: type[pw.Model], fields: Sequence[pw.Field]) -> pw.ModelInsert:
    if not fields:
        raise ValueError("a bulk statement needs at least one field")
    given = {field.name for field in fields}
    defaults = model._meta.defaults.items()
    frozen = [f.name for f, default in defaults if f.name not in given and callable(default)]
    if frozen:
        raise ValueError(f"list {frozen} in the fields: a callable default would be frozen into the SQL")
    placeholder = pw.SQL(model._meta.database.param)
    return model.insert_many([tuple(placeholder for _ in fields)], fields=list(fields))


def _portable_constants(update: Mapping[pw.Field, Any]) -> dict[pw.Field, Any]:
    """Booleans as TRUE/FALSE: peewee would inline 1/0, which PostgreSQL rejects for boolean columns."""
    return {
        field: pw.SQL("TRUE" if value else "FALSE") if isinstance(value, bool) else value
        for field, value in update.items()
    }


def _render(model: type[pw.Model], query: pw.Query) -> str:
    """SQL with every constant inlined (`value_literals`), so the row values are its only parameters."""
    context = model._meta.database.get_sql_context(value_literals=True)
    sql, _no_params = context.sql(query).query()
    return sql


# Values per `IN (…)` list: far below any SQLite build's variable limit (999 before 3.32, 32,766 after; a
# longer list fails with "too many SQL variables"), and long enough that the statements are few.
IN_LIST_MAX = 500


def chunks(values: Sequence[Any], size: int = IN_LIST_MAX) -> Iterable[Sequence[Any]]:
    """`values` in slices of at most `size`, for statements with one IN list each."""
    return (values[start:start + size] for start in range(0, len(values), size))


class InList(pw.Node):
    """The `(…)` of `field IN (…)` for many plain values (ids), rendered in one step.

    Why: peewee renders an IN list value by value through its node machinery, ~10 µs a value — 5 ms for 500
    ids, more than SQLite then takes to run the query — and these lists are built inside writer jobs. Here
    the placeholders are one literal and the values are bound as they are (no field conversion: give
    database values): 500 ids add ~0.15 ms to a query's rendering. Use as `Post.post_id.in_(InList(ids))`;
    an empty list matches nothing on every backend.
    """

    def __init__(self, values: Iterable[Any]) -> None:
        super().__init__()
        self.values = list(values)

    def __sql__(self, ctx: pw.Context) -> pw.Context:
        if not self.values:
            return ctx.literal("(NULL)")
        if ctx.state.value_literals:  # DDL (an index's WHERE): values inline, the slow way is fine
            return ctx.sql(pw.EnclosedNodeList([pw.Value(value, converter=False) for value in self.values]))
        # `Context.value` costs ~3 µs a value even unconverted; its parameter list is a plain list (peewee
        # 3.x through 4.x), extended here in the order of the placeholders (tests/store/test_store_bulk.py).
        ctx._values.extend(self.values)
        return ctx.literal("(" + ", ".join([ctx.state.param or "?"] * len(self.values)) + ")")
