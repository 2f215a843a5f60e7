"""Execute builder: scripts that carry params safely, and inner failures mapped back to the right calls."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.helpers.fake_vk import FakeVk, envelope
from vksync_tui.vk.client import ExecuteError, ExecuteResult, VkClient
from vksync_tui.vk.errors import AccessDenied, ParamError, TransientError, VkApiError
from vksync_tui.vk.execute import ApiCall, build_script, map_results

TOKEN = "vk1.a.execute-test-token-77aa88bb"
CALL_PATTERN = re.compile(r"API\.([a-zA-Z.]+)\((\{.*?\})\)(?=, API\.|\];$)")


def test_script_shape_matches_vk_examples() -> None:
    script = build_script([ApiCall("groups.getMembers", {"group_id": 1, "offset": 0, "count": 1000})])
    assert script == 'return [API.groups.getMembers({"group_id": 1, "offset": 0, "count": 1000})];'


def test_params_are_json_encoded_safely() -> None:
    nasty = 'he said "hi"\\); API.account.ban({}); //\nкириллица'
    call = ApiCall("wall.get", {"owner_id": -5, "filter": nasty, "ids": [1, 2], "ext": True})
    script = build_script([call])
    ((method, literal),) = CALL_PATTERN.findall(script)
    assert method == "wall.get"
    assert json.loads(literal) == {"owner_id": -5, "filter": nasty, "ids": "1,2", "ext": 1}
    assert "\n" not in script


@pytest.mark.parametrize("count", [0, 26])
def test_batch_size_is_limited(count: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.25"):
        build_script([ApiCall("users.get", {"user_ids": n}) for n in range(count)])


def test_method_names_cannot_inject_code() -> None:
    with pytest.raises(ValueError, match="not a VK method name"):
        build_script([ApiCall("users.get({}); API.x.y", {})])


def fake_execute_server(outcomes: dict[int, tuple[str, int, str] | None]) -> FakeVk:
    """Evaluates each API call in the script in order; calls whose `n` is in `outcomes` with an error fail."""

    def handler(method: str, form: dict[str, str]) -> httpx.Response:
        assert method == "execute"
        response, execute_errors = [], []
        for inner_method, literal in CALL_PATTERN.findall(form["code"]):
            params = json.loads(literal)
            failure = outcomes.get(params["n"])
            if failure is None:
                response.append({"echo": params["n"], "method": inner_method})
            else:
                response.append(False)
                method_name, code, message = failure
                execute_errors.append({"method": method_name, "error_code": code, "error_msg": message})
        body: dict[str, object] = {"response": response}
        if execute_errors:
            # VK sometimes repeats the last failure as a trailing "execute" entry.
            body["execute_errors"] = [*execute_errors, {**execute_errors[-1], "method": "execute"}]
        return envelope(body)

    return FakeVk(handler)


def test_round_trip_maps_inner_failures_to_their_calls() -> None:
    calls = [ApiCall("wall.get" if n % 2 else "users.get", {"n": n}) for n in range(25)]
    failing = {3: ("wall.get", 15, "Access denied: wall is private"), 10: ("users.get", 100, "bad user_ids"),
               11: ("wall.get", 15, "Access denied: second")}
    fake = fake_execute_server(failing)
    client = VkClient("http://vk.test/method/", transport=fake.transport)
    outcomes = map_results(client.execute(build_script(calls), TOKEN), calls)
    assert [outcome.call for outcome in outcomes] == calls
    for n, outcome in enumerate(outcomes):
        if n in failing:
            assert not outcome.ok and outcome.value is None
            assert isinstance(outcome.error, VkApiError)
            assert (outcome.error.method, outcome.error.code, outcome.error.message) == failing[n]
        else:
            assert outcome.ok and outcome.value == {"echo": n, "method": calls[n].method}
    assert isinstance(outcomes[3].error, AccessDenied) and isinstance(outcomes[10].error, ParamError)


def test_false_without_error_entry_is_still_a_failure() -> None:
    calls = [ApiCall("users.get", {"n": 1}), ApiCall("users.get", {"n": 2})]
    outcomes = map_results(ExecuteResult([False, [1]], []), calls)
    assert not outcomes[0].ok and outcomes[0].error is not None and outcomes[0].error.code == 0
    assert outcomes[1].ok


def test_wrong_result_count_is_transient() -> None:
    calls = [ApiCall("users.get", {"n": 1}), ApiCall("users.get", {"n": 2})]
    with pytest.raises(TransientError, match="1 results for 2 calls"):
        map_results(ExecuteResult([1], []), calls)
    with pytest.raises(TransientError):
        map_results(ExecuteResult(False, [ExecuteError("users.get", 10, "x")]), calls)
