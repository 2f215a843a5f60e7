"""messages.getConversations kept in a script variable (`DeferredAnswer`): every chained column and kept
count equals the whole page's, the mailing sync's projected script never builds the page's conversation and
message objects, and a script that mutates the page cannot reach the world."""

from __future__ import annotations

from functools import reduce
from typing import Any

from tests.helpers.deferred_calls import counting_callers
from vksync_tui.emulator.methods import call_method, call_method_deferred
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.vkscript import run_script
from vksync_tui.emulator.vkscript.values import DeferredAnswer, project
from vksync_tui.emulator.world import World
from vksync_tui.sync.mailing import CONVERSATIONS_PROJECTION
from vksync_tui.sync.users_refresh import PROFILE_FIELDS
from vksync_tui.vk.execute import ApiCall, build_script

MAIN = 212345678
PATHS = ("conversation.peer.id", "conversation.peer.type", "conversation.peer.local_id",
         "conversation.can_write.allowed", "conversation.can_write.reason", "conversation.unanswered",
         "conversation.important", "conversation.unread_count", "last_message.date", "last_message.text",
         "conversation", "nothing.id", "id", "city", "last_seen", "last_seen.time", "first_name")


def _setup() -> tuple[World, Any]:
    world = World.generate(3, WorldSpec.demo(members=20_000))
    return world, next(info for info in world.tokens if info.label == "group-demo_community")


def _chain(value: Any, path: str) -> Any:
    return reduce(project, path.split("."), value)


def test_chained_columns_and_the_count_equal_the_whole_page() -> None:
    world, token = _setup()
    for params in ({"offset": "0", "count": "200", "extended": "1", "fields": ",".join(PROFILE_FIELDS)},
                   {"offset": "1900", "count": "200", "extended": "1", "fields": "city"},
                   {"offset": "3", "count": "50", "filter": "unanswered"}):
        whole = call_method(world, "messages.getConversations", params, token)
        for array in ("items", "profiles", "groups", None):
            for path in PATHS:
                deferred = call_method_deferred(world, "messages.getConversations", params, token)
                assert isinstance(deferred, DeferredAnswer)
                expected = _chain(whole if array is None else whole.get(array), path)
                if "." not in path:
                    assert deferred.column(array, path) == expected
                    continue
                column = deferred.path_column(array, path)
                assert column == expected or column is None  # None: the script projects step by step
                if array == "items" and path in CONVERSATIONS_PROJECTION.fields:
                    assert column is not None
            assert deferred.member("count") == whole["count"]
        assert call_method_deferred(world, "messages.getConversations", params, token).whole() == whole


def test_the_sync_script_never_builds_the_page_and_a_mutating_one_cannot_reach_the_world() -> None:
    world, token = _setup()
    call_deferred, call, builds = counting_callers(world, token)

    params = {"group_id": MAIN, "offset": 0, "count": 200, "extended": 1, "fields": ",".join(PROFILE_FIELDS)}
    script = build_script([ApiCall("messages.getConversations", params, CONVERSATIONS_PROJECTION)])
    projected = run_script(script, {}, call, results_are_fresh=True, call_api_deferred=call_deferred)
    assert builds == []
    page = call("messages.getConversations", {key: str(value) for key, value in params.items()})
    (slot,) = projected.response
    assert slot["projected_columns"][0] == _chain(page["items"], "conversation.peer.id")
    assert slot["projected_kept"] == [page["count"]]

    call_page = f"API.messages.getConversations({{\"group_id\": {MAIN}, \"count\": 20}})"
    mutated = run_script(f"var r = {call_page}; var a = r; a.items[0].conversation.peer.id = 5; "
                         "a.count = 7; return [r.items@.conversation@.peer@.id, r.count];", {}, call,
                         results_are_fresh=True, call_api_deferred=call_deferred)
    assert builds == ["messages.getConversations"]
    ids = _chain(page["items"][:20], "conversation.peer.id")
    assert mutated.response == [[5, *ids[1:]], 7]
    again = call("messages.getConversations", {key: str(value) for key, value in params.items()})
    assert again == page
