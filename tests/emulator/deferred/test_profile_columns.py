"""Profile columns made from the users' traits (`profile_column`, `ProfilePage`) equal the columns of the
built users.get objects, and an object-valued column is the very dicts the objects hold later."""

from __future__ import annotations

from typing import Any

from tests.helpers.answer_sequence import RECORDED_PROFILE_FIELDS
from tests.helpers.deferred_calls import counting_callers
from vksync_tui.emulator.access import DEFAULT_PROFILE_FIELDS
from vksync_tui.emulator.methods import call_method
from vksync_tui.emulator.profiles import (
    OBJECT_FIELDS,
    SUPPORTED_USER_FIELDS,
    ProfilePage,
    field_plan,
    profile_column,
    user_object,
    user_traits,
)
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.vkscript import run_script
from vksync_tui.emulator.world import World
from vksync_tui.sync.users_refresh import PROFILE_FIELDS

SEED = 17
NOW = 1_760_000_000
USERS = range(1, 4001)
FIELDS = ("id", "first_name", "last_name", "deactivated", "can_access_closed", "is_closed", "nothing",
          *sorted(SUPPORTED_USER_FIELDS))
PLANS = (field_plan(DEFAULT_PROFILE_FIELDS | frozenset(PROFILE_FIELDS)), field_plan(()),
         field_plan(SUPPORTED_USER_FIELDS), field_plan(("photo_50", "last_seen")))
MAIN = 212345678


def test_every_column_equals_the_objects_field() -> None:
    users = [user_traits(SEED, user_id) for user_id in USERS]
    assert {traits.deactivated for traits in users} == {None, "deleted", "banned"}
    for plan in PLANS:
        objects = [user_object(SEED, user_id, plan, NOW) for user_id in USERS]
        for field in FIELDS:
            assert profile_column(users, plan, NOW, field) == [obj.get(field) for obj in objects], field


def test_only_the_object_fields_hold_objects() -> None:
    plan = field_plan(SUPPORTED_USER_FIELDS)
    objects = [user_object(SEED, user_id, plan, NOW) for user_id in USERS]
    holding = {field for obj in objects for field, value in obj.items() if isinstance(value, dict | list)}
    assert holding == OBJECT_FIELDS


def test_a_page_hands_out_the_dicts_its_objects_hold_and_fresh_lists() -> None:
    plan = PLANS[0]
    page = ProfilePage([user_traits(SEED, user_id) for user_id in USERS], plan, NOW)
    cities, again = page.column("city"), page.column("city")
    assert cities is not again and cities == again
    assert all(a is b for a, b in zip(cities, again, strict=True))
    first = next(index for index, city in enumerate(cities) if city is not None)
    cities[first]["title"] = "changed"
    ids = page.column("id")
    ids[0] = -1
    cities[first + 1] = "replaced"
    objects = page.objects()
    assert objects[first]["city"] is again[first] and objects[first]["city"]["title"] == "changed"
    assert objects[0]["id"] == USERS[0]
    expected = [user_object(SEED, user_id, plan, NOW) for user_id in USERS]
    expected[first]["city"]["title"] = "changed"
    assert objects == expected
    assert [list(obj) for obj in objects] == [list(obj) for obj in expected]  # same key order
    assert page.column("city") == [obj.get("city") for obj in expected]


def test_dialog_peers_keep_the_traits_user_traits_gives() -> None:
    world = World.generate(3, WorldSpec.demo(members=5000))
    dialogs = world.communities[MAIN].dialogs
    assert len(dialogs) > 100
    for dialog in dialogs.in_inbox_order():
        assert dialog.peer == user_traits(world.seed, dialog.peer_id)


def _columns_script(mutation: str) -> str:
    columns = ", ".join(f"r.profiles@.{field}" for field in RECORDED_PROFILE_FIELDS)
    return (f'var r = API.messages.getConversations({{"group_id": {MAIN}, "offset": 40, "count": 60, '
            f'"extended": 1, "fields": "{",".join(PROFILE_FIELDS)}"}}); var c = [{columns}]; {mutation} '
            "return [c, r.profiles, r.count];")


def test_a_script_that_changes_a_profile_column_sees_it_in_the_whole_answer() -> None:
    world = World.generate(3, WorldSpec.demo(members=5000))
    token = next(info for info in world.tokens if info.label == "group-demo_community")

    def call(method: str, params: dict[str, Any]) -> Any:
        return call_method(world, method, params, token)

    call_deferred, _, builds = counting_callers(world, token)
    mutation = 'c[5][1].title = "x"; c[8][2].time = 3; c[1][0] = "y";'
    deferred = run_script(_columns_script(mutation), {}, call, results_are_fresh=True,
                          call_api_deferred=call_deferred)
    assert builds == ["messages.getConversations"]
    plain = run_script(_columns_script(mutation), {}, call, results_are_fresh=True)
    assert deferred.response_json == plain.response_json
    columns, profiles, _count = deferred.response
    assert profiles[1]["city"] is columns[5][1] and columns[5][1]["title"] == "x"
    assert profiles[2]["last_seen"] is columns[8][2] and columns[8][2]["time"] == 3
    assert columns[1][0] == "y" and profiles[0]["first_name"] != "y"
