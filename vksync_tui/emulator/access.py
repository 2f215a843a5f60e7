"""Helpers shared by the method handlers: resolving communities, caller rights, and object builders.

Access rules (from the notes and schema): a community token acts as its own community; user tokens get
admin rights from the world's manager list (the same levels `tokens_summary()` reports); the service key
is never a member or manager of anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vksync_tui.emulator.errors import EmuApiError
from vksync_tui.emulator.params import Params
from vksync_tui.emulator.profiles import ProfilePage, UserTraits, field_plan, user_traits, users_json
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.world import Community, World

DEFAULT_PROFILE_FIELDS = frozenset({"sex", "screen_name", "photo_50", "photo_100", "online"})
_GROUP_PHOTO = "https://sun9-{n}.userapi.com/impg/group_{gid}.jpg?size={size}x{size}"


def community_from_text(world: World, value: str) -> Community | None:
    """A community by numeric id or screen name (incl. `club123`)."""
    if value.lstrip("-").isdigit():
        return world.community(abs(int(value)))
    return world.community_by_screen_name(value)


def community_param(world: World, params: Params, name: str = "group_id", *, error: int = 125) -> Community:
    value = params.required_text(name)
    community = community_from_text(world, value)
    if community is None:
        raise EmuApiError(error, None if error != 100 else f"{name} is undefined")
    return community


def caller_level(community: Community, token: TokenInfo) -> int:
    """Manager level of the caller on `community`: 3 for the community's own token, 0 for the service key."""
    if token.kind == "group":
        return 3 if token.group_id == community.id else 0
    if token.kind == "user" and token.owner_id is not None:
        return community.manager_level(token.owner_id)
    return 0


def is_member(community: Community, token: TokenInfo) -> bool:
    if token.kind == "group":
        return token.group_id == community.id
    if token.kind == "user" and token.owner_id is not None:
        return token.owner_id in community.members or caller_level(community, token) > 0
    return False


def require_moderator(community: Community, token: TokenInfo) -> None:
    if caller_level(community, token) < 1:
        raise EmuApiError(15, "you should be group moderator")


def require_wall_access(community: Community, token: TokenInfo) -> None:
    """Closed and private communities show their wall only to members."""
    if community.is_closed and not is_member(community, token):
        raise EmuApiError(15, "this wall available only for community members")


def wall_owner(world: World, params: Params) -> Community:
    """The community behind `owner_id` (negative) or `domain`; user walls are not part of this world."""
    if params.has("owner_id"):
        owner_id = params.required_integer("owner_id")
        if owner_id >= 0:
            raise EmuApiError(100, "owner_id: only community walls are emulated")
        community = world.community(-owner_id)
    elif params.has("domain"):
        community = community_from_text(world, params.text("domain"))
    else:
        raise EmuApiError(100, "owner_id is undefined")
    if community is None:
        raise EmuApiError(100, "owner_id is invalid")
    return community


def group_object(world: World, community: Community, token: TokenInfo,
                 fields: Iterable[str] = ()) -> dict[str, Any]:
    """`groups_group_full`; `is_admin`/`admin_level`/`is_member` only mean something for user tokens and
    are 0 when the token lacks the `groups` scope."""
    gid = community.id
    obj: dict[str, Any] = {
        "id": gid, "name": community.spec.name, "screen_name": community.screen_name,
        "is_closed": community.is_closed, "type": community.spec.type,
        **{f"photo_{size}": _GROUP_PHOTO.format(n=gid % 90, gid=gid, size=size) for size in (50, 100, 200)},
    }
    level = caller_level(community, token) if token.kind == "user" else 0
    if token.kind == "user":
        has_scope = "groups" in token.scopes
        obj["is_admin"] = int(has_scope and level > 0)
        if has_scope and level > 0:
            obj["admin_level"] = level
        obj["is_member"] = int(has_scope and is_member(community, token))
        obj["is_advertiser"] = 0
    for field in fields:
        value = _group_field(community, field, token, level)
        if value is not None:
            obj[field] = value
    return obj


def _group_field(community: Community, field: str, token: TokenInfo, level: int) -> Any:
    match field:
        case "members_count":
            return len(community.members)
        case "description":
            return f"Официальное сообщество «{community.spec.name}»."
        case "activity":
            return "Открытая группа" if community.is_closed == 0 else "Закрытая группа"
        case "status":
            return ""
        case "verified":
            return 0
        case "site":
            return ""
        case "wall":
            return 1 if community.spec.wall_open else 2
        case "can_post":
            return int(token.kind == "user" and (community.spec.wall_open or level >= 2))
    return None


def profiles_for(world: World, owner_ids: Iterable[int], fields: Iterable[str] = ()) -> list[dict[str, Any]]:
    """User objects for the positive ids among `owner_ids`, first occurrence order, no duplicates."""
    users = [user_traits(world.seed, user_id) for user_id in _distinct_users(owner_ids)]
    return known_profile_page(world, users, fields).objects()


def known_profile_page(world: World, users: list[UserTraits], fields: Iterable[str] = ()) -> ProfilePage:
    """The profiles of distinct users whose traits are at hand already (the peers of a community's dialogs
    keep theirs), in answer order, as a `ProfilePage`: its columns come without building the objects."""
    return ProfilePage(users, field_plan(DEFAULT_PROFILE_FIELDS | frozenset(fields)), world.now)


def profiles_json(world: World, owner_ids: Iterable[int], fields: Iterable[str] = (), *,
                  now: int | None = None) -> bytes:
    """`profiles_for` as UTF-8 JSON, written without building the objects; `now`: the world clock to show
    (an answer built after its call was made), else the current one."""
    plan = field_plan(DEFAULT_PROFILE_FIELDS | frozenset(fields))
    return users_json(world.seed, _distinct_users(owner_ids), plan, world.now if now is None else now)


def _distinct_users(owner_ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(owner_id for owner_id in owner_ids if owner_id > 0))
