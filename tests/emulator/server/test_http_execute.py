"""`execute` through HTTP: inner calls under the caller's token, execute_errors, 12/13, the 25-call cap."""

from __future__ import annotations

from collections.abc import Callable

from tests.helpers.emulator_http import MAIN_GROUP, Emu, FakeClock, main_count


def members_script(offsets: list[int], count: int = 10) -> str:
    calls = ", ".join(
        f'API.groups.getMembers({{"group_id": {MAIN_GROUP}, "offset": {offset}, "count": {count}}})'
        for offset in offsets
    )
    return f"return [{calls}];"


def test_execute_returns_each_inner_response(emu: Emu) -> None:
    body = emu.call("execute", code=members_script([0, 10]))
    direct = emu.call("groups.getMembers", group_id=MAIN_GROUP, offset=10, count=10)
    assert set(body) == {"response"}
    first, second = body["response"]
    assert first["count"] == main_count(emu.world) and len(first["items"]) == 10
    assert second == direct["response"]


def test_args_reach_the_script_and_the_token_does_not(emu: Emu) -> None:
    body = emu.call("execute", code="return [Args.offset, Args.access_token, Args.v];", offset=30)
    assert body["response"] == ["30", None, "5.199"]


def test_failed_inner_calls_are_false_with_execute_errors(emu: Emu) -> None:
    code = (
        f'return [API.groups.getMembers({{"group_id": {MAIN_GROUP}, "count": 1}}), '
        f'API.no.suchMethod({{"x": 1}}), API.groups.getMembers({{"group_id": {MAIN_GROUP}, "count": 2}})];'
    )
    body = emu.call("execute", code=code)
    first, failed, third = body["response"]
    assert failed is False
    assert len(first["items"]) == 1 and len(third["items"]) == 2
    assert body["execute_errors"] == [
        {"method": "no.suchMethod", "error_code": 3, "error_msg": "Unknown method passed"}
    ]


def test_kind_rules_apply_to_inner_calls(emu: Emu) -> None:
    code = f'return API.wall.get({{"owner_id": -{MAIN_GROUP}}});'
    body = emu.call("execute", "group-demo_community", code=code)
    assert body["response"] is False
    assert body["execute_errors"][0]["method"] == "wall.get"
    assert body["execute_errors"][0]["error_code"] == 27


def test_error_27_comes_without_request_params_as_on_vk(emu: Emu) -> None:
    """A real error 27 envelope has no `request_params` (https://github.com/VKCOM/vk-api-schema/issues/242)."""
    error = emu.call("wall.get", "group-demo_community", owner_id=-MAIN_GROUP)["error"]
    assert error == {"error_code": 27,
                     "error_msg": "Group authorization failed: method is unavailable with group auth."}


def test_compile_and_runtime_errors_are_whole_envelopes(emu_factory: Callable[..., Emu]) -> None:
    emu = emu_factory(clock=FakeClock())
    compile_error = emu.call("execute", code="return [1, 2")["error"]
    assert compile_error["error_code"] == 12
    assert compile_error["error_msg"].startswith("Unable to compile code: ")
    assert compile_error["error_msg"].count("Unable to compile code") == 1
    assert {"key": "code", "value": "return [1, 2"} in compile_error["request_params"]
    emu.app.clock.t += 1  # type: ignore[attr-defined]
    runtime_error = emu.call("execute", code="var a = 1; return a.slice(0);")["error"]
    assert runtime_error["error_code"] == 13
    assert runtime_error["error_msg"].startswith("Runtime error occurred during code invocation: ")
    assert runtime_error["error_msg"].count("Runtime error") == 1


def test_twenty_five_inner_calls_pass_and_the_twenty_sixth_fails_the_script(emu: Emu) -> None:
    body = emu.call("execute", code=members_script(list(range(0, 250, 10))))
    assert len(body["response"]) == 25
    emu.app.clock.t += 1  # type: ignore[attr-defined]
    error = emu.call("execute", code=members_script(list(range(0, 260, 10))))["error"]
    assert error["error_code"] == 13


def test_execute_counts_once_per_second_and_inner_calls_count_in_stats(emu: Emu) -> None:
    bodies = [emu.call("execute", code=members_script([0, 10, 20, 30, 40])) for _ in range(4)]
    assert ["response" in body for body in bodies] == [True, True, True, False]
    assert bodies[3]["error"]["error_code"] == 6
    stats = emu.app.stats.snapshot()
    assert stats["requests"] == 4
    assert stats["inner_calls"] == 15
    assert stats["by_method"] == {"execute": 4, "groups.getMembers": 15}
    token = stats["by_token"]["user-admin"]
    assert token["requests"] == 4 and token["max_rps"] == 4
    assert token["by_method"] == {"execute": 4, "groups.getMembers": 15}
    # every request asked for groups.getMembers, the one refused with error 6 included
    assert token["requests_by_method"] == {"execute": 4, "groups.getMembers": 4}


def test_inner_calls_count_against_daily_quotas(emu_factory: Callable[..., Emu]) -> None:
    emu = emu_factory(clock=FakeClock(), daily_quotas={"groups.getMembers": 3})
    body = emu.call("execute", code=members_script([0, 10, 20, 30, 40]))
    assert [item is False for item in body["response"]] == [False, False, False, True, True]
    assert [error["error_code"] for error in body["execute_errors"]] == [29, 29]
    assert emu.app.stats.snapshot()["errors_by_code"] == {"29": 2}


def test_inner_false_and_sticky_faults_hit_inner_calls(emu_factory: Callable[..., Emu]) -> None:
    emu = emu_factory(clock=FakeClock(), faults="inner_false=1")
    body = emu.call("execute", code=members_script([0, 10, 20]))
    assert body["response"] == [False, False, False]
    assert [error["error_code"] for error in body["execute_errors"]] == [10, 10, 10]
    assert all(error["method"] == "groups.getMembers" for error in body["execute_errors"])

    sticky = emu_factory(clock=FakeClock(), faults="sticky=0.5", fault_seed=2)
    offsets = list(range(0, 250, 10))
    inner = sticky.call("execute", code=members_script(offsets))["response"]
    direct = []
    for offset in offsets:
        sticky.app.clock.t += 1  # type: ignore[attr-defined]
        body = sticky.call("groups.getMembers", "user-reader", group_id=MAIN_GROUP, offset=offset, count=10)
        direct.append("error" in body)
    assert [item is False for item in inner] == direct
    assert 3 <= sum(direct) <= 22
