"""The authors table follows the posts table: counts and dates per author, and authors who no longer have a
post leave it, whatever the table held before (rows that did not change are left as they are)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import peewee as pw
import pytest

from vksync_tui.store.db import open_database
from vksync_tui.store.models import Author, Post, User, database_proxy
from vksync_tui.sync.posts import recompute_authors, stored_authors

GROUP = 7


@pytest.fixture
def db(tmp_path: Path) -> Iterator[pw.Database]:
    database = open_database(tmp_path / "authors.db")
    yield database
    database.close()
    database_proxy.close()


def post(post_id: int, author: int | None, date: int, group: int = GROUP) -> None:
    Post.create(community_id=group, post_id=post_id, author_id=author, date=date, fetched_at=1)


def authors(group: int = GROUP) -> list[tuple[int, int, int, int]]:
    query = Author.select(Author.user_id, Author.posts_count, Author.first_post_at, Author.last_post_at)
    return sorted(query.where(Author.community_id == group).tuples())


def test_authors_follow_posts_added_changed_and_removed(db: pw.Database) -> None:
    post(1, 100, 10)
    post(2, 100, 30)
    post(3, 200, 20)
    post(4, None, 40)  # published as the community, unsigned: nobody's
    post(1, 300, 50, group=GROUP + 1)
    assert recompute_authors(GROUP) == 2
    assert authors() == [(100, 2, 10, 30), (200, 1, 20, 20)]
    assert {user.id for user in User.select()} == {100, 200}

    Post.delete().where((Post.community_id == GROUP) & (Post.post_id == 3)).execute()  # 200's only post
    post(5, 100, 5)
    post(6, 400, 60)
    assert recompute_authors(GROUP) == 2
    assert authors() == [(100, 3, 5, 30), (400, 1, 60, 60)]
    assert authors(GROUP + 1) == []  # another community's authors are its own sync's business
    assert recompute_authors(GROUP + 1) == 1 and authors() == [(100, 3, 5, 30), (400, 1, 60, 60)]


def test_recounting_only_the_touched_authors_gives_the_whole_recount(db: pw.Database) -> None:
    """An incremental pass names the authors its posts had and have (`touched`): the table must end as a
    recount of every post would leave it, and authors it did not name are not even read."""
    post(1, 100, 10)
    post(2, 200, 20)  # 200's only post: it will change hands
    post(3, 300, 30)
    post(4, 100, 40)
    assert recompute_authors(GROUP) == 3
    Post.update(author_id=500).where(Post.post_id == 2).execute()
    post(5, 600, 50)
    post(6, 100, 5)
    Author.update(posts_count=99).where(Author.user_id == 300).execute()  # not touched: left alone
    assert recompute_authors(GROUP, touched={100, 200, 500, 600}) == 4
    assert authors() == [(100, 3, 5, 40), (300, 99, 30, 30), (500, 1, 20, 20), (600, 1, 50, 50)]
    assert {500, 600} <= {user.id for user in User.select()}
    Author.update(posts_count=1).where(Author.user_id == 300).execute()
    touched_result = authors()
    assert recompute_authors(GROUP) == 4 and authors() == touched_result
    assert recompute_authors(GROUP, touched=set()) == 4 and authors() == touched_result


def test_the_authors_of_written_posts_are_found_by_post_key_not_by_walking_the_author_index(
    db: pw.Database,
) -> None:
    """An incremental pass asks this for every batch it writes: a walk of the author index costs the whole
    wall each time (146 ms per 500 ids at 200,000 posts)."""
    for post_id in range(1, 201):
        post(post_id, 100 + post_id % 7 if post_id % 3 else None, post_id)
    query = stored_authors(GROUP, [5, 6, 7, 999])
    assert sorted(author for (author,) in query.tuples() if author is not None) == [100, 105]
    sql, params = query.sql()
    plan = " ".join(str(row) for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())
    assert "author" not in plan and "post_id" in plan, plan
