"""Every table of the seven lists, bound through one module-level `DatabaseProxy`.

Why a proxy: the sync modules and the TUI import these classes at import time, long before the operator's
database is known; `open_database()` initialises the proxy once, before any worker thread starts, so the
binding is never changed concurrently (no `ThreadSafeDatabaseMetadata` needed).

Conventions that keep the schema portable (SQLite now, PostgreSQL by URL later):
- times are integer unix seconds (`BigIntegerField`, so PostgreSQL does not overflow in 2038);
- VK ids are `BigIntegerField` (BIGINT on PostgreSQL, INTEGER on SQLite);
- plain `*_id` integer columns instead of foreign keys: rows arrive from VK in any order and the hot bulk
  paths must not pay for FK checks;
- JSON payloads are TEXT (`JsonTextField`), not a backend-specific JSON type;
- composite-key tables are `WITHOUT ROWID` on SQLite only (`apply_backend_options`), because peewee would emit
  the clause for PostgreSQL too, which rejects it; `post`, whose rows carry the text, stays a rowid table.
"""

from __future__ import annotations

import json
from typing import Any

import peewee as pw

database_proxy = pw.DatabaseProxy()


class JsonTextField(pw.TextField):
    """JSON stored as TEXT: readable on every backend and never coerced by SQLite's column affinity."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """One row per applied migration step; the current schema version is the highest `version`."""

    version = pw.IntegerField(primary_key=True)
    description = pw.TextField()
    applied_at = pw.BigIntegerField()

    class Meta:
        table_name = "schema_version"


class Community(BaseModel):
    id = pw.BigIntegerField(primary_key=True)
    screen_name = pw.TextField(default="")
    title = pw.TextField(default="")
    is_closed = pw.IntegerField(default=0)
    members_count = pw.BigIntegerField(null=True)
    updated_at = pw.BigIntegerField(null=True)

    class Meta:
        table_name = "community"


class User(BaseModel):
    """A VK profile as returned by users.get (city is stored as its title)."""

    id = pw.BigIntegerField(primary_key=True)
    first_name = pw.TextField(default="")
    last_name = pw.TextField(default="")
    photo_100 = pw.TextField(null=True)
    sex = pw.IntegerField(default=0)
    city = pw.TextField(null=True)
    bdate = pw.TextField(null=True)
    domain = pw.TextField(null=True)
    last_seen = pw.BigIntegerField(null=True)
    deactivated = pw.TextField(null=True)
    is_closed = pw.BooleanField(null=True)
    can_access_closed = pw.BooleanField(null=True)
    refreshed_at = pw.BigIntegerField(null=True)

    class Meta:
        table_name = "user"


class Membership(BaseModel):
    """Current and former members; leaving only flips `is_current` (history lives in MembershipEvent).

    `joined_at` is NULL for members found by a community's first (baseline) sync: their join time is unknown.
    """

    community_id = pw.BigIntegerField()
    user_id = pw.BigIntegerField()
    is_current = pw.BooleanField(default=True)
    first_seen = pw.BigIntegerField()
    joined_at = pw.BigIntegerField(null=True)
    left_at = pw.BigIntegerField(null=True)

    class Meta:
        table_name = "membership"
        primary_key = pw.CompositeKey("community_id", "user_id")
        indexes = ((("community_id", "is_current", "user_id"), False),)


class MembershipEvent(BaseModel):
    community_id = pw.BigIntegerField()
    user_id = pw.BigIntegerField()
    kind = pw.TextField(choices=[("join", "join"), ("leave", "leave")])
    at = pw.BigIntegerField()
    run_id = pw.IntegerField(null=True)

    class Meta:
        table_name = "membership_event"
        indexes = (
            (("community_id", "user_id"), False),
            (("community_id", "at"), False),
        )


class Post(BaseModel):
    community_id = pw.BigIntegerField()
    post_id = pw.BigIntegerField()
    from_id = pw.BigIntegerField(null=True)
    signer_id = pw.BigIntegerField(null=True)
    created_by = pw.BigIntegerField(null=True)
    author_id = pw.BigIntegerField(null=True)
    date = pw.BigIntegerField()
    text = pw.TextField(default="")
    is_pinned = pw.BooleanField(default=False)
    likes = pw.IntegerField(default=0)
    comments = pw.IntegerField(default=0)
    reposts = pw.IntegerField(default=0)
    views = pw.BigIntegerField(default=0)
    fetched_at = pw.BigIntegerField()

    class Meta:
        table_name = "post"
        primary_key = pw.CompositeKey("community_id", "post_id")
        indexes = (
            (("community_id", "date"), False),
            (("community_id", "author_id", "date"), False),  # covers the authors list's dates
        )


class Author(BaseModel):
    community_id = pw.BigIntegerField()
    user_id = pw.BigIntegerField()
    posts_count = pw.IntegerField(default=0)
    first_post_at = pw.BigIntegerField(null=True)
    last_post_at = pw.BigIntegerField(null=True)

    class Meta:
        table_name = "author"
        primary_key = pw.CompositeKey("community_id", "user_id")


class Interaction(BaseModel):
    """A like, comment or repost on a community post.

    `comment_id` is 0 for likes and reposts (not NULL) so the unique key behaves the same on every backend
    (NULLs are distinct in unique indexes on SQLite and PostgreSQL alike).
    """

    community_id = pw.BigIntegerField()
    post_id = pw.BigIntegerField()
    user_id = pw.BigIntegerField()
    kind = pw.TextField(choices=[("like", "like"), ("comment", "comment"), ("repost", "repost")])
    comment_id = pw.BigIntegerField(default=0)
    date = pw.BigIntegerField(null=True)

    class Meta:
        table_name = "interaction"
        primary_key = pw.CompositeKey("community_id", "post_id", "kind", "user_id", "comment_id")
        indexes = ((("community_id", "user_id"), False),)


class Mailing(BaseModel):
    """Dialog state of a community member (messages.getConversations / isMessagesFromGroupAllowed)."""

    community_id = pw.BigIntegerField()
    user_id = pw.BigIntegerField()
    has_dialog = pw.BooleanField(default=False)
    can_write = pw.BooleanField(null=True)
    can_write_reason = pw.IntegerField(null=True)
    last_message_date = pw.BigIntegerField(null=True)
    unanswered = pw.BooleanField(default=False)
    important = pw.BooleanField(default=False)
    first_message_date = pw.BigIntegerField(null=True)
    first_message_from_id = pw.BigIntegerField(null=True)
    analysed_at = pw.BigIntegerField(null=True)
    seen_run = pw.IntegerField(null=True)
    updated_at = pw.BigIntegerField(null=True)

    class Meta:
        table_name = "mailing"
        primary_key = pw.CompositeKey("community_id", "user_id")


class SyncRun(BaseModel):
    """One run of one list sync: the checkpoint and the record the TUI's history shows."""

    id = pw.AutoField()
    list_name = pw.TextField()
    community_id = pw.BigIntegerField()
    started_at = pw.BigIntegerField()
    finished_at = pw.BigIntegerField(null=True)
    status = pw.TextField(default="running")
    expected = pw.BigIntegerField(null=True)
    fetched = pw.BigIntegerField(default=0)
    requests = pw.IntegerField(default=0)
    figures = JsonTextField(null=True)
    failed_chunks = JsonTextField(null=True)
    error = pw.TextField(null=True)

    class Meta:
        table_name = "sync_run"
        indexes = ((("community_id", "list_name", "started_at"), False),)


class PendingDiff(BaseModel):
    """A subscribers diff waiting for the operator's confirmation (at most one per community)."""

    run_id = pw.IntegerField(primary_key=True)
    community_id = pw.BigIntegerField(unique=True)
    created_at = pw.BigIntegerField()
    expected = pw.BigIntegerField(null=True)
    fetched = pw.BigIntegerField(default=0)
    joined = pw.BigIntegerField(default=0)
    left = pw.BigIntegerField(default=0)
    still_member = pw.BigIntegerField(default=0)
    threshold = pw.FloatField(null=True)

    class Meta:
        table_name = "pending_diff"


class PendingDiffItem(BaseModel):
    run_id = pw.IntegerField()
    user_id = pw.BigIntegerField()
    kind = pw.TextField(choices=[("joined", "joined"), ("left", "left"), ("still_member", "still_member")])

    class Meta:
        table_name = "pending_diff_item"
        primary_key = pw.CompositeKey("run_id", "kind", "user_id")


ALL_MODELS: tuple[type[BaseModel], ...] = (
    SchemaVersion,
    Community,
    User,
    Membership,
    MembershipEvent,
    Post,
    Author,
    Interaction,
    Mailing,
    SyncRun,
    PendingDiff,
    PendingDiffItem,
)


# Composite-key tables whose rows are large: a WITHOUT ROWID table keeps whole rows in its key's b-tree,
# which SQLite advises only for rows under ~1/20 of a page. A post with its text is ~0.5-2 KB: filling
# 20,000 of them cost 68 µs each WITHOUT ROWID, 48 µs as a rowid table with the same key (1100 per commit).
LARGE_ROW_MODELS: tuple[type[BaseModel], ...] = (Post,)


def apply_backend_options(db: pw.Database) -> None:
    """Composite-key tables of small rows are `WITHOUT ROWID` on SQLite (1.5× faster to fill, 2.6× smaller),
    only there (see `LARGE_ROW_MODELS` for the exception)."""
    is_sqlite = isinstance(db, pw.SqliteDatabase)
    for model in ALL_MODELS:
        composite = isinstance(model._meta.primary_key, pw.CompositeKey)
        model._meta.without_rowid = is_sqlite and composite and model not in LARGE_ROW_MODELS
