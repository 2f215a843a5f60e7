"""The exports of the wall lists (posts, authors, interactions), streamed in a stable order.

`include_all` has no meaning for these lists (nothing is kept that left the list) and is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator

import peewee as pw

from vksync_tui.store.models import Author, Interaction, Post, User
from vksync_tui.sync.exports.format import ExportRow, ExportSpec, iso_time

POST_COLUMNS = ("post_id", "date", "author_id", "from_id", "signer_id", "is_pinned", "likes", "comments",
                "reposts", "views", "text")
AUTHOR_COLUMNS = ("user_id", "posts_count", "first_post_at", "last_post_at", "first_name", "last_name")
INTERACTION_COLUMNS = ("post_id", "user_id", "kind", "comment_id", "date")


def post_rows(group_id: int, include_all: bool) -> Iterator[ExportRow]:
    query = (
        Post.select(Post.post_id, Post.date, Post.author_id, Post.from_id, Post.signer_id, Post.is_pinned,
                    Post.likes, Post.comments, Post.reposts, Post.views, Post.text)
        .where(Post.community_id == group_id)
        .order_by(Post.post_id)
    )
    for row in query.tuples().iterator():
        post_id, date, author_id, from_id, signer_id, is_pinned, *rest = row
        yield (post_id, iso_time(date), author_id, from_id, signer_id, int(bool(is_pinned)), *rest)


def author_rows(group_id: int, include_all: bool) -> Iterator[ExportRow]:
    query = (
        Author.select(Author.user_id, Author.posts_count, Author.first_post_at, Author.last_post_at,
                      User.first_name, User.last_name)
        .join(User, pw.JOIN.LEFT_OUTER, on=(User.id == Author.user_id))
        .where(Author.community_id == group_id)
        .order_by(Author.user_id)
    )
    for user_id, posts_count, first_at, last_at, first_name, last_name in query.tuples().iterator():
        yield user_id, posts_count, iso_time(first_at), iso_time(last_at), first_name, last_name


def interaction_rows(group_id: int, include_all: bool) -> Iterator[ExportRow]:
    query = (
        Interaction.select(Interaction.post_id, Interaction.user_id, Interaction.kind, Interaction.comment_id,
                           Interaction.date)
        .where(Interaction.community_id == group_id)
        .order_by(Interaction.post_id, Interaction.kind, Interaction.user_id, Interaction.comment_id)
    )
    for post_id, user_id, kind, comment_id, date in query.tuples().iterator():
        yield post_id, user_id, kind, comment_id or None, iso_time(date)


POSTS = ExportSpec(POST_COLUMNS, post_rows)
AUTHORS = ExportSpec(AUTHOR_COLUMNS, author_rows)
INTERACTIONS = ExportSpec(INTERACTION_COLUMNS, interaction_rows)
