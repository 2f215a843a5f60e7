"""What each list screen shows, as data: its SQL source, columns, sort keys, filters and search.

A spec is plain SQL fragments (no Textual, no peewee expressions) so `query.ListQuery` can build count, page,
anchor and key queries from it alike. Every sortable expression is NOT NULL (unknown times sort as 0), because
a keyset comparison `(a, b) >= (?, ?)` with a NULL is never true and would silently drop rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vksync_tui.store.text_match import contains_any_case, contains_sql
from vksync_tui.sync.definition import ListDefinition
from vksync_tui.sync.names import NO_PROFILE
from vksync_tui.sync.registry import LISTS

DAY = 86_400
ExportKey = Callable[[tuple[Any, ...]], tuple[Any, ...]]


def first_column_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Most exports start with the list's single-column key (a user or post id)."""
    return (row[0],)


def interaction_export_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """An interactions export row (post_id, user_id, kind, comment_id or None, …) as the list's key.

    The export writes a like's or repost's comment_id as empty, the table stores 0 (see the model).
    """
    post_id, user_id, kind, comment_id = row[:4]
    return post_id, kind, user_id, comment_id or 0


@dataclass(frozen=True)
class Column:
    """One displayed column; `fmt` is one of int, text, time, flag (see `cells.format_cell`)."""

    name: str
    title: str
    sql: str
    width: int
    fmt: str = "text"
    sort_sql: str | None = None
    sort_index: str | None = None  # made when the list is first sorted by this column (ensure_sort_index)
    # Counts read best largest first: the first sort by such a column is descending, the next ascending.
    descending_first: bool = False


@dataclass(frozen=True)
class Choice:
    """`complement`: SQL for exactly the scope's other rows, given only when few (see ListQuery.count)."""

    label: str
    sql: str | None
    complement: str | None = None


@dataclass(frozen=True)
class ChoiceFilter:
    """A filter with a few fixed choices (shown as a select); the first choice is the default."""

    name: str
    title: str
    choices: tuple[Choice, ...]

    def choice(self, label: str | None) -> Choice:
        return next((c for c in self.choices if c.label == label), self.choices[0])


@dataclass(frozen=True)
class ValueFilter:
    """A `name:value` token typed in the search box, e.g. `joined:2025-01-31` or `author:123`."""

    name: str
    help: str
    sql: str
    parse: Callable[[str], int]


@dataclass(frozen=True)
class ListSpec:
    """What only the list screen of the list `name` (a key of `sync.registry.LISTS`, whose definition gives
    its title and export) needs. `key` is the list's unique order tail (its primary key after the community);
    `detail` names the pane.

    `export_key` turns one of the list's export rows into the values of `key`, in `key`'s order (the export
    streams its rows ascending by exactly that key).

    `join` (the profile columns) is added to a count, anchor or key query only when the filter needs a name:
    SQLite keeps a LEFT JOIN it could drop, and a million primary-key lookups make a count ten times slower.

    `scope_column` is the bare column `scope` compares with the community id (None for an unscoped list).
    """

    name: str
    table: str
    join: str
    scope: str | None
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    search: Callable[[str], tuple[str, list[object]]]
    detail: str
    default_sort: str
    default_descending: bool = False
    choice_filters: tuple[ChoiceFilter, ...] = ()
    value_filters: tuple[ValueFilter, ...] = ()
    export_key: ExportKey = first_column_key
    user_key_index: int | None = 0
    scope_column: str | None = "community_id"
    search_hint: str = "name or id"  # what the free text of the search box matches, for its placeholder

    @property
    def definition(self) -> ListDefinition:
        return LISTS[self.name]

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def sortable(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.sort_sql is not None)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def count_column(name: str, title: str, sql: str, width: int, sort_index: str | None = None) -> Column:
    """A count (likes, posts …): a number, sortable by itself, largest first on its first sort."""
    return Column(name, title, sql, width, "int", sql, sort_index, descending_first=True)


def parse_day(text: str) -> int:
    """`2025-01-31` → unix seconds of that day's UTC midnight."""
    return int(datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC).timestamp())


def parse_day_end(text: str) -> int:
    """`to:2025-01-31` includes the whole of that day."""
    return parse_day(text) + DAY


def parse_id(text: str) -> int:
    """`123`, `id123` → 123 (VK screen names of the form id<N> are common in copied links)."""
    cleaned = text.strip().removeprefix("id")
    return int(cleaned)


def as_id(needle: str) -> int | None:
    try:
        return parse_id(needle)
    except ValueError:
        return None


FULL_NAME = "TRIM(IFNULL(u.first_name, '') || ' ' || IFNULL(u.last_name, ''))"
# The name column shows what every screen shows for a user without a fetched profile (search uses FULL_NAME).
SHOWN_NAME = f"COALESCE(NULLIF({FULL_NAME}, ''), '{NO_PROFILE}')"


def user_search(id_sql: str) -> Callable[[str], tuple[str, list[object]]]:
    """A user's id (exact) or a part of the name / screen name, in any letter case."""

    def search(needle: str) -> tuple[str, list[object]]:
        found = as_id(needle)
        if found is not None:
            return f"{id_sql} = ?", [found]
        operator, pattern = contains_any_case(needle)
        matches = f"{contains_sql(FULL_NAME, operator)} OR {contains_sql('u.domain', operator)}"
        return f"({matches})", [pattern, pattern]

    return search


def post_search(needle: str) -> tuple[str, list[object]]:
    """A post's id (exact), or a part of its text or of its author's name or screen name, in any case."""
    found = as_id(needle)
    if found is not None:
        return "p.post_id = ?", [found]
    operator, pattern = contains_any_case(needle)
    matches = [contains_sql(sql, operator) for sql in ("p.text", FULL_NAME, "u.domain")]
    return f"({' OR '.join(matches)})", [pattern] * len(matches)


# A post published as the community and unsigned has no author: say so, as the detail pane does.
POST_AUTHOR = f"CASE WHEN p.author_id IS NULL THEN 'the community' ELSE {SHOWN_NAME} END"


def _user_columns(id_sql: str) -> tuple[Column, ...]:
    return (
        Column("user_id", "user id", id_sql, 11, "int", id_sql),
        Column("name", "name", SHOWN_NAME, 24),
    )


INITIATOR = (
    "CASE WHEN g.first_message_from_id IS NULL THEN '' "
    "WHEN g.first_message_from_id < 0 THEN 'community' ELSE 'user' END"
)

SUBSCRIBERS = ListSpec(
    name="subscribers",
    table="membership m",
    join='LEFT JOIN "user" u ON u.id = m.user_id',
    scope="m.community_id = ?",
    key=("m.user_id",),
    columns=(
        *_user_columns("m.user_id"),
        Column("status", "status", "CASE WHEN m.is_current THEN 'member' ELSE 'left' END", 7),
        Column("joined_at", "joined", "m.joined_at", 16, "time", "COALESCE(m.joined_at, 0)",
               "membership_joined_sort"),
        Column("left_at", "left", "m.left_at", 16, "time", "COALESCE(m.left_at, 0)", "membership_left_sort"),
        Column("first_seen", "first seen", "m.first_seen", 16, "time"),
    ),
    search=user_search("m.user_id"),
    detail="user",
    default_sort="user_id",
    choice_filters=(
        ChoiceFilter(
            "status",
            "members",
            (
                Choice("current", "m.is_current = 1", complement="m.is_current = 0"),
                Choice("left", "m.is_current = 0"),
                Choice("all", None),
            ),
        ),
    ),
    value_filters=(
        ValueFilter("joined", "joined:YYYY-MM-DD joined on or after", "m.joined_at >= ?", parse_day),
        ValueFilter("left", "left:YYYY-MM-DD left on or after", "m.left_at >= ?", parse_day),
    ),
)

POSTS = ListSpec(
    name="posts",
    table="post p",
    join='LEFT JOIN "user" u ON u.id = p.author_id',
    scope="p.community_id = ?",
    key=("p.post_id",),
    columns=(
        Column("post_id", "post id", "p.post_id", 9, "int", "p.post_id"),
        Column("date", "date", "p.date", 16, "time", "p.date"),
        Column("author_id", "author id", "p.author_id", 11, "int"),
        Column("author", "author", POST_AUTHOR, 20),
        count_column("likes", "likes", "p.likes", 7, "post_likes_sort"),
        count_column("comments", "comm.", "p.comments", 6, "post_comments_sort"),
        count_column("reposts", "repo.", "p.reposts", 6, "post_reposts_sort"),
        count_column("views", "views", "p.views", 9, "post_views_sort"),
        Column("text", "text", "SUBSTR(REPLACE(p.text, char(10), ' '), 1, 60)", 40),
    ),
    search=post_search,
    detail="post",
    default_sort="date",
    default_descending=True,
    value_filters=(
        ValueFilter("from", "from:YYYY-MM-DD posted on or after", "p.date >= ?", parse_day),
        ValueFilter("to", "to:YYYY-MM-DD posted on or before", "p.date < ?", parse_day_end),
        ValueFilter("author", "author:ID posts by this author", "p.author_id = ?", parse_id),
    ),
    user_key_index=None,
    search_hint="text, author or post id",
)

AUTHORS = ListSpec(
    name="authors",
    table="author a",
    join='LEFT JOIN "user" u ON u.id = a.user_id',
    scope="a.community_id = ?",
    key=("a.user_id",),
    columns=(
        *_user_columns("a.user_id"),
        count_column("posts_count", "posts", "a.posts_count", 7),
        Column("first_post_at", "first post", "a.first_post_at", 16, "time", "COALESCE(a.first_post_at, 0)"),
        Column("last_post_at", "last post", "a.last_post_at", 16, "time", "COALESCE(a.last_post_at, 0)"),
    ),
    search=user_search("a.user_id"),
    detail="user",
    default_sort="posts_count",
    default_descending=True,
    value_filters=(
        ValueFilter("since", "since:YYYY-MM-DD posted on or after", "a.last_post_at >= ?", parse_day),
    ),
)

INTERACTIONS = ListSpec(
    name="interactions",
    table="interaction i",
    join='LEFT JOIN "user" u ON u.id = i.user_id',
    scope="i.community_id = ?",
    key=("i.post_id", "i.kind", "i.user_id", "i.comment_id"),
    columns=(
        Column("post_id", "post id", "i.post_id", 9, "int", "i.post_id"),
        Column("kind", "kind", "i.kind", 8),
        Column("user_id", "user id", "i.user_id", 11, "int"),
        Column("name", "name", SHOWN_NAME, 24),
        Column("comment_id", "comment", "i.comment_id", 11, "int"),  # VK comment ids run to 10 digits
        Column("date", "date", "i.date", 16, "time", "COALESCE(i.date, 0)"),
    ),
    search=user_search("i.user_id"),
    detail="user",
    default_sort="post_id",
    default_descending=True,
    choice_filters=(
        ChoiceFilter(
            "kind",
            "kind",
            (
                Choice("all", None),
                Choice("like", "i.kind = 'like'"),
                Choice("comment", "i.kind = 'comment'"),
                Choice("repost", "i.kind = 'repost'"),
            ),
        ),
    ),
    value_filters=(ValueFilter("post", "post:ID interactions on this post", "i.post_id = ?", parse_id),),
    export_key=interaction_export_key,
    user_key_index=2,
)

_MAILING_USER = _user_columns("g.user_id")

MAILING = ListSpec(
    name="mailing",
    table="mailing g",
    join='LEFT JOIN "user" u ON u.id = g.user_id',
    scope="g.community_id = ?",
    key=("g.user_id",),
    columns=(
        *_MAILING_USER,
        Column("can_write", "can write", "g.can_write", 9, "flag"),
        Column("has_dialog", "dialog", "g.has_dialog", 6, "flag"),
        Column(
            "last_message_date",
            "last message",
            "g.last_message_date",
            16,
            "time",
            "COALESCE(g.last_message_date, 0)",
            "mailing_last_message_sort",
        ),
        Column("unanswered", "unansw.", "g.unanswered", 7, "flag"),
        Column("important", "important", "g.important", 9, "flag"),
        Column("initiator", "initiator", INITIATOR, 9),
    ),
    search=user_search("g.user_id"),
    detail="dialog",
    default_sort="user_id",
    choice_filters=(
        ChoiceFilter(
            "can_write",
            "can write",
            (Choice("all", None), Choice("yes", "g.can_write = 1"), Choice("no", "g.can_write = 0")),
        ),
        ChoiceFilter(
            "initiator",
            "initiator",
            (
                Choice("all", None),
                Choice("user", "g.first_message_from_id > 0"),
                Choice("community", "g.first_message_from_id < 0"),
                Choice("unknown", "g.first_message_from_id IS NULL"),
            ),
        ),
    ),
)

MAILING_ANALYSIS = ListSpec(
    name="mailing-analysis",
    table="mailing g",
    join='LEFT JOIN "user" u ON u.id = g.user_id',
    scope="g.community_id = ?",
    key=("g.user_id",),
    columns=(
        *_MAILING_USER,
        Column(
            "first_message_date",
            "first message",
            "g.first_message_date",
            16,
            "time",
            "COALESCE(g.first_message_date, 0)",
            "mailing_first_message_sort",
        ),
        Column("first_message_from_id", "from id", "g.first_message_from_id", 11, "int"),
        Column("initiator", "initiator", INITIATOR, 9),
        Column("analysed_at", "analysed", "g.analysed_at", 16, "time", "COALESCE(g.analysed_at, 0)",
               "mailing_analysed_sort"),
    ),
    search=user_search("g.user_id"),
    detail="dialog",
    default_sort="user_id",
    choice_filters=(
        ChoiceFilter(
            "analysed",
            "analysed",
            (
                Choice("analysed", "g.analysed_at IS NOT NULL"),
                Choice("not analysed", "g.analysed_at IS NULL"),
                Choice("all", None),
            ),
        ),
    ),
)

PROFILES = ListSpec(
    name="profiles",
    table='"user" u',
    join="",
    scope=None,
    scope_column=None,
    key=("u.id",),
    columns=(
        *_user_columns("u.id"),
        Column("domain", "screen name", "u.domain", 16),
        Column("city", "city", "u.city", 14),
        Column("bdate", "birthday", "u.bdate", 10),
        Column("last_seen", "last seen", "u.last_seen", 16, "time", "COALESCE(u.last_seen, 0)",
               "user_last_seen_sort"),
        Column("deactivated", "deactivated", "u.deactivated", 11),
        Column("refreshed_at", "refreshed", "u.refreshed_at", 16, "time", "COALESCE(u.refreshed_at, 0)",
               "user_refreshed_sort"),
    ),
    search=user_search("u.id"),
    detail="user",
    default_sort="user_id",
    choice_filters=(
        ChoiceFilter(
            "refreshed",
            "profiles",
            (Choice("refreshed", "u.refreshed_at IS NOT NULL"), Choice("all stored", None)),
        ),
        ChoiceFilter(
            "state",
            "state",
            (
                Choice("all", None),
                Choice("active", "u.deactivated IS NULL"),
                Choice("deactivated", "u.deactivated IS NOT NULL"),
            ),
        ),
    ),
)

SPECS: dict[str, ListSpec] = {
    spec.name: spec
    for spec in (SUBSCRIBERS, POSTS, AUTHORS, INTERACTIONS, MAILING, MAILING_ANALYSIS, PROFILES)
}
