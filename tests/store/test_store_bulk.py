"""Bulk SQL built once by peewee, executed by the driver: upsert, preserve, ignore, atomicity, portability."""

from __future__ import annotations

from collections.abc import Iterator

import peewee as pw
import pytest

from vksync_tui.store.bulk import InList, execute_many, insert_ignore_sql, insert_sql, upsert_sql
from vksync_tui.store.models import Author, Membership, User, apply_backend_options, database_proxy

MEMBER_FIELDS = [Membership.community_id, Membership.user_id, Membership.is_current, Membership.first_seen]
MEMBER_KEY = [Membership.community_id, Membership.user_id]


def _member_rows() -> dict[int, tuple[bool, int, int | None]]:
    return {
        m.user_id: (m.is_current, m.first_seen, m.left_at)
        for m in Membership.select().order_by(Membership.user_id)
    }


def test_upsert_inserts_then_updates_only_preserved_columns(db: pw.Database) -> None:
    sql = upsert_sql(Membership, MEMBER_FIELDS, MEMBER_KEY, preserve=[Membership.is_current],
                     update={Membership.left_at: None})
    assert execute_many(db, sql, [(1, 10, True, 100), (1, 11, True, 100)]) == 2
    Membership.update(is_current=False, left_at=150).where(Membership.user_id == 11).execute()

    execute_many(db, sql, [(1, 11, True, 999), (1, 12, False, 200)])

    assert _member_rows() == {
        10: (True, 100, None),
        11: (True, 100, None),  # is_current taken from the row, first_seen kept, left_at reset
        12: (False, 200, None),
    }


def test_upsert_update_expressions_and_boolean_constants(db: pw.Database) -> None:
    sql = upsert_sql(
        Author,
        [Author.community_id, Author.user_id, Author.posts_count, Author.last_post_at],
        [Author.community_id, Author.user_id],
        preserve=[Author.last_post_at],
        update={Author.posts_count: Author.posts_count + 1},
    )
    execute_many(db, sql, [(1, 5, 1, 10)])
    execute_many(db, sql, [(1, 5, 1, 20), (1, 5, 1, 30)])
    author = Author.get(community_id=1, user_id=5)
    assert (author.posts_count, author.last_post_at) == (3, 30)

    flip = upsert_sql(Membership, MEMBER_FIELDS, MEMBER_KEY, update={Membership.is_current: False})
    execute_many(db, flip, [(1, 7, True, 1)])
    execute_many(db, flip, [(1, 7, True, 1)])
    assert Membership.get(community_id=1, user_id=7).is_current is False


def test_insert_ignore_keeps_existing_rows(db: pw.Database) -> None:
    sql = insert_ignore_sql(User, [User.id, User.first_name])
    execute_many(db, sql, [(1, "first"), (2, "second")])
    execute_many(db, sql, [(1, "changed"), (3, "third")])
    assert {u.id: u.first_name for u in User.select()} == {1: "first", 2: "second", 3: "third"}


def test_upsert_without_update_behaves_as_insert_ignore(db: pw.Database) -> None:
    assert upsert_sql(User, [User.id], [User.id]) == insert_ignore_sql(User, [User.id])


def test_a_bad_row_fails_the_whole_batch(db: pw.Database) -> None:
    sql = insert_sql(Membership, MEMBER_FIELDS)
    with pytest.raises(pw.IntegrityError):
        execute_many(db, sql, [(1, 1, True, 5), (1, 2, True, None), (1, 3, True, 5)])
    assert Membership.select().count() == 0


def test_rows_are_plain_tuples_in_field_order(db: pw.Database) -> None:
    fields = [Membership.first_seen, Membership.user_id, Membership.community_id]
    execute_many(db, insert_sql(Membership, fields), [(50, 2, 1)])
    member = Membership.get()
    assert (member.community_id, member.user_id, member.first_seen, member.is_current) == (1, 2, 50, True)


def test_string_constants_are_inlined_safely(db: pw.Database) -> None:
    sql = upsert_sql(User, [User.id], [User.id], update={User.first_name: "O'Brien"})
    execute_many(db, sql, [(1,)])
    execute_many(db, sql, [(1,)])
    assert User.get_by_id(1).first_name == "O'Brien"


def test_callable_defaults_must_be_listed(db: pw.Database) -> None:
    class Stamped(pw.Model):
        id = pw.IntegerField(primary_key=True)
        at = pw.IntegerField(default=lambda: 5)

        class Meta:
            database = db

    with pytest.raises(ValueError, match=r"\['at'\]"):
        insert_sql(Stamped, [Stamped.id])


@pytest.fixture
def postgres_binding(db: pw.Database) -> Iterator[None]:
    """Render (never run) statements for PostgreSQL, then restore the SQLite binding."""
    postgres = pw.PostgresqlDatabase("vksync")
    database_proxy.initialize(postgres)
    apply_backend_options(postgres)
    yield
    database_proxy.initialize(db)
    apply_backend_options(db)


def test_statements_are_portable_to_postgres(postgres_binding: None) -> None:
    upsert = upsert_sql(Membership, MEMBER_FIELDS, MEMBER_KEY, preserve=[Membership.first_seen],
                        update={Membership.is_current: True})
    assert upsert == (
        'INSERT INTO "membership" ("community_id", "user_id", "is_current", "first_seen") '
        'VALUES (%s, %s, %s, %s) ON CONFLICT ("community_id", "user_id") DO UPDATE SET '
        '"first_seen" = EXCLUDED."first_seen", "is_current" = TRUE'
    )
    assert insert_ignore_sql(User, [User.id]) == (  # constant defaults of unlisted columns are inlined
        'INSERT INTO "user" ("id", "first_name", "last_name", "sex") VALUES (%s, \'\', \'\', 0) '
        "ON CONFLICT DO NOTHING"
    )
    create_sql, _ = Membership._schema._create_table().query()
    assert "WITHOUT ROWID" not in create_sql


def test_in_list_binds_its_values_in_placeholder_order(db: pw.Database) -> None:
    execute_many(db, insert_sql(Membership, MEMBER_FIELDS), [(1, user, True, 100) for user in range(10, 20)])
    execute_many(db, insert_sql(Membership, MEMBER_FIELDS), [(2, 12, True, 100)])
    query = Membership.select(Membership.user_id).where(
        (Membership.community_id == 1)
        & Membership.user_id.in_(InList([12, 15, 99]))
        & (Membership.first_seen > 50)
    )
    assert query.sql()[1] == [1, 12, 15, 99, 50]
    assert sorted(user for (user,) in query.tuples()) == [12, 15]
    assert list(Membership.select().where(Membership.user_id.in_(InList([])))) == []
    assert Membership.delete().where(Membership.user_id.in_(InList(range(10, 15)))).execute() == 6


def test_in_list_renders_postgres_placeholders(postgres_binding: None) -> None:
    query = Membership.select(Membership.user_id).where(Membership.user_id.in_(InList([3, 4])))
    assert query.sql() == (
        'SELECT "t1"."user_id" FROM "membership" AS "t1" WHERE ("t1"."user_id" IN (%s, %s))', [3, 4]
    )
