"""The default world (seed 1): its communities' ids, and one call per method answer shape on it.

`CASES` is read by the schema test (every answer validates against VK's schema) and by the fresh-results test
(no two calls share a container); placeholders in the params are filled per world with `fill_params`.
"""

from __future__ import annotations

from vksync_tui.emulator.world import World

MAIN = 212345678
CLOSED = 212345679
SMALL = 212345680
# The label of the main community's token (messages right included).
COMMUNITY_TOKEN = "group-demo_community"

POPULAR = "popular"


def _popular_post(world: World) -> int:
    return min(world.communities[MAIN].wall.popular)


def _peer(world: World) -> int:
    return world.communities[MAIN].dialogs.inbox[0]


CASES: list[tuple[str, dict[str, str], str, str, str]] = [
    # method, params, token label, schema section, response definition
    (
        "groups.getMembers",
        {"group_id": str(MAIN), "count": "50"},
        "service",
        "groups",
        "groups_getMembers_response",
    ),
    (
        "groups.getMembers",
        {"group_id": "demo_community", "offset": "100", "sort": "id_desc"},
        "user-reader",
        "groups",
        "groups_getMembers_response",
    ),
    (
        "groups.getMembers",
        {
            "group_id": str(MAIN),
            "count": "30",
            "fields": "sex,bdate,city,photo_100,domain,last_seen,deactivated",
        },
        "group-demo_community",
        "groups",
        "groups_getMembers_fields_response",
    ),
    (
        "groups.getMembers",
        {"group_id": str(MAIN), "sort": "time_desc", "count": "20"},
        "user-moderator",
        "groups",
        "groups_getMembers_response",
    ),
    (
        "groups.getMembers",
        {"group_id": str(MAIN), "filter": "managers"},
        "user-editor",
        "groups",
        "groups_getMembers_filter_response",
    ),
    (
        "groups.getMembers",
        {"group_id": str(CLOSED), "count": "10"},
        "user-moderator",
        "groups",
        "groups_getMembers_response",
    ),
    (
        "groups.getById",
        {
            "group_ids": f"{MAIN},closed_club,small_public",
            "fields": "members_count,activity,description,wall,can_post,verified",
        },
        "user-admin",
        "groups",
        "groups_getById_object_response",
    ),
    ("groups.getById", {}, "group-demo_community", "groups", "groups_getById_object_response"),
    (
        "groups.isMember",
        {"group_id": str(MAIN), "user_ids": "1,2,3"},
        "service",
        "groups",
        "groups_isMember_user_ids_response",
    ),
    (
        "users.get",
        {
            "user_ids": ",".join(str(i) for i in range(1, 60)),
            "fields": "sex,bdate,city,country,"
            "photo_50,photo_100,photo_200,domain,screen_name,last_seen,online,has_photo",
        },
        "service",
        "users",
        "users_get_response",
    ),
    ("wall.get", {"owner_id": f"-{MAIN}", "count": "40"}, "user-admin", "wall", "wall_get_response"),
    (
        "wall.get",
        {"owner_id": f"-{MAIN}", "count": "30", "offset": "2900", "extended": "1", "fields": "sex"},
        "service",
        "wall",
        "wall_get_extended_response",
    ),
    ("wall.get", {"domain": "closed_club", "filter": "owner"}, "user-moderator", "wall", "wall_get_response"),
    (
        "wall.getById",
        {"posts": f"-{MAIN}_{POPULAR},-{MAIN}_5"},
        "user-reader",
        "wall",
        "wall_getById_response",
    ),
    (
        "wall.getById",
        {"posts": f"-{MAIN}_{POPULAR}", "extended": "1"},
        "service",
        "wall",
        "wall_getById_extended_response",
    ),
    (
        "wall.getComments",
        {
            "owner_id": f"-{MAIN}",
            "post_id": POPULAR,
            "count": "40",
            "thread_items_count": "10",
            "need_likes": "1",
        },
        "service",
        "wall",
        "wall_getComments_response",
    ),
    (
        "wall.getComments",
        {"owner_id": f"-{MAIN}", "post_id": POPULAR, "count": "30", "extended": "1", "sort": "desc"},
        "user-reader",
        "wall",
        "wall_getComments_extended_response",
    ),
    (
        "wall.getReposts",
        {"owner_id": f"-{MAIN}", "post_id": POPULAR, "count": "25"},
        "user-admin",
        "wall",
        "wall_getReposts_response",
    ),
    (
        "likes.getList",
        {"type": "post", "owner_id": f"-{MAIN}", "item_id": POPULAR, "count": "1000"},
        "service",
        "likes",
        "likes_getList_response",
    ),
    (
        "likes.getList",
        {"type": "post", "owner_id": f"-{MAIN}", "item_id": POPULAR, "count": "40", "extended": "1"},
        "user-reader",
        "likes",
        "likes_getList_extended_response",
    ),
    (
        "likes.getList",
        {"type": "post", "owner_id": f"-{MAIN}", "item_id": POPULAR, "filter": "copies"},
        "service",
        "likes",
        "likes_getList_response",
    ),
    (
        "messages.getConversations",
        {"count": "60"},
        "group-demo_community",
        "messages",
        "messages_getConversations_response",
    ),
    (
        "messages.getConversations",
        {"count": "50", "extended": "1", "filter": "unanswered", "group_id": str(MAIN)},
        "user-admin",
        "messages",
        "messages_getConversations_response",
    ),
    (
        "messages.getHistory",
        {"peer_id": "PEER", "count": "200"},
        "group-demo_community",
        "messages",
        "messages_getHistory_response",
    ),
    (
        "messages.getHistory",
        {"peer_id": "PEER", "rev": "1", "count": "1", "extended": "1"},
        "group-demo_community",
        "messages",
        "messages_getHistory_extended_response",
    ),
]


def fill_params(world: World, params: dict[str, str]) -> dict[str, str]:
    """A case's `params` with its placeholders (a popular post, a dialog's peer) made this world's ids."""
    replacements = {POPULAR: str(_popular_post(world)), "PEER": str(_peer(world))}
    return {
        k: v.replace(POPULAR, replacements[POPULAR]).replace("PEER", replacements["PEER"])
        for k, v in params.items()
    }
