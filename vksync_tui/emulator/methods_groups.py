"""groups.getMembers, groups.getById, groups.isMember, users.get, utils.resolveScreenName."""

from __future__ import annotations

from typing import Any

from vksync_tui.emulator.access import (
    community_from_text,
    community_param,
    group_object,
    is_member,
    require_moderator,
)
from vksync_tui.emulator.errors import EmuApiError
from vksync_tui.emulator.params import Params
from vksync_tui.emulator.profiles import field_plan, is_valid_user_id, resolve_user_domain, users_json
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.world import World

MEMBERS_MAX = 1000
USERS_GET_MAX = 1000
IS_MEMBER_MAX = 500
_SORTS = ("id_asc", "id_desc", "time_asc", "time_desc")
_EMPTY_FILTERS = ("friends", "unsure", "donut")  # the world has no friendships, event answers or donuts


def groups_get_members(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    """Members by offset in id order (default); time sorts and `filter=managers` need a moderator+."""
    community = community_param(world, params)
    if community.is_closed and not is_member(community, token):
        raise EmuApiError(203)
    sort = params.text("sort", "id_asc")
    if sort not in _SORTS:
        raise EmuApiError(100, "sort is invalid")
    if sort.startswith("time"):
        require_moderator(community, token)
    offset = params.offset()
    count = params.count(MEMBERS_MAX, MEMBERS_MAX)
    fields = params.fields()
    member_filter = params.text("filter")
    if member_filter == "managers":
        require_moderator(community, token)
        managers = sorted(community.managers.items())
        page = managers[offset:offset + count]
        items: list[Any] = []
        for user_id, role in page:
            item: dict[str, Any] = world.user(user_id, fields) if fields else {"id": user_id}
            item.update({"role": role, "permissions": [], "is_call_operator": False})
            items.append(item)
        return {"count": len(managers), "items": items}
    if member_filter in _EMPTY_FILTERS:
        return {"count": 0, "items": []}
    if member_filter:
        raise EmuApiError(100, "filter is invalid")
    ids = community.members.page(offset, count, sort)
    if fields:
        plan = field_plan(fields)
        return {"count": len(community.members), "items": [world.user(uid, plan) for uid in ids]}
    return {"count": len(community.members), "items": ids}


def groups_get_by_id(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    """5.199 shape `{"groups": [...], "profiles": []}`; a community token without ids gets itself."""
    names = params.items("group_ids") + params.items("group_id")
    if not names:
        if token.kind != "group":
            raise EmuApiError(100, "group_ids is undefined")
        names = [str(token.group_id)]
    fields = params.fields()
    groups = []
    seen: set[int] = set()
    for name in names:
        community = community_from_text(world, name)
        if community is None:
            raise EmuApiError(100, "group_ids is undefined")
        if community.id not in seen:
            seen.add(community.id)
            groups.append(group_object(world, community, token, fields))
    return {"groups": groups, "profiles": []}


def groups_is_member(world: World, params: Params, token: TokenInfo) -> Any:
    community = community_param(world, params)
    extended = params.flag("extended")
    if params.has("user_ids"):
        user_ids = [_user_id(world, item) for item in params.items("user_ids")[:IS_MEMBER_MAX]]
        return [_membership(community, uid, extended) | {"user_id": uid} for uid in user_ids]
    if params.has("user_id"):
        user_id = _user_id(world, params.text("user_id"))
    elif token.kind == "user" and token.owner_id is not None:
        user_id = token.owner_id
    else:
        raise EmuApiError(100, "user_id is undefined")
    membership = _membership(community, user_id, extended)
    return membership if extended else membership["member"]


def _membership(community: Any, user_id: int, extended: bool) -> dict[str, int]:
    result = {"member": int(user_id in community.members)}
    if extended:
        result.update({"request": 0, "invitation": 0})
    return result


def _user_id(world: World, text: str) -> int:
    """A user id from an id or a screen name; anything else is VK's error 113."""
    if text.isdigit():
        user_id = int(text)
        if is_valid_user_id(user_id):
            return user_id
        raise EmuApiError(113)
    resolved = resolve_user_domain(world.seed, text)
    if resolved is None:
        raise EmuApiError(113)
    return resolved


def _requested_users(world: World, params: Params, token: TokenInfo) -> list[int]:
    """users.get's ids: ids beyond the first 1000 are ignored; duplicates come back once."""
    names = params.items("user_ids")
    if not names:
        if token.kind != "user" or token.owner_id is None:
            raise EmuApiError(100, "user_ids is undefined")
        names = [str(token.owner_id)]
    ordered: dict[int, None] = {}
    for name in names[:USERS_GET_MAX]:
        ordered.setdefault(_user_id(world, name), None)
    return list(ordered)


def users_get(world: World, params: Params, token: TokenInfo) -> list[dict[str, Any]]:
    """A bare array of user objects."""
    user_ids = _requested_users(world, params, token)
    plan = field_plan(params.fields())
    return [world.user(uid, plan) for uid in user_ids]


def users_get_json(world: World, params: Params, token: TokenInfo) -> bytes:
    """`users_get` as UTF-8 JSON, written without building the objects."""
    user_ids = _requested_users(world, params, token)
    return users_json(world.seed, user_ids, field_plan(params.fields()), world.now)


def utils_resolve_screen_name(world: World, params: Params, token: TokenInfo) -> Any:
    name = params.required_text("screen_name").lstrip("@").removeprefix("https://vk.com/")
    community = world.community_by_screen_name(name)
    if community is not None:
        return {"type": "group", "object_id": community.id}
    user_id = resolve_user_domain(world.seed, name)
    if user_id is not None:
        return {"type": "user", "object_id": user_id}
    return []

