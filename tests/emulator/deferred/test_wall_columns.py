"""wall.get kept in a script variable (`DeferredAnswer`): every column the posts sync projects equals the
whole page's, its projected script never builds the page, the answer is the world as of the call, and a
script that mutates the page works and cannot reach the world."""

from __future__ import annotations

from functools import reduce
from typing import Any

from tests.helpers.deferred_calls import counting_callers
from vksync_tui.emulator.methods import call_method, call_method_deferred
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.vkscript import run_script
from vksync_tui.emulator.vkscript.values import DeferredAnswer, project
from vksync_tui.emulator.world import World
from vksync_tui.sync.posts import POST_PROJECTION, wall_chunk
from vksync_tui.vk.execute import build_script

MAIN = 212345678
PATHS = (*POST_PROJECTION.fields, "owner_id", "hash", "likes", "likes.user_likes", "reposts.wall_count",
         "post_author_data", "nothing", "nothing.id", "attachments")


def _world() -> World:
    world = World.generate(3, WorldSpec.demo(members=20_000))
    world.add_posts(MAIN, 60)  # posts under a day old: `created_by` shows for admins
    return world


def _token(world: World, label: str) -> Any:
    return next(info for info in world.tokens if info.label == label)


def _chain(value: Any, path: str) -> Any:
    return reduce(project, path.split("."), value)


def test_columns_and_the_count_equal_the_whole_page() -> None:
    world = _world()
    for label in ("user-admin", "user-reader"):
        token = _token(world, label)
        for params in ({"owner_id": f"-{MAIN}", "offset": "0", "count": "100"},
                       {"owner_id": f"-{MAIN}", "offset": "30", "count": "100", "filter": "owner"},
                       {"domain": "demo_community", "offset": "5", "count": "7"}):
            whole = call_method(world, "wall.get", params, token)
            made = set()
            for path in PATHS:
                deferred = call_method_deferred(world, "wall.get", params, token)
                assert isinstance(deferred, DeferredAnswer)
                expected = _chain(whole["items"], path)
                column = deferred.path_column("items", path)
                assert column is None or column == expected, path
                if column is not None:
                    made.add(path)
                if "." not in path:
                    assert deferred.column("items", path) == expected, path
                    assert deferred.column(None, path) == project(whole, path)
            assert made >= set(POST_PROJECTION.fields)
            assert call_method_deferred(world, "wall.get", params, token).member("count") == whole["count"]
            assert call_method_deferred(world, "wall.get", params, token).whole() == whole
    admin_page = call_method(world, "wall.get", {"owner_id": f"-{MAIN}", "count": "100"},
                             _token(world, "user-admin"))
    assert any("created_by" in post for post in admin_page["items"])
    assert any("is_pinned" in post for post in admin_page["items"])


def test_the_answer_is_the_world_as_of_the_call() -> None:
    world = _world()
    token = _token(world, "user-admin")
    params = {"owner_id": f"-{MAIN}", "offset": "0", "count": "100"}
    before = call_method(world, "wall.get", params, token)
    columns = call_method_deferred(world, "wall.get", params, token)
    built = call_method_deferred(world, "wall.get", params, token)
    assert world.add_likes(MAIN, 5000) > 0
    assert call_method(world, "wall.get", params, token) != before
    assert columns.path_column("items", "likes.count") == _chain(before["items"], "likes.count")
    assert columns.path_column("items", "views.count") == _chain(before["items"], "views.count")
    assert built.whole() == before


def test_the_sync_script_never_builds_the_page_and_answers_as_the_plain_calls() -> None:
    world = _world()
    token = _token(world, "user-admin")
    call_deferred, call, builds = counting_callers(world, token)
    script = build_script([wall_chunk(MAIN, offset).call for offset in (0, 100, 200, 5000)])
    deferred = run_script(script, {}, call, results_are_fresh=True, call_api_deferred=call_deferred)
    assert builds == []
    plain = run_script(script, {}, call, results_are_fresh=True)
    assert deferred.response_json == plain.response_json
    slot = deferred.response[0]
    page = call("wall.get", {"owner_id": f"-{MAIN}", "offset": "0", "count": "100"})
    assert slot["projected_columns"][0] == _chain(page["items"], "id")
    assert slot["projected_kept"] == [page["count"]]


def test_a_mutating_script_works_and_cannot_reach_the_world() -> None:
    world = _world()
    token = _token(world, "user-admin")
    call_deferred, call, builds = counting_callers(world, token)
    params = {"owner_id": f"-{MAIN}", "count": "20"}
    page = call("wall.get", params)
    code = (f'var r = API.wall.get({{"owner_id": -{MAIN}, "count": 20}}); var a = r; '
            'var l = r.items@.likes@.count; a.items[0].likes.count = 5; a.items[1].text = "t"; a.count = 7; '
            "return [r.items@.likes@.count, r.items@.text, r.count, l];")
    mutated = run_script(code, {}, call, results_are_fresh=True, call_api_deferred=call_deferred)
    assert builds == ["wall.get"]
    plain = run_script(code, {}, call, results_are_fresh=True)
    assert mutated.response_json == plain.response_json
    likes = _chain(page["items"], "likes.count")
    texts = _chain(page["items"], "text")
    assert mutated.response == [[5, *likes[1:]], [texts[0], "t", *texts[2:]], 7, likes]
    assert call("wall.get", params) == page
