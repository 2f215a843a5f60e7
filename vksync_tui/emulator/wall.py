"""A community wall: posts, their likes, reposts and comment threads, all derived from (seed, group, post id).

Only the post id list, the pinned/popular choices and later mutations are stored. Every counter on a post
is computed from the same lists the list methods page through (likes.getList, wall.getReposts,
wall.getComments), so `likes.count == len(likers)`, `reposts.wall_count == len(reposts)` and
`comments.count == number of comments incl. thread replies` always hold — including after `add_likes`.
`reposts.count` = `wall_count` + `mail_count` (shares in private messages are counted but never listed,
as on VK).
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple, TypeVar

from vksync_tui.emulator.cache import BoundedMemo
from vksync_tui.emulator.hashing import (
    HASH_START,
    below,
    distinct_walk,
    hash_continue,
    hash_of,
    hash_one,
    hash_prefix,
    rng_for,
    unit_continue,
)
from vksync_tui.emulator.jsontext import json_bytes
from vksync_tui.emulator.spec import CommunitySpec
from vksync_tui.emulator.texts import sentence_text, short_reply

_TAG_POST_IDS = 0x5049
_TAG_POST = 0x5054
_TAG_LIKERS = 0x4C49
_TAG_REPOSTERS = 0x5250
_TAG_COMMENTS = 0x434D
_TAG_TEXT = 0x5458
_TAG_POPULAR = 0x5050
COMMENT_ID_STRIDE = 100_000  # comment id = post_id * stride + sequence: ids stay unique per wall
_DAY = 86_400
_PLAN_MEMO = 100_000  # ~250 bytes a plan
_FACTS_MEMO = 30_000  # texts average ~550 characters: ~40 MB at most
_TREE_MEMO = 32  # trees of the posts being paged through (a popular post's tree is ~200 KB)
T = TypeVar("T")


class PostPlan(NamedTuple):
    """Everything about a post except its lists (which are derived from these numbers on demand)."""

    post_id: int
    date: int
    from_id: int
    signer_id: int | None
    created_by: int | None
    author: int | None  # post_author_data.author
    user_likes: int  # likes by users (the walk part of the likers list)
    group_likers: tuple[int, ...]  # community ids (positive) that liked the post
    wall_reposts: int
    mail_reposts: int
    top_comments: int
    popular: bool


class Comment(NamedTuple):
    comment_id: int
    from_id: int
    date: int
    parent_id: int  # 0 for a top-level comment, else the thread's top comment
    reply_to_user: int | None
    reply_to_comment: int | None


CommentTree = tuple[tuple[Comment, tuple[Comment, ...]], ...]


class _PostFacts(NamedTuple):
    """What a post's wall.get object is built from besides its likes (the only counter that changes)."""

    plan: PostPlan
    text: str
    comments: int
    views_base: int
    hash_text: str


class PostState(NamedTuple):
    """A post's wall.get object before it is made: its facts, and its likes count at one moment."""

    facts: _PostFacts
    likes: int


def _views(facts: _PostFacts, likes: int) -> int:
    """A post's view count: it follows its likes and wall reposts."""
    return likes * 12 + facts.plan.wall_reposts * 30 + facts.views_base


# `post_column`'s paths that depend on the post alone (the object's key, or the chain through it).
_POST_COLUMNS: dict[str, Callable[[Sequence[PostState]], list[Any]]] = {
    "id": lambda states: [facts.plan.post_id for facts, _ in states],
    "date": lambda states: [facts.plan.date for facts, _ in states],
    "from_id": lambda states: [facts.plan.from_id for facts, _ in states],
    "signer_id": lambda states: [facts.plan.signer_id for facts, _ in states],
    "post_author_data.author": lambda states: [facts.plan.author for facts, _ in states],
    "text": lambda states: [facts.text for facts, _ in states],
    "likes.count": lambda states: [likes for _, likes in states],
    "comments.count": lambda states: [facts.comments for facts, _ in states],
    "reposts.count": lambda states: [facts.plan.wall_reposts + facts.plan.mail_reposts
                                     for facts, _ in states],
    "views.count": lambda states: [_views(facts, likes) for facts, likes in states],
}


class Wall:
    """Posts of one community wall (see module docstring).

    Plans, texts, comment counts and recent comment trees of existing posts are memoised (bounded): they
    are pure functions of the ids, posts are never deleted, and the one counter that changes (likes, via
    `add_likes`) is read fresh on every answer. A post's memo entries are made only once the post exists,
    so `add_posts` can never leave a stale one behind.
    """

    def __init__(self, seed: int, cspec: CommunitySpec, audience: array, created: int, now: int) -> None:
        self.seed = seed
        self.group_id = cspec.id
        self.wall_open = cspec.wall_open
        self.audience = audience
        rng = rng_for(seed, _TAG_POST_IDS, cspec.id)
        gaps = bytes(1 if b < 220 else 2 + b % 3 for b in rng.randbytes(cspec.posts))
        self.post_ids = array("q", [0])
        for gap in gaps:
            self.post_ids.append(self.post_ids[-1] + gap)
        self.post_ids.pop(0)
        self._first_date = created
        self._interval = max(1, (now - 3 * 3600 - created) // max(1, cspec.posts))
        self._post_hash = hash_prefix(seed, _TAG_POST, cspec.id)
        self._text_hash = hash_prefix(seed, _TAG_TEXT, cspec.id)
        self._comments_hash = hash_prefix(seed, _TAG_COMMENTS, cspec.id)
        self.popular = self._choose_popular(cspec.popular_posts)
        self.pinned: int | None = self._choose_pinned()
        self._added_dates: dict[int, int] = {}
        self._extra_likes: dict[int, list[int]] = {}
        self._comment_counts: dict[int, int] = {}
        self._publishers: list[int] = []
        self._liker_groups: tuple[int, ...] = ()
        self._feed: list[int] | None = None
        self._plans: BoundedMemo[int, PostPlan] = BoundedMemo(_PLAN_MEMO)
        self._facts: BoundedMemo[int, _PostFacts] = BoundedMemo(_FACTS_MEMO)
        self._trees: BoundedMemo[int, CommentTree] = BoundedMemo(_TREE_MEMO)

    def link(self, managers: dict[int, str], liker_groups: Sequence[int]) -> None:
        """Managers who can publish (editors and up) sign `created_by`; other communities may like posts."""
        self._publishers = sorted(uid for uid, role in managers.items() if role != "moderator")
        self._liker_groups = tuple(gid for gid in liker_groups if gid != self.group_id)
        self._plans.clear()
        self._facts.clear()

    def _choose_popular(self, count: int) -> frozenset[int]:
        if not self.post_ids or count <= 0:
            return frozenset()
        older = self.post_ids[: max(1, len(self.post_ids) * 9 // 10)]
        return frozenset(distinct_walk(older, count, hash_of(self.seed, _TAG_POPULAR, self.group_id)))

    def _choose_pinned(self) -> int | None:
        if not self.post_ids:
            return None
        if self.popular:
            return min(self.popular)
        return self.post_ids[hash_of(self.seed, _TAG_POPULAR, self.group_id, 1) % len(self.post_ids)]

    # ------------------------------------------------------------------------------------------- lookups
    def __len__(self) -> int:
        return len(self.post_ids)

    def has_post(self, post_id: int) -> bool:
        index = bisect_left(self.post_ids, post_id)
        return index < len(self.post_ids) and self.post_ids[index] == post_id

    def feed_order(self) -> list[int]:
        """Post ids in wall.get order: the pinned post first, then newest to oldest.

        Kept between calls (only `add_posts` changes it): callers slice it and must not modify it."""
        if self._feed is None:
            ordered = [pid for pid in reversed(self.post_ids) if pid != self.pinned]
            self._feed = [self.pinned, *ordered] if self.pinned is not None else ordered
        return self._feed

    def _user_at(self, *key: int) -> int:
        return self.audience[hash_continue(self._post_hash, *key) % len(self.audience)]

    def _memo_if_posted(self, memo: BoundedMemo[int, T], post_id: int, make: Callable[[int], T]) -> T:
        """`make(post_id)`, memoised only for an existing post (see the class docstring): an entry is there
        only if its post exists, and posts are never deleted, so a memoised one needs no lookup."""
        value = memo.peek(post_id)
        if value is not None:
            return value
        if self.has_post(post_id):
            return memo.get(post_id, make)
        return make(post_id)

    def plan(self, post_id: int) -> PostPlan:
        return self._memo_if_posted(self._plans, post_id, self._make_plan)

    def _make_plan(self, post_id: int) -> PostPlan:
        h = hash_one(self._post_hash, post_id)
        date = self._added_dates.get(post_id)
        if date is None:
            index = bisect_left(self.post_ids, post_id)
            date = self._first_date + index * self._interval + h % max(1, self._interval // 2)
        roll = h % 100
        user_posts_from = 85 if self.wall_open else 100
        signed_from = 70 if self.wall_open else 80
        signer = created_by = author = None
        from_id = -self.group_id
        if roll >= user_posts_from:
            from_id = self._user_at(post_id, 1)
        else:
            if roll >= signed_from:
                signer = self._user_at(post_id, 2)
            if self._publishers and (h >> 8) % 100 < 40:
                created_by = self._publishers[(h >> 12) % len(self._publishers)]
            if self._publishers and (h >> 20) % 100 < 15:
                author = self._publishers[(h >> 24) % len(self._publishers)]
        popular = post_id in self.popular
        cap = max(0, len(self.audience) - 1)
        stream = hash_one(HASH_START, h)  # unit(h, k) == unit_continue(stream, k)
        user_likes = min(cap, 1000 + h % 2500 if popular else int(300 * unit_continue(stream, 1) ** 3))
        group_likers: tuple[int, ...] = ()
        if self._liker_groups and user_likes >= 5 and (h >> 30) % 10 == 0:
            group_likers = self._liker_groups[: 1 + (h >> 34) % 2]
        wall_reposts = min(cap, 1001 + h % 800 if popular else int(40 * unit_continue(stream, 2) ** 4))
        mail_reposts = 50 + h % 300 if popular else (1 + (h >> 36) % 3 if (h >> 40) % 5 == 0 else 0)
        top_comments = 110 + h % 150 if popular else int(20 * unit_continue(stream, 3) ** 3)
        return PostPlan(post_id, date, from_id, signer, created_by, author, user_likes, group_likers,
                        wall_reposts, mail_reposts, top_comments, popular)

    # --------------------------------------------------------------------------------------------- lists
    def likers(self, post_id: int) -> list[int]:
        """likes.getList order: newest first — added likes, then users, then communities (negative ids)."""
        plan = self.plan(post_id)
        extra = self._extra_likes.get(post_id, [])
        users = distinct_walk(self.audience, plan.user_likes, self._likers_key(post_id))
        return [*reversed(extra), *users, *(-gid for gid in plan.group_likers)]

    def likes_count(self, plan: PostPlan) -> int:
        return plan.user_likes + len(self._extra_likes.get(plan.post_id, ())) + len(plan.group_likers)

    def _likers_key(self, post_id: int) -> int:
        return hash_of(self.seed, _TAG_LIKERS, self.group_id, post_id)

    def reposters(self, post_id: int) -> list[int]:
        """Users who reposted the post to their own wall, oldest repost first."""
        plan = self.plan(post_id)
        return distinct_walk(self.audience, plan.wall_reposts,
                             hash_of(self.seed, _TAG_REPOSTERS, self.group_id, post_id))

    def comment_tree(self, plan: PostPlan) -> CommentTree:
        """Top-level comments in id order, each with its thread replies in id order."""
        return self._memo_if_posted(self._trees, plan.post_id, lambda _: self._build_comment_tree(plan))

    def _build_comment_tree(self, plan: PostPlan) -> CommentTree:
        tree: list[tuple[Comment, tuple[Comment, ...]]] = []
        self._walk_comments(plan, tree)
        return tuple(tree)

    def comments_count(self, plan: PostPlan) -> int:
        """Comments plus replies of a post; cached because every wall page needs it for every post and a
        post's comments never change (only likes and new posts do)."""
        count = self._comment_counts.get(plan.post_id)
        if count is None:
            count = self._walk_comments(plan, None)
            self._comment_counts[plan.post_id] = count
        return count

    def _walk_comments(self, plan: PostPlan, tree: list[tuple[Comment, tuple[Comment, ...]]] | None) -> int:
        """Replay the post's comment stream: returns how many comments (incl. replies) it has and, when
        `tree` is given, appends the comments to it. Counting alone (every wall page needs the count of
        every post) makes the same draws without building the comments.

        The stream's `randint`/`randrange`/`choice` calls are made through `below` (same draws, without
        their argument checks): a popular post has ~2000 comments, so draw overhead is most of the cost.
        """
        if not plan.top_comments:
            return 0
        rng = random.Random(hash_one(self._comments_hash, plan.post_id))
        draw, bits = rng.random, rng.getrandbits
        audience, community = self.audience, -self.group_id
        audience_size = len(audience)

        def author() -> int:
            return community if draw() < 0.05 else audience[below(bits, audience_size)]

        base = plan.post_id * COMMENT_ID_STRIDE
        sequence = 0
        date = plan.date
        reply_chance, reply_max = (0.35, 25) if plan.popular else (0.1, 4)
        for _ in range(plan.top_comments):
            sequence += 1
            date += 30 + below(bits, 3571)
            top = Comment(base + sequence, author(), date, 0, None, None)
            replies: list[Comment] = []
            if draw() < reply_chance:
                for earlier in range(1 + below(bits, reply_max)):  # `earlier` = replies made so far
                    sequence += 1
                    date += 10 + below(bits, 891)
                    target = -1 if earlier == 0 or draw() < 0.6 else below(bits, earlier)
                    reply_author = author()
                    if tree is not None:
                        answered = top if target < 0 else replies[target]
                        replies.append(Comment(base + sequence, reply_author, date, top.comment_id,
                                               answered.from_id, answered.comment_id))
            if tree is not None:
                tree.append((top, tuple(replies)))
        return sequence

    # ----------------------------------------------------------------------------------------- mutations
    def add_posts(self, n: int, now: int, counter: int) -> list[int]:
        new_ids = []
        next_id = (self.post_ids[-1] if self.post_ids else 0) + 1
        for offset in range(n):
            post_id = next_id + offset
            self.post_ids.append(post_id)
            self._added_dates[post_id] = now - (n - 1 - offset)
            new_ids.append(post_id)
        self._feed = None
        return new_ids

    def add_likes(self, n: int, rng: random.Random) -> int:
        """Add `n` user likes on random posts (continuing each post's liker walk, so no duplicates)."""
        added = 0
        attempts = 0
        while added < n and self.post_ids and attempts < n * 20:
            attempts += 1
            post_id = self.post_ids[rng.randrange(len(self.post_ids))]
            plan = self.plan(post_id)
            extra = self._extra_likes.setdefault(post_id, [])
            taken = plan.user_likes + len(extra)
            fresh = distinct_walk(self.audience, 1, self._likers_key(post_id), first=taken)
            if fresh:
                extra.append(fresh[0])
                added += 1
        return added

    # ------------------------------------------------------------------------------------------- objects
    def _facts_of(self, post_id: int) -> _PostFacts:
        return self._memo_if_posted(self._facts, post_id, self._make_facts)

    def _make_facts(self, post_id: int) -> _PostFacts:
        plan = self.plan(post_id)
        h = hash_continue(self._post_hash, post_id, 7)
        return _PostFacts(plan, self.post_text(post_id), self.comments_count(plan), h % 4000 + 50,
                          f"{h:016x}"[:14])

    def post_state(self, post_id: int) -> PostState:
        """What the post's wall.get object is made of right now (its likes count as of this moment)."""
        facts = self._facts_of(post_id)
        return PostState(facts, self.likes_count(facts.plan))

    def post_object(self, post_id: int, *, admin: bool, now: int) -> dict[str, Any]:
        """`wall_wallpost_full` as wall.get returns it. `created_by` only for admins and posts < 24 h old."""
        return self.state_object(self.post_state(post_id), admin=admin, now=now)

    def state_object(self, state: PostState, *, admin: bool, now: int) -> dict[str, Any]:
        """`post_object` of the post as it was when `state` was taken."""
        (plan, text, comments, _views_base, hash_text), likes = state
        post_id = plan.post_id
        wall_reposts, mail_reposts = plan.wall_reposts, plan.mail_reposts
        post: dict[str, Any] = {
            "inner_type": "wall_wallpost",
            "id": post_id,
            "owner_id": -self.group_id,
            "from_id": plan.from_id,
            "date": plan.date,
            "post_type": "post",
            "text": text,
            "attachments": [],
            "post_source": {"type": "vk"},
            "comments": {"count": comments, "can_post": 1, "groups_can_post": True},
            "likes": {"count": likes, "user_likes": 0, "can_like": 1, "can_publish": 1},
            "reposts": {"count": wall_reposts + mail_reposts, "wall_count": wall_reposts,
                        "mail_count": mail_reposts, "user_reposted": 0},
            "views": {"count": _views(state.facts, likes)},
            "marked_as_ads": 0,
            "is_favorite": False,
            "hash": hash_text,
        }
        if post_id == self.pinned:
            post["is_pinned"] = 1
        if plan.signer_id is not None:
            post["signer_id"] = plan.signer_id
        if plan.created_by is not None and admin and now - plan.date < _DAY:
            post["created_by"] = plan.created_by
        if plan.author is not None:
            post["post_author_data"] = {"author": plan.author}
        return post

    def post_column(self, states: Sequence[PostState], path: str, *, admin: bool,
                    now: int) -> list[Any] | None:
        """`items@.<path>` (`a.b`: the chain `items@.a@.b`) of the objects `state_object` makes from
        `states`, for the numbers and texts the posts sync projects, without making the objects; None for
        any other path."""
        column = _POST_COLUMNS.get(path)
        if column is not None:
            return column(states)
        if path == "is_pinned":
            return [1 if facts.plan.post_id == self.pinned else None for facts, _ in states]
        if path == "created_by":
            plans = [facts.plan for facts, _ in states]
            return [plan.created_by if admin and now - plan.date < _DAY else None for plan in plans]
        return None

    def _repost_draws(self, plan: PostPlan, user_ids: Sequence[int],
                      first_position: int) -> Iterator[tuple[int, int, int]]:
        """(user id, its repost hash, its repost date) for each repost of a page, in page order."""
        date = plan.date + 120
        prefix = hash_prefix(self.seed, _TAG_REPOSTERS, self.group_id, plan.post_id)
        for position, user_id in enumerate(user_ids, first_position):
            h = hash_one(prefix, user_id)
            yield user_id, h, date + position * 97 + h % 60

    def repost_column(self, post_id: int, user_ids: Sequence[int], first_position: int,
                      name: str) -> list[int] | None:
        """`reposts@.name` of the page `reposts_json` writes, for its per-repost numbers (`id`, `owner_id`,
        `from_id`, `date`) without writing the page; None for any other field."""
        if name == "owner_id" or name == "from_id":
            return list(user_ids)
        draws = self._repost_draws(self.plan(post_id), user_ids, first_position)
        if name == "date":
            return [repost_date for _, _, repost_date in draws]
        if name == "id":
            return [1 + h % 5000 for _, h, _ in draws]
        return None

    def reposts_json(self, post_id: int, user_ids: Sequence[int], first_position: int) -> bytes:
        """The reposts on `user_ids`' walls (positions from `first_position` in the reposters list), as the
        UTF-8 JSON of a list: posts of theirs whose `copy_history` holds the original (no counters, as on VK).

        Written as bytes, not built as objects: a page is 1000 reposts that differ only in a few numbers, and
        encoding 1000 dicts (each with the original's text) was most of its cost. The original is encoded
        once per page."""
        plan = self.plan(post_id)
        original = json_bytes({
            "inner_type": "wall_wallpost", "id": post_id, "owner_id": -self.group_id, "from_id": plan.from_id,
            "date": plan.date, "post_type": "post", "text": self._facts_of(post_id).text, "attachments": [],
            "post_source": {"type": "vk"},
        })
        tail = (',"post_type":"post","text":"","attachments":[],"post_source":{"type":"vk"},'
                '"comments":{"count":0,"can_post":1},'
                '"likes":{"count":0,"user_likes":0,"can_like":1,"can_publish":1},'
                '"reposts":{"count":0,"user_reposted":0},"views":{"count":')
        closing = b'},"copy_history":[' + original + b"]},"
        parts = [b"["]
        for user_id, h, repost_date in self._repost_draws(plan, user_ids, first_position):
            parts.append(f'{{"inner_type":"wall_wallpost","id":{1 + h % 5000},"owner_id":{user_id},'
                         f'"from_id":{user_id},"date":{repost_date}{tail}{1 + h % 300}'.encode())
            parts.append(closing)
        if len(parts) > 1:
            parts[-1] = closing[:-1]  # no comma after the last repost
        parts.append(b"]")
        return b"".join(parts)

    def post_text(self, post_id: int) -> str:
        rng = random.Random(hash_one(self._text_hash, post_id))
        kind = rng.random()
        if kind < 0.3:
            return sentence_text(rng, 20, 100)
        if kind < 0.8:
            return sentence_text(rng, 100, 600)
        return sentence_text(rng, 600, 3000)

    def comment_object(self, post_id: int, comment: Comment) -> dict[str, Any]:
        rng = random.Random(hash_one(self._text_hash, comment.comment_id))
        obj: dict[str, Any] = {
            "id": comment.comment_id, "from_id": comment.from_id, "date": comment.date,
            "text": short_reply(rng), "post_id": post_id, "owner_id": -self.group_id,
            "parents_stack": [comment.parent_id] if comment.parent_id else [],
        }
        if comment.reply_to_comment is not None:
            obj["reply_to_user"] = comment.reply_to_user
            obj["reply_to_comment"] = comment.reply_to_comment
        return obj
