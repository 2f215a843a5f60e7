"""A call a script keeps in a variable (`DeferredAnswer`) projects exactly what the built answer projects,
builds the answer only when the script needs it whole, and never lets a script reach the world's data."""

from __future__ import annotations

from typing import Any

from tests.helpers.deferred_calls import counting_callers
from vksync_tui.emulator.methods import call_method, call_method_deferred
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.vkscript import run_script
from vksync_tui.emulator.vkscript.values import DeferredAnswer, project
from vksync_tui.emulator.world import World

MAIN = 212345678


def _world() -> World:
    return World.generate(3, WorldSpec.demo(members=20_000))


def _admin(world: World) -> Any:
    return next(info for info in world.tokens if info.label == "user-admin")


def test_repost_columns_equal_the_projection_of_the_whole_page() -> None:
    world = _world()
    admin = _admin(world)
    post = min(world.communities[MAIN].wall.popular)
    for offset in ("0", "1000", "5000"):
        params = {"owner_id": f"-{MAIN}", "post_id": str(post), "offset": offset, "count": "1000"}
        whole = call_method(world, "wall.getReposts", params, admin)
        for array in ("items", "profiles", "groups", "nothing", None):
            for name in ("owner_id", "from_id", "date", "id", "text", "copy_history", "nothing"):
                deferred = call_method_deferred(world, "wall.getReposts", params, admin)
                assert isinstance(deferred, DeferredAnswer)
                expected = project(whole if array is None else whole.get(array), name)
                assert deferred.column(array, name) == expected


def test_a_projected_script_never_builds_the_page_and_a_mutating_one_cannot_reach_the_world() -> None:
    world = _world()
    admin = _admin(world)
    post = min(world.communities[MAIN].wall.popular)
    call_deferred, call, builds = counting_callers(world, admin)

    call_page = f'API.wall.getReposts({{"owner_id": -{MAIN}, "post_id": {post}, "count": 1000}})'
    projected = run_script(f"var r = {call_page}; if (r) {{ r = [r.items@.owner_id, r.items@.date]; }} "
                           "return r;", {}, call, results_are_fresh=True, call_api_deferred=call_deferred)
    assert builds == []
    page = call("wall.getReposts", {"owner_id": f"-{MAIN}", "post_id": str(post), "count": "1000"})
    assert projected.response == [project(page["items"], "owner_id"), project(page["items"], "date")]

    mutated = run_script(f"var r = {call_page}; var a = r; a.items[0].owner_id = 5; "
                         "a.items[0].copy_history[0].text = 1; return r.items@.owner_id;", {}, call,
                         results_are_fresh=True, call_api_deferred=call_deferred)
    assert builds == ["wall.getReposts"]
    assert mutated.response[0] == 5 and mutated.response[1:] == project(page["items"], "owner_id")[1:]
    again = call("wall.getReposts", {"owner_id": f"-{MAIN}", "post_id": str(post), "count": "1000"})
    assert again == page
