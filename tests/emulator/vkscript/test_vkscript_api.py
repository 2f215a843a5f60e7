"""API.* calls inside scripts: parameter conversion, pagination loops, execute_errors, the 25-call cap."""

import json
from typing import Any

import pytest

from vksync_tui.emulator.vkscript import ExecuteLimits, VKScriptRuntimeError, run_script


class FakeApiError(Exception):
    """Stands in for the emulator's EmuApiError: only error_code and error_msg matter to the interpreter."""

    def __init__(self, error_code: int, error_msg: str) -> None:
        super().__init__(error_msg)
        self.error_code = error_code
        self.error_msg = error_msg


class FakeMembers:
    """groups.getMembers over `total` members with ids 1..total, recording every call it gets."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, method: str, params: dict[str, Any]) -> Any:
        self.calls.append((method, params))
        assert method == "groups.getMembers"
        offset, count = int(params["offset"]), int(params["count"])
        end = min(self.total, offset + count)
        return {"count": self.total, "items": list(range(offset + 1, end + 1))}


PAGINATING_SCRIPT = """
var calls = 0, items = [], offset = parseInt(Args.offset), r;
while (calls < 25) { r = API.groups.getMembers({"group_id": Args.g, "offset": offset, "count": 1000});
  items = items + r.items; offset = offset + 1000; calls = calls + 1;
  if (r.items.length < 1000) { calls = 25; } }
return {"count": r.count, "items": items};
"""

# vk_api's VkFunction-style pagination (vk_api/tools.py): skip already seen items with slice.
VK_API_STYLE_SCRIPT = """
var params = {"group_id": Args.g, "count": 1000, "offset": parseInt(Args.offset)};
var items = [], ri, r, d = parseInt(Args.skip), i = 0;
while (i < 25) {
  r = API.groups.getMembers(params);
  ri = r.items;
  items = items + ri.slice(d);
  d = 0;
  params.offset = params.offset + 1000;
  i = i + 1;
  if (params.offset >= r.count) { i = 25; }
}
return {"count": r.count, "items": items, "offset": params.offset};
"""


def test_paginating_loop_collects_all_pages_and_stops_on_short_page() -> None:
    api = FakeMembers(total=2500)
    result = run_script(PAGINATING_SCRIPT, {"offset": "0", "g": "77"}, api)
    assert result.response == {"count": 2500, "items": list(range(1, 2501))}
    assert [p["offset"] for _, p in api.calls] == ["0", "1000", "2000"]
    assert api.calls[0][1] == {"group_id": "77", "offset": "0", "count": "1000"}
    assert result.execute_errors == []


def test_paginating_loop_makes_exactly_25_calls_on_a_big_community() -> None:
    api = FakeMembers(total=100_000)
    result = run_script(PAGINATING_SCRIPT, {"offset": "5000", "g": "1"}, api)
    assert len(api.calls) == 25
    assert result.response["items"] == list(range(5001, 30_001))


def test_vk_api_style_slice_pagination() -> None:
    api = FakeMembers(total=2100)
    result = run_script(VK_API_STYLE_SCRIPT, {"g": "5", "offset": "0", "skip": "3"}, api)
    assert result.response["items"] == list(range(4, 2101))
    assert result.response["offset"] == 3000
    assert len(api.calls) == 3


def test_param_values_are_converted_to_vk_strings() -> None:
    seen: list[dict[str, Any]] = []

    def api(method: str, params: dict[str, Any]) -> Any:
        seen.append(params)
        return 1

    run_script('return API.users.get({"user_ids": [1, 2, 3], "n": 5, "f": 1.5, "yes": true, "no": false,'
               ' fields: "sex,city", "s": Args.s});', {"s": "x"}, api)
    assert seen == [{"user_ids": "1,2,3", "n": "5", "f": "1.5", "yes": "1", "no": "0", "fields": "sex,city",
                     "s": "x"}]


def test_call_without_params_and_projection_on_call_result() -> None:
    def api(method: str, params: dict[str, Any]) -> Any:
        assert method == "users.get" and params == {}
        return [{"id": 1, "last_name": "Ivanov"}, {"id": 2, "last_name": "Petrov"}]

    assert run_script("return API.users.get()@.last_name;", {}, api).response == ["Ivanov", "Petrov"]


def test_failed_inner_call_is_false_and_recorded_in_execute_errors() -> None:
    def api(method: str, params: dict[str, Any]) -> Any:
        if params["group_id"] == "2":
            raise FakeApiError(15, "Access denied: you should be group moderator")
        return {"count": 1, "items": [int(params["group_id"])]}

    code = ('return [API.groups.getMembers({"group_id": 1}), API.groups.getMembers({"group_id": 2}),'
            ' API.groups.getMembers({"group_id": 3})];')
    result = run_script(code, {}, api)
    assert result.response == [{"count": 1, "items": [1]}, False, {"count": 1, "items": [3]}]
    assert result.execute_errors == [
        {"method": "groups.getMembers", "error_code": 15,
         "error_msg": "Access denied: you should be group moderator"}
    ]


def test_script_can_test_a_failed_call_and_go_on() -> None:
    def api(method: str, params: dict[str, Any]) -> Any:
        raise FakeApiError(18, "User was deleted or banned")

    code = 'var r = API.wall.get({"owner_id": -1}); if (!r) { return "failed"; } return r;'
    result = run_script(code, {}, api)
    assert result.response == "failed"
    assert result.execute_errors[0]["error_code"] == 18


def test_exceptions_without_vk_error_fields_propagate() -> None:
    def api(method: str, params: dict[str, Any]) -> Any:
        raise KeyError("emulator bug")

    with pytest.raises(KeyError):
        run_script("return API.users.get();", {}, api)


def test_inner_results_are_not_mutated_through_the_script() -> None:
    stored = {"items": [1, 2]}

    def api(method: str, params: dict[str, Any]) -> Any:
        return stored

    run_script("var r = API.x.y(); r.items.push(3); r.extra = 1; return r;", {}, api)
    assert stored == {"items": [1, 2]}


def test_25_calls_are_allowed_and_the_26th_fails_the_whole_script_with_13() -> None:
    api = FakeMembers(total=10)
    loop = ('var i = 0; while (i < %d) {'
            ' API.groups.getMembers({"offset": 0, "count": 1}); i = i + 1; } return i;')
    ok = run_script(loop % 25, {}, api)
    assert ok.response == 25
    with pytest.raises(VKScriptRuntimeError) as info:
        run_script(loop % 26, {}, FakeMembers(total=10))
    assert info.value.error_code == 13
    assert info.value.error_msg.startswith("Runtime error occurred during code invocation: ")
    assert "API" in info.value.error_msg


def test_failed_calls_count_toward_the_cap() -> None:
    def api(method: str, params: dict[str, Any]) -> Any:
        raise FakeApiError(10, "Internal server error")

    with pytest.raises(VKScriptRuntimeError):
        run_script("var i = 0; while (i < 26) { API.a.b(); i = i + 1; }", {}, api)


def test_api_call_cap_is_configurable() -> None:
    with pytest.raises(VKScriptRuntimeError):
        run_script("API.a.b(); API.a.b(); return 1;", {}, lambda m, p: 1, ExecuteLimits(max_api_calls=1))



class CodeSpelledError(Exception):
    """The emulator's EmuApiError names the code `code` rather than `error_code`."""

    def __init__(self, code: int, error_msg: str) -> None:
        super().__init__(error_msg)
        self.code = code
        self.error_msg = error_msg


def test_errors_spelling_their_code_as_code_are_inner_errors_too() -> None:
    def api(method: str, params: dict[str, Any]) -> Any:
        raise CodeSpelledError(203, "Access to group denied")

    result = run_script("return [API.groups.getById(), 1];", {}, api)
    assert result.response == [False, 1]
    assert result.execute_errors == [{"method": "groups.getById", "error_code": 203,
                                      "error_msg": "Access to group denied"}]


def test_a_script_built_like_the_clients_build_script_runs() -> None:
    """The client's batch form: a returned array of calls whose params are JSON object literals."""
    params = {"group_id": 5, "offset": 0, "count": 1000, "fields": "sex,city",
              "title": "Quote \" and \\ and \u044f"}
    code = "return [" + ", ".join(f"API.groups.getMembers({json.dumps(params, ensure_ascii=False)})"
                                  for _ in range(3)) + "];"
    seen: list[dict[str, Any]] = []

    def api(method: str, given: dict[str, Any]) -> Any:
        seen.append(given)
        return {"count": 0, "items": []}

    assert run_script(code, {}, api).response == [{"count": 0, "items": []}] * 3
    assert seen[0] == {"group_id": "5", "offset": "0", "count": "1000", "fields": "sex,city",
                       "title": "Quote \" and \\ and я"}
