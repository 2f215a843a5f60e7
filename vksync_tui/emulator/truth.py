"""Ground truth of every synced list, straight from the world (for `/_emu/truth/*` and tests).

`truth(world, list_name, group_id, ids=None)` → `{"group_id", "count", ...}`:

- `members`: `ids` = current member ids (ascending).
- `posts`: `ids` = post ids on the wall (ascending).
- `authors`: `ids` = users who authored posts, by the authors rule: `post_author_data.author`, else
  `signer_id`, else `created_by` (only where an admin caller sees it: posts younger than 24 h at the
  world clock), else a positive `from_id`;
  `items` = `[user_id, posts_count, first_post_date, last_post_date]`.
- `dialogs`: `ids` = user peers the community has a dialog with.
- `interactions`: `items` = distinct `[post_id, user_id, kind]` (`like` | `comment` | `repost`) — likes by
  users only (communities that liked a post are not users and are left out), comments incl. thread
  replies written by users (comments written as the community are left out), wall reposts;
  `comments` = `[post_id, user_id, comment_id]` for every user comment.
- `mailing-analysis`: `items` = `[user_id, first_message_date, first_message_from_id]` per dialog.
- `profiles`: `items` = users.get objects with every supported field for `ids` (required).

For the other lists `ids`, when given, restricts the answer to those user/post ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from vksync_tui.emulator.profiles import SUPPORTED_USER_FIELDS
from vksync_tui.emulator.wall import PostPlan
from vksync_tui.emulator.world import Community, World

_DAY = 86_400
_KINDS = ("like", "comment", "repost")
_USER_MASK = (1 << 32) - 1  # user ids < 2^31 (MAX_USER_ID), so 32 bits hold one with room to spare


def post_author(plan: PostPlan, now: int) -> int | None:
    """The authors rule applied to what an admin caller sees on the post."""
    if plan.author is not None:
        return plan.author
    if plan.signer_id is not None:
        return plan.signer_id
    if plan.created_by is not None and now - plan.date < _DAY:
        return plan.created_by
    return plan.from_id if plan.from_id > 0 else None


def _members(world: World, community: Community) -> dict[str, Any]:
    return {"ids": list(community.members.ids)}


def _posts(world: World, community: Community) -> dict[str, Any]:
    return {"ids": list(community.wall.post_ids)}


def _authors(world: World, community: Community) -> dict[str, Any]:
    stats: dict[int, list[int]] = {}
    for post_id in community.wall.post_ids:
        plan = community.wall.plan(post_id)
        author = post_author(plan, world.now)
        if author is None:
            continue
        entry = stats.setdefault(author, [author, 0, plan.date, plan.date])
        entry[1] += 1
        entry[2] = min(entry[2], plan.date)
        entry[3] = max(entry[3], plan.date)
    return {"ids": sorted(stats), "items": [stats[uid] for uid in sorted(stats)]}


def _dialogs(world: World, community: Community) -> dict[str, Any]:
    return {"ids": sorted(d.peer_id for d in community.dialogs.in_inbox_order())}


def _interactions(world: World, community: Community) -> dict[str, Any]:
    """Encoded as one int per (post, user, kind) so dedupe and sort stay fast for ~10^6 interactions."""
    wall = community.wall
    encoded: set[int] = set()
    comments: list[list[int]] = []
    like, comment_kind, repost = (_KINDS.index(kind) for kind in ("like", "comment", "repost"))
    for post_id in wall.post_ids:
        plan = wall.plan(post_id)
        base = post_id << 34
        encoded.update((base | uid << 2 | like) for uid in wall.likers(post_id) if uid > 0)
        encoded.update((base | uid << 2 | repost) for uid in wall.reposters(post_id))
        for top, replies in wall.comment_tree(plan):
            for comment in (top, *replies):
                if comment.from_id > 0:
                    encoded.add(base | comment.from_id << 2 | comment_kind)
                    comments.append([post_id, comment.from_id, comment.comment_id])
    items = [[code >> 34, (code >> 2) & _USER_MASK, _KINDS[code & 3]] for code in sorted(encoded)]
    return {"items": items, "comments": comments}


def _mailing_analysis(world: World, community: Community) -> dict[str, Any]:
    rows = []
    for dialog in community.dialogs.in_inbox_order():
        first = dialog.first
        rows.append([dialog.peer_id, first.date, -community.id if first.out else dialog.peer_id])
    return {"items": sorted(rows)}


_LISTS: dict[str, Callable[[World, Community], dict[str, Any]]] = {
    "members": _members,
    "posts": _posts,
    "authors": _authors,
    "dialogs": _dialogs,
    "interactions": _interactions,
    "mailing-analysis": _mailing_analysis,
}
_ID_COLUMN = {"authors": 0, "interactions": 1, "mailing-analysis": 0}


def truth(world: World, list_name: str, group_id: int, ids: Iterable[int] | None = None) -> dict[str, Any]:
    """See the module docstring. Unknown list → ValueError; unknown community → KeyError."""
    with world.lock:
        community = world.require_community(group_id)
        if list_name == "profiles":
            if ids is None:
                raise ValueError("truth/profiles needs ids")
            items = [world.user(uid, SUPPORTED_USER_FIELDS) for uid in dict.fromkeys(ids)]
            return {"group_id": group_id, "count": len(items), "items": items}
        build = _LISTS.get(list_name)
        if build is None:
            raise ValueError(f"unknown list {list_name!r}; known: {sorted([*_LISTS, 'profiles'])}")
        answer = build(world, community)
    if ids is not None:
        wanted = set(ids)
        if "ids" in answer:
            answer["ids"] = [i for i in answer["ids"] if i in wanted]
        if "items" in answer:
            column = _ID_COLUMN.get(list_name, 0)
            answer["items"] = [row for row in answer["items"] if row[column] in wanted]
        if "comments" in answer:
            answer["comments"] = [row for row in answer["comments"] if row[1] in wanted]
    key = "ids" if "ids" in answer else "items"
    return {"group_id": group_id, "count": len(answer[key]), **answer}
