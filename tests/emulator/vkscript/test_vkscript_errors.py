"""Compile errors (VK code 12) and runtime errors / limits (VK code 13) with VK's message texts."""

import time
from typing import Any

import pytest

from vksync_tui.emulator.vkscript import ExecuteLimits, VKScriptCompileError, VKScriptRuntimeError, run_script

COMPILE_PREFIX = "Unable to compile code: "
RUNTIME_PREFIX = "Runtime error occurred during code invocation: "


def no_api(method: str, params: dict[str, Any]) -> Any:
    raise AssertionError(f"unexpected API call {method}")


def compile_error(code: str) -> VKScriptCompileError:
    with pytest.raises(VKScriptCompileError) as info:
        run_script(code, {}, no_api)
    assert info.value.error_code == 12
    assert info.value.error_msg.startswith(COMPILE_PREFIX)
    assert str(info.value) == info.value.error_msg
    return info.value


DEFAULT_LIMITS = ExecuteLimits()


def runtime_error(code: str, limits: ExecuteLimits = DEFAULT_LIMITS) -> VKScriptRuntimeError:
    with pytest.raises(VKScriptRuntimeError) as info:
        run_script(code, {}, no_api, limits)
    assert info.value.error_code == 13
    assert info.value.error_msg.startswith(RUNTIME_PREFIX)
    assert str(info.value) == info.value.error_msg
    return info.value


def test_missing_semicolon_at_end_reads_like_vk() -> None:
    assert compile_error("return 1").error_msg == "Unable to compile code: ';' expected, '' found in line 1"


def test_compile_errors_name_the_line() -> None:
    err = compile_error("var a = 1;\nvar b = 2;\nreturn a +;")
    assert err.error_msg.endswith("in line 3")
    assert "';' found" in err.error_msg


@pytest.mark.parametrize("code", [
    "var = 1;",
    "return (1;",
    "return [1, 2;",
    'return {"a" 1};',
    "if 1 { return 1; }",
    "while (1 { }",
    "return 'unterminated;",
    "return 1 # 2;",
    "return foo(1);",
    "return [1].nosuchmethod();",
    "1 = 2;",
    "return API.users;",
    "delete x;",
    "for (var i = 0; i < 3; i = i + 1) { }",
    "{ return 1;",
])
def test_malformed_scripts_are_compile_errors(code: str) -> None:
    compile_error(code)


def test_compile_error_happens_before_any_api_call() -> None:
    calls: list[str] = []
    with pytest.raises(VKScriptCompileError):
        run_script("API.users.get(); return 1 +;", {}, lambda m, p: calls.append(m))
    assert calls == []


def test_slice_on_a_non_array_reads_like_vk() -> None:
    err = runtime_error("var x = 5; return x.slice(1);")
    assert err.error_msg == RUNTIME_PREFIX + "Method slice requires an array"


@pytest.mark.parametrize(("code", "method"), [
    ("return (1).push(2);", "push"),
    ("return null.pop();", "pop"),
    ("return {}.shift();", "shift"),
    ("return 'a'.splice(0);", "splice"),
    ("return [1].substr(0);", "substr"),
    ("return [1].split(',');", "split"),
])
def test_methods_on_wrong_types_fail_at_runtime(code: str, method: str) -> None:
    assert f"Method {method} requires" in runtime_error(code).error_msg


@pytest.mark.parametrize("code", [
    "return [1] < [2];",
    "return {} > 1;",
    "return null < 1;",
    "return 'abc' < 5;",
    "return [1] == 1;",
])
def test_comparing_unsupported_types(code: str) -> None:
    expected = RUNTIME_PREFIX + "Comparing values of different or unsupported types"
    assert runtime_error(code).error_msg == expected


@pytest.mark.parametrize("code", ["return 1 / 0;", "return 1 % 0;", "return [1] - 1;", "return {} * 2;",
                                  "return [1] + 1;", "return null + 1;"])
def test_bad_arithmetic_is_a_runtime_error(code: str) -> None:
    runtime_error(code)


def test_infinite_loop_fails_fast_with_too_many_operations() -> None:
    started = time.perf_counter()
    err = runtime_error("while (1) {}")
    assert err.error_msg == RUNTIME_PREFIX + "Too many operations"
    assert time.perf_counter() - started < 5


def test_a_loop_with_statements_also_hits_the_operations_budget() -> None:
    err = runtime_error("var i = 0; while (true) { i = i + 1; }", ExecuteLimits(max_operations=1000))
    assert err.error_msg.endswith("Too many operations")


def test_realistic_loop_fits_the_default_budget() -> None:
    result = run_script("var i = 0, a = []; while (i < 10000) { a.push(i); i = i + 1; } return a.length;",
                        {}, no_api)
    assert result.response == 10000


def test_oversize_response_fails_with_13() -> None:
    code = "var s = 'xxxxxxxxxx', i = 0; while (i < 7) { s = s + s + s + s; i = i + 1; } return s;"
    err = runtime_error(code, ExecuteLimits(max_response_bytes=100_000))
    assert err.error_msg == RUNTIME_PREFIX + "response size is too big"
    assert run_script(code, {}, no_api, ExecuteLimits(max_response_bytes=200_000)).response == "x" * 163_840


def test_default_response_cap_is_5_mib() -> None:
    code = "var a = [], i = 0; while (i < 1100) { a.push('" + "y" * 5000 + "'); i = i + 1; } return a;"
    assert runtime_error(code).error_msg.endswith("response size is too big")


def test_doubling_concatenation_runs_out_of_operations_before_memory() -> None:
    err = runtime_error("var s = 'x'; while (1) { s = s + s; }")
    assert err.error_msg.endswith("Too many operations")
    err = runtime_error("var a = [1]; while (1) { a = a + a; }")
    assert err.error_msg.endswith("Too many operations")


def test_copying_big_arrays_in_a_loop_is_charged() -> None:
    code = ("var a = [], i = 0; while (i < 1000) { a.push(i); i = i + 1; }"
            " var n = 0; while (n < 100000) { var b = a.slice(); n = n + 1; } return n;")
    assert runtime_error(code).error_msg.endswith("Too many operations")


def test_a_value_that_contains_itself_cannot_be_returned() -> None:
    runtime_error("var a = []; a.push(a); return a;")


def test_unterminated_string_names_its_line() -> None:
    err = compile_error("var a = 1;\nvar b = 'oops;\nreturn b;")
    assert err.error_msg == "Unable to compile code: unterminated string in line 2"


def test_deeply_nested_expression_is_a_compile_error_not_a_crash() -> None:
    compile_error("return " + "(" * 5000 + "1" + ")" * 5000 + ";")


def test_runtime_error_stops_the_script_before_later_calls() -> None:
    calls: list[str] = []

    def api(method: str, params: dict[str, Any]) -> Any:
        calls.append(method)
        return 1

    with pytest.raises(VKScriptRuntimeError):
        run_script("API.a.first(); var x = [1] < 2; API.a.second(); return 1;", {}, api)
    assert calls == ["a.first"]


def test_trailing_comma_in_object_literal_asks_for_a_field_name() -> None:
    assert compile_error("return {a: 1,};").error_msg == (
        "Unable to compile code: 'field name' expected, '}' found in line 1")
