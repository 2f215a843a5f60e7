"""Access rules: token kinds (27/28), rights and levels (15), closed groups (203), params (100/113/125)."""

from __future__ import annotations

import pytest

from tests.helpers.default_world import CLOSED, MAIN
from tests.helpers.paths import VK_API_SCHEMA
from vksync_tui.emulator.errors import ERROR_TEXTS, EmuApiError
from vksync_tui.emulator.methods import METHODS, call_method
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.world import World


def _error(world: World, method: str, params: dict[str, str], token: TokenInfo) -> EmuApiError:
    with pytest.raises(EmuApiError) as caught:
        call_method(world, method, params, token)
    return caught.value


@pytest.mark.parametrize(
    "method", ["wall.get", "wall.getById", "wall.getComments", "wall.getReposts", "likes.getList"]
)
def test_community_token_on_user_service_methods_is_27(
    world: World, tokens: dict[str, TokenInfo], method: str
) -> None:
    error = _error(world, method, {"owner_id": f"-{MAIN}"}, tokens["group-demo_community"])
    assert (error.code, error.error_msg) == (
        27,
        "Group authorization failed: method is unavailable with group auth.",
    )


@pytest.mark.parametrize("method", ["messages.getConversations", "messages.getHistory"])
def test_service_token_on_messages_is_28(world: World, tokens: dict[str, TokenInfo], method: str) -> None:
    error = _error(world, method, {"peer_id": "1"}, tokens["service"])
    assert (error.code, error.error_msg) == (
        28,
        "Application authorization failed: method is unavailable with service token.",
    )


def test_unknown_method_is_3(world: World, tokens: dict[str, TokenInfo]) -> None:
    assert _error(world, "wall.nope", {}, tokens["service"]).code == 3
    assert "execute" not in METHODS  # the HTTP layer owns execute


def test_reposts_need_admin_level_3(world: World, tokens: dict[str, TokenInfo]) -> None:
    post = min(world.communities[MAIN].wall.popular)
    params = {"owner_id": f"-{MAIN}", "post_id": str(post)}
    for label in ("user-editor", "user-moderator", "user-reader", "service"):
        assert _error(world, "wall.getReposts", params, tokens[label]).code == 15, label
    for label in ("user-admin", "user-admin-no-groups-scope"):
        assert call_method(world, "wall.getReposts", params, tokens[label])["items"], label


def test_closed_community(world: World, tokens: dict[str, TokenInfo]) -> None:
    outsider = tokens["user-reader"]
    assert _error(world, "groups.getMembers", {"group_id": str(CLOSED)}, outsider).code == 203
    assert _error(world, "groups.getMembers", {"group_id": str(CLOSED)}, tokens["service"]).code == 203
    wall_error = _error(world, "wall.get", {"owner_id": f"-{CLOSED}"}, outsider)
    assert wall_error.error_msg == "Access denied: this wall available only for community members"
    member = tokens["user-moderator"]  # a plain member of the closed club
    assert call_method(world, "groups.getMembers", {"group_id": str(CLOSED)}, member)["count"] > 1000
    assert call_method(world, "wall.get", {"owner_id": f"-{CLOSED}"}, member)["count"] > 0
    assert (
        call_method(world, "groups.getMembers", {"group_id": str(CLOSED)}, tokens["group-closed_club"])[
            "count"
        ]
        > 1000
    )


def test_time_sort_and_managers_need_a_moderator(world: World, tokens: dict[str, TokenInfo]) -> None:
    for params in (
        {"group_id": str(MAIN), "sort": "time_asc"},
        {"group_id": str(MAIN), "filter": "managers"},
    ):
        error = _error(world, "groups.getMembers", params, tokens["user-reader"])
        assert error.error_msg == "Access denied: you should be group moderator"
        assert call_method(world, "groups.getMembers", params, tokens["user-moderator"])["count"] > 0
    managers = call_method(
        world,
        "groups.getMembers",
        {"group_id": str(MAIN), "filter": "managers"},
        tokens["group-demo_community"],
    )["items"]
    roles = {m["id"]: m["role"] for m in managers}
    assert roles[tokens["user-admin"].owner_id] == "administrator"
    assert roles[tokens["user-editor"].owner_id] == "editor"
    assert "creator" in roles.values()


def test_time_sorts_order_by_join_time(world: World, tokens: dict[str, TokenInfo]) -> None:
    members = world.communities[MAIN].members
    asc = call_method(
        world,
        "groups.getMembers",
        {"group_id": str(MAIN), "sort": "time_asc", "count": "200"},
        tokens["user-moderator"],
    )["items"]
    desc = call_method(
        world,
        "groups.getMembers",
        {"group_id": str(MAIN), "sort": "time_desc", "count": "5"},
        tokens["user-moderator"],
    )["items"]
    times = [members.join_time(uid) for uid in asc]
    assert times == sorted(times)
    assert members.join_time(desc[0]) >= max(members.join_time(uid) for uid in members.ids[:1000])


def test_messages_rights(world: World, tokens: dict[str, TokenInfo]) -> None:
    error = _error(world, "messages.getConversations", {}, tokens["group-demo_community-manage-only"])
    assert error.code == 15
    assert (
        _error(world, "messages.getConversations", {"group_id": str(MAIN)}, tokens["user-editor"]).code == 15
    )
    via_admin = call_method(world, "messages.getConversations", {"group_id": str(MAIN)}, tokens["user-admin"])
    via_bot = call_method(world, "messages.getConversations", {}, tokens["group-demo_community"])
    assert via_admin == via_bot and via_bot["count"] == 2000
    personal = call_method(world, "messages.getConversations", {}, tokens["user-admin"])
    assert personal == {"count": 0, "items": []}  # personal inboxes are not part of the world
    other = _error(
        world, "messages.getConversations", {"group_id": str(CLOSED)}, tokens["group-demo_community"]
    )
    assert other.code == 15


def test_history_param_rules(world: World, tokens: dict[str, TokenInfo]) -> None:
    bot = tokens["group-demo_community"]
    peer = str(world.communities[MAIN].dialogs.inbox[0])
    error = _error(world, "messages.getHistory", {"peer_id": peer, "rev": "1", "start_message_id": "5"}, bot)
    assert error.error_msg.endswith("rev param can not be used with start_message_id")
    assert _error(world, "messages.getHistory", {"peer_id": peer, "offset": "-1"}, bot).code == 100
    assert (
        _error(
            world, "messages.getHistory", {"peer_id": peer, "offset": "1", "start_message_id": "5"}, bot
        ).code
        == 100
    )
    assert _error(world, "messages.getHistory", {"peer_id": "2000000001"}, bot).code == 917
    assert _error(world, "messages.getHistory", {}, bot).code == 100


def test_parameter_errors(world: World, tokens: dict[str, TokenInfo]) -> None:
    service = tokens["service"]
    missing = _error(world, "groups.getMembers", {}, service)
    assert (
        missing.error_msg == "One of the parameters specified was missing or invalid: group_id is undefined"
    )
    assert _error(world, "groups.getMembers", {"group_id": "999"}, service).code == 125
    assert _error(world, "groups.getMembers", {"group_id": "no_such_group"}, service).code == 125
    not_int = _error(world, "groups.getMembers", {"group_id": str(MAIN), "offset": "x"}, service)
    assert not_int.error_msg.endswith(": offset not integer")
    assert _error(world, "groups.getById", {"group_id": "no_such_group"}, service).code == 100
    assert _error(world, "groups.getById", {}, service).code == 100
    assert _error(world, "users.get", {"user_ids": "1,abc!"}, service).code == 113
    assert _error(world, "users.get", {"user_ids": "0"}, service).code == 113
    assert _error(world, "users.get", {}, service).code == 100
    assert _error(world, "wall.get", {}, service).code == 100
    assert _error(world, "likes.getList", {"owner_id": f"-{MAIN}", "item_id": "1"}, service).code == 100
    assert (
        _error(world, "wall.getComments", {"owner_id": f"-{MAIN}", "post_id": "999999"}, service).code == 100
    )


def test_counts_are_clamped_to_the_documented_maximum(world: World, tokens: dict[str, TokenInfo]) -> None:
    service = tokens["service"]
    members = call_method(world, "groups.getMembers", {"group_id": str(MAIN), "count": "5000"}, service)
    assert len(members["items"]) == 1000
    posts = call_method(world, "wall.get", {"owner_id": f"-{MAIN}", "count": "500"}, service)
    assert len(posts["items"]) == 100
    assert (
        len(call_method(world, "users.get", {"user_ids": ",".join(map(str, range(1, 1500)))}, service))
        == 1000
    )


def test_users_get_defaults_and_deactivated(world: World, tokens: dict[str, TokenInfo]) -> None:
    owner = tokens["user-reader"].owner_id
    assert call_method(world, "users.get", {}, tokens["user-reader"])[0]["id"] == owner
    users = call_method(
        world,
        "users.get",
        {"user_ids": ",".join(map(str, range(1, 400))), "fields": "city,bdate"},
        tokens["service"],
    )
    deactivated = [u for u in users if "deactivated" in u]
    assert deactivated, "some users must be deleted or banned"
    for user in deactivated:
        assert set(user) <= {"id", "first_name", "last_name", "deactivated"}
        assert user["deactivated"] in ("deleted", "banned")
    assert any(u.get("is_closed") is True and u["can_access_closed"] is False for u in users)


def test_get_by_id_admin_fields(world: World, tokens: dict[str, TokenInfo]) -> None:
    def group(label: str) -> dict[str, object]:
        return call_method(world, "groups.getById", {"group_id": str(MAIN)}, tokens[label])["groups"][0]

    assert (group("user-admin")["is_admin"], group("user-admin")["admin_level"]) == (1, 3)
    assert group("user-editor")["admin_level"] == 2
    assert group("user-reader")["is_admin"] == 0 and "admin_level" not in group("user-reader")
    assert group("user-admin-no-groups-scope")["is_admin"] == 0  # is_admin needs the groups scope
    assert "is_admin" not in group("service")


def test_error_texts_match_the_schema() -> None:
    import json

    schema = json.loads((VK_API_SCHEMA / "errors.json").read_text(encoding="utf-8"))["errors"]
    for entry in schema.values():
        assert ERROR_TEXTS[entry["code"]] == entry["description"]
    assert str(EmuApiError(100, "x is undefined")) == (
        "[100] One of the parameters specified was missing or invalid: x is undefined"
    )
