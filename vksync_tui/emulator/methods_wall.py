"""wall.get, wall.getById, wall.getComments, wall.getReposts, likes.getList."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from vksync_tui.emulator.access import (
    caller_level,
    group_object,
    is_member,
    profiles_for,
    profiles_json,
    require_wall_access,
    wall_owner,
)
from vksync_tui.emulator.errors import EmuApiError
from vksync_tui.emulator.hashing import hash_of
from vksync_tui.emulator.jsontext import json_bytes
from vksync_tui.emulator.params import Params
from vksync_tui.emulator.profiles import field_plan
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.vkscript.values import DeferredAnswer
from vksync_tui.emulator.wall import Comment, PostPlan, PostState
from vksync_tui.emulator.world import Community, World

WALL_GET_MAX = 100
COMMENTS_MAX = 100
THREAD_ITEMS_MAX = 10
REPOSTS_MAX = 1000
LIKES_MAX = 1000
_WALL_FILTERS = ("all", "owner", "others", "postponed", "suggests", "archived", "donut")
_LIKE_TYPES = ("post", "comment", "photo", "audio", "video", "note", "market", "photo_comment",
               "video_comment", "topic_comment", "market_comment", "sitepage", "story")


def _post_people(posts: list[dict[str, Any]]) -> list[int]:
    people: list[int] = []
    for post in posts:
        people.append(post["from_id"])
        people.extend(post[key] for key in ("signer_id", "created_by") if key in post)
    return people


@dataclass(frozen=True)
class _WallPage:
    """A wall.get page as of its call: the filter's post count, and the page's posts (`PostState`s) with
    what their objects depend on (the caller's admin rights, the world clock)."""

    community: Community
    count: int
    posts: list[PostState]
    admin: bool
    now: int

    def items(self) -> list[dict[str, Any]]:
        wall, admin, now = self.community.wall, self.admin, self.now
        return [wall.state_object(state, admin=admin, now=now) for state in self.posts]

    def column(self, array: str | None, path: str) -> list[Any] | None:
        if array != "items":
            return None
        return self.community.wall.post_column(self.posts, path, admin=self.admin, now=self.now)


def _wall_page(world: World, params: Params, token: TokenInfo) -> _WallPage:
    """The checks and the selection of wall.get: pinned post first, then newest to oldest; `count` is the
    total for the filter."""
    community = wall_owner(world, params)
    require_wall_access(community, token)
    wall_filter = params.text("filter", "all")
    if wall_filter not in _WALL_FILTERS:
        raise EmuApiError(100, "filter is invalid")
    order = community.wall.feed_order()
    if wall_filter == "owner":
        order = [pid for pid in order if community.wall.plan(pid).from_id < 0]
    elif wall_filter == "others":
        order = [pid for pid in order if community.wall.plan(pid).from_id > 0]
    elif wall_filter != "all":
        order = []  # the world has no postponed, suggested, archived or donut-only posts
    offset = params.offset()
    count = params.count(20, WALL_GET_MAX)
    wall = community.wall
    posts = [wall.post_state(pid) for pid in order[offset:offset + count]]
    return _WallPage(community, len(order), posts, caller_level(community, token) > 0, world.now)


def wall_get(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    page = _wall_page(world, params, token)
    items = page.items()
    response: dict[str, Any] = {"count": page.count, "items": items}
    if params.flag("extended"):
        response["profiles"] = profiles_for(world, _post_people(items), params.fields())
        response["groups"] = [group_object(world, page.community, token)]
    return response


def wall_get_deferred(world: World, params: Params, token: TokenInfo) -> Any:
    """`wall_get` for a script variable: the posts sync's columns (`items@.id`, ..., `items@.likes@.count`)
    and `count` come from the page's posts without making their objects, which are made (as of the call)
    only if the script needs the answer whole. An `extended` page is answered whole."""
    if params.flag("extended"):
        return wall_get(world, params, token)
    page = _wall_page(world, params, token)

    def build() -> Any:
        return {"count": page.count, "items": page.items()}

    return DeferredAnswer(build, page.column, {"count": page.count})


def wall_get_by_id(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    """`posts=-1_1,-1_2`: existing, visible posts in the order asked; others are silently skipped."""
    items: list[dict[str, Any]] = []
    communities: dict[int, Community] = {}
    for ref in params.items("posts") or _missing("posts"):
        owner_text, _, post_text = ref.partition("_")
        if not post_text.isdigit() or not owner_text.lstrip("-").isdigit():
            raise EmuApiError(100, "posts is invalid")
        owner_id = int(owner_text)
        community = world.community(-owner_id) if owner_id < 0 else None
        if community is None or (community.is_closed and not is_member(community, token)):
            continue
        if community.wall.has_post(int(post_text)):
            admin = caller_level(community, token) > 0
            items.append(community.wall.post_object(int(post_text), admin=admin, now=world.now))
            communities[community.id] = community
    response: dict[str, Any] = {"items": items}
    if params.flag("extended"):
        response["profiles"] = profiles_for(world, _post_people(items), params.fields())
        response["groups"] = [group_object(world, c, token) for c in communities.values()]
    return response


def _missing(name: str) -> list[str]:
    raise EmuApiError(100, f"{name} is undefined")


def _post_plan(community: Community, params: Params, name: str) -> PostPlan | None:
    post_id = params.required_integer(name)
    if not community.wall.has_post(post_id):
        return None
    return community.wall.plan(post_id)


def wall_get_comments(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    """Top level (count = all comments incl. replies) or one thread (`comment_id`)."""
    community = wall_owner(world, params)
    require_wall_access(community, token)
    plan = _post_plan(community, params, "post_id")
    if plan is None:
        raise EmuApiError(100, "post_id is invalid")
    tree = community.wall.comment_tree(plan)
    thread_of = params.integer("comment_id")
    if thread_of is not None:
        replies = next((replies for top, replies in tree if top.comment_id == thread_of), None)
        if replies is None:
            raise EmuApiError(100, "comment_id is invalid")
        level: Sequence[tuple[Comment, Sequence[Comment]]] = [(reply, ()) for reply in replies]
        total = len(replies)
    else:
        level = tree
        total = sum(1 + len(replies) for _, replies in tree)
    sort = params.text("sort", "asc")
    if sort not in ("asc", "desc", "smart"):
        raise EmuApiError(100, "sort is invalid")
    if sort == "desc":
        level = list(reversed(level))
    start = 0
    start_comment = params.integer("start_comment_id")
    if start_comment is not None:
        start = next((i for i, (c, _) in enumerate(level) if c.comment_id == start_comment), 0)
    offset = start + params.offset()
    count = params.count(10, COMMENTS_MAX)
    thread_items = max(0, min(THREAD_ITEMS_MAX, params.integer("thread_items_count", 0) or 0))
    need_likes = params.flag("need_likes")
    items = []
    for comment, replies in level[offset:offset + count]:
        obj = _comment(world, community, plan, comment, need_likes)
        if thread_of is None:
            obj["thread"] = {
                "count": len(replies),
                "items": [_comment(world, community, plan, r, need_likes) for r in replies[:thread_items]],
                "can_post": True, "show_reply_button": True, "groups_can_post": True,
            }
        items.append(obj)
    response: dict[str, Any] = {"count": total, "items": items, "current_level_count": len(level),
                                "can_post": True, "show_reply_button": True, "groups_can_post": True}
    if params.flag("extended"):
        people = [c["from_id"] for c in items] + [r["from_id"] for c in items for r in c.get("thread", {})
                                                  .get("items", [])]
        response["profiles"] = profiles_for(world, people, params.fields())
        response["groups"] = [group_object(world, community, token)]
    return response


def _comment(world: World, community: Community, plan: PostPlan, comment: Comment,
             need_likes: bool) -> dict[str, Any]:
    obj = community.wall.comment_object(plan.post_id, comment)
    if need_likes:
        likes = hash_of(world.seed, comment.comment_id, 0x4C) % 15
        obj["likes"] = {"count": likes, "user_likes": 0, "can_like": 1, "can_publish": 1}
    return obj


@dataclass(frozen=True)
class _RepostPage:
    """What a wall.getReposts answer is made of, fixed when the call is made (an answer built later for a
    script still shows the world as it was then)."""

    community: Community
    plan: PostPlan | None
    reposters: list[int]
    offset: int
    group: bytes
    now: int


def _repost_page(world: World, params: Params, token: TokenInfo) -> _RepostPage:
    """Checks the call (admin level 3 on a community, as on VK) and picks its page of reposters."""
    community = wall_owner(world, params)
    require_wall_access(community, token)
    if caller_level(community, token) < 3:
        raise EmuApiError(15)
    plan = _post_plan(community, params, "post_id")
    offset = params.offset()
    count = params.count(20, REPOSTS_MAX)
    reposters = community.wall.reposters(plan.post_id) if plan else []
    return _RepostPage(community, plan, reposters[offset:offset + count], offset,
                       json_bytes([group_object(world, community, token)]), world.now)


def _reposts_json(world: World, page: _RepostPage) -> bytes:
    plan = page.plan
    items = page.community.wall.reposts_json(plan.post_id, page.reposters, page.offset) if plan else b"[]"
    return (b'{"items":' + items + b',"profiles":' + profiles_json(world, page.reposters, now=page.now)
            + b',"groups":' + page.group + b"}")


def wall_get_reposts_json(world: World, params: Params, token: TokenInfo) -> bytes:
    """Reposts to users' walls. No `count` in the answer (as on VK); needs admin level 3 on a community.

    Written as UTF-8 JSON (pages of 1000 reposts are megabytes); `wall_get_reposts` decodes it."""
    return _reposts_json(world, _repost_page(world, params, token))


def wall_get_reposts(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(wall_get_reposts_json(world, params, token)))


def wall_get_reposts_deferred(world: World, params: Params, token: TokenInfo) -> DeferredAnswer:
    """`wall_get_reposts` for a script variable: `items@.owner_id`/`date`/`id`/`from_id` (the sync's
    projection) come from the page's numbers; the megabytes of the whole page are built only if the script
    needs them."""
    page = _repost_page(world, params, token)

    def build() -> Any:
        with world.lock:
            return json.loads(_reposts_json(world, page))

    def columns(array: str | None, name: str) -> list[Any] | None:
        if array != "items":
            return None
        if page.plan is None:
            return []
        with world.lock:
            return page.community.wall.repost_column(page.plan.post_id, page.reposters, page.offset, name)

    return DeferredAnswer(build, columns)


def likes_get_list(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    """Likers (filter=likes, newest first, communities as negative ids) or reposters (filter=copies)."""
    like_type = params.required_text("type")
    if like_type not in _LIKE_TYPES:
        raise EmuApiError(100, "type is invalid")
    if like_type != "post":
        raise EmuApiError(100, "type: only post likes are emulated")
    community = wall_owner(world, params)
    require_wall_access(community, token)
    plan = _post_plan(community, params, "item_id")
    like_filter = params.text("filter", "likes")
    if like_filter not in ("likes", "copies"):
        raise EmuApiError(100, "filter is invalid")
    offset = params.offset()
    count = params.count(100, LIKES_MAX)
    if plan is None or (params.integer("friends_only", 0) or 0) != 0:
        people: list[int] = []  # unknown post, or friends-only: the world has no friendships
    elif like_filter == "likes":
        people = community.wall.likers(plan.post_id)
    else:
        people = community.wall.reposters(plan.post_id)
    page = people[offset:offset + count]
    if not params.flag("extended"):
        return {"count": len(people), "items": page}
    fields = field_plan(params.fields())
    items: list[dict[str, Any]] = []
    for owner_id in page:
        if owner_id > 0:
            items.append({"type": "profile", **world.user(owner_id, fields)})
        elif (liker := world.community(-owner_id)) is not None:
            items.append({"type": liker.spec.type, **group_object(world, liker, token)})
    return {"count": len(people), "items": items}
