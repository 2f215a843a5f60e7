"""A corpus of VKScript programs with the results VK documents (DOC-EXEC, HABR-VKS, vk_api usage)."""

from typing import Any

import pytest

from vksync_tui.emulator.vkscript import run_script


def no_api(method: str, params: dict[str, Any]) -> Any:
    raise AssertionError(f"unexpected API call {method}")


CORPUS: list[tuple[str, Any]] = [
    # literals and return
    ("return 1;", 1),
    ("return 1.5;", 1.5),
    ("return -3;", -3),
    ("return 'single';", "single"),
    ('return "double";', "double"),
    (r'return "a\"b\\c\n\t\u0041";', 'a"b\\c\n\tA'),
    (r"return 'it\'s';", "it's"),
    ("return null;", None),
    ("return true;", True),
    ("return false;", False),
    ("return [1, 'x', null, [2]];", [1, "x", None, [2]]),
    ("return [];", []),
    ('return {"a": 1, b: "two", "c d": [3]};', {"a": 1, "b": "two", "c d": [3]}),
    ("return {};", {}),
    ("var x = 1;", None),
    ("", None),
    ("// comment\nreturn /* inline */ 2;", 2),
    # var with comma lists, assignment
    ("var a = 1, b = 2, c; return [a, b, c];", [1, 2, None]),
    ("var a = 1; a = a + 1; return a;", 2),
    ("var a, b; a = b = 3; return a + b;", 6),
    # arithmetic: ints stay ints, exact division is int, inexact is float
    ("return 2 + 3 * 4;", 14),
    ("return (2 + 3) * 4;", 20),
    ("return 10 - 4 - 3;", 3),
    ("return 7 / 2;", 3.5),
    ("return 8 / 2;", 4),
    ("return -7 / 2;", -3.5),
    ("return 7 % 3;", 1),
    ("return -7 % 3;", -1),
    ("return 7 % -3;", 1),
    ("return 7.5 % 2;", 1.5),
    ("return 0.1 + 0.2 > 0.3;", True),
    ("return 1 + 2.5;", 3.5),
    ("return 3 * 1.0;", 3.0),
    ("return -(2 + 1);", -3),
    ("return +'5' + 1;", 6),
    ("return 123456789012 * 1000;", 123456789012000),
    # string concatenation and array concatenation
    ('return "a" + "b";', "ab"),
    ('return "n=" + 5;', "n=5"),
    ('return 5 + "!";', "5!"),
    ('return "x" + 2.5;', "x2.5"),
    ("return [1, 2] + [3];", [1, 2, 3]),
    ("var a = [1]; var b = a + []; b.push(2); return [a, b];", [[1], [1, 2]]),
    # comparisons incl. string vs number
    ("return [1 < 2, 2 < 1, 2 <= 2, 3 >= 4, 5 > 4];", [True, False, True, False, True]),
    ('return ["10" > 9, "10" == 10, 10 != "10", "2" < 10];', [True, True, False, True]),
    ('return ["abc" < "abd", "b" > "a", "a" == "a", "a" != "b"];', [True, True, True, True]),
    ("return [1 == 1.0, null == null, 1 != 2];", [True, True, True]),
    # logic and ternary
    ("return [true && false, true || false, !true, !0, !1, !''];", [False, True, False, True, False, True]),
    ("return 1 > 0 ? 'yes' : 'no';", "yes"),
    ("return 0 ? 'yes' : null ? 'y2' : 'no';", "no"),
    ("var c = 0; var r = false && (c = 1); return c;", 0),
    ("var c = 0; var r = true || (c = 1); return c;", 0),
    ("return [] ? 1 : 2;", 1),
    # if / else / while
    ("if (1 < 2) { return 'a'; } else { return 'b'; }", "a"),
    ("if (1 > 2) { return 'a'; } else { return 'b'; }", "b"),
    ("if (0) return 1; else if (1) return 2; else return 3;", 2),
    ("var x = 0; if (x == 0) x = 5; return x;", 5),
    ("var i = 0, s = 0; while (i < 10) { s = s + i; i = i + 1; } return s;", 45),
    ("var i = 0; while (true) { i = i + 1; if (i == 7) { return i; } }", 7),
    ("var i = 0; while (i < 3) i = i + 1; return i;", 3),
    # indexing and member access
    ("var a = [10, 20, 30]; return [a[0], a[2], a[5], a[-1]];", [10, 30, None, None]),
    ('var o = {"k": 1, "n": {"m": 2}}; return [o["k"], o.n.m, o.missing, o.n["m"]];', [1, 2, None, 2]),
    ('return "abc"[1];', "b"),
    ("var o = {a: {b: {}}}; o.a.b.c = 5; o.z = 1; return o;", {"a": {"b": {"c": 5}}, "z": 1}),
    ("var a = [1, 2, 3]; a[1] = 9; return a;", [1, 9, 3]),
    ('var o = {}; o["x y"] = [1]; o["x y"][0] = 2; return o;', {"x y": [2]}),
    ("var r = {items: [1, 2]}; return r.items.length;", 2),
    ('return "hello".length;', 5),
    ("return [[1, 2], [3]][0].length;", 2),
    # array methods (mutating ones change the array and return what JS returns)
    ("var a = [1]; var n = a.push(2, 3); return [a, n];", [[1, 2, 3], 3]),
    ("var a = [1, 2]; var x = a.pop(); return [a, x];", [[1], 2]),
    ("var a = []; return a.pop();", None),
    ("var a = [1, 2]; var x = a.shift(); return [a, x];", [[2], 1]),
    ("var a = [2]; var n = a.unshift(0, 1); return [a, n];", [[0, 1, 2], 3]),
    ("var a = [0, 1, 2, 3, 4]; return [a.slice(1), a.slice(1, 3), a.slice(-2), a.slice(), a];",
     [[1, 2, 3, 4], [1, 2], [3, 4], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]),
    ("var a = [0, 1, 2, 3, 4]; var r = a.splice(1, 2); return [a, r];", [[0, 3, 4], [1, 2]]),
    ("var a = [0, 1, 2]; var r = a.splice(1, 0, 'x', 'y'); return [a, r];", [[0, "x", "y", 1, 2], []]),
    ("var a = [0, 1, 2, 3]; var r = a.splice(2); return [a, r];", [[0, 1], [2, 3]]),
    ("return [[1, 2, 3].indexOf(3), [1, 2, 3].indexOf(7), ['a', 'b'].indexOf('b')];", [2, -1, 1]),
    # string methods
    ('return "123".indexOf(2) == 1;', True),
    ('return ["hello".indexOf("l"), "hello".indexOf("z")];', [2, -1]),
    ('return ["hello".substr(1, 3), "hello".substr(2), "hello".substr(-3, 2)];', ["ell", "llo", "ll"]),
    ('return ["a,b,,c".split(","), "abc".split("")];', [["a", "b", "", "c"], ["a", "b", "c"]]),
    ('return "1,2,3".split(",").length;', 3),
    # global functions
    ('return [parseInt("42"), parseInt("-7"), parseInt("12abc"), parseInt(3.9), parseInt("x")];',
     [42, -7, 12, 3, 0]),
    ('return [parseDouble("2.5"), parseDouble("1e3"), parseDouble(4), parseDouble("x")];',
     [2.5, 1000.0, 4.0, 0.0]),
    # delete
    ('var o = {"a": 1, "b": 2}; delete o.a; return o;', {"b": 2}),
    ('var o = {"a": {"x": 1, "y": 2}}; delete o.a["x"]; return o;', {"a": {"y": 2}}),
    ("var o = {a: 1}; delete o.zzz; return o;", {"a": 1}),
    # @. projection
    ("var r = {items: [{id: 1, n: 'a'}, {id: 2}, {n: 'c'}]}; return r.items@.id;", [1, 2, None]),
    ("return [{u: {id: 5}}, {u: {id: 6}}]@.u@.id;", [5, 6]),
    ("return ([{id: 1}] + [{id: 2}])@.id;", [1, 2]),
    ("return {id: 9}@.id;", 9),
    # objects keep insertion order
    ("var o = {b: 1}; o.a = 2; o.c = 3; return o;", {"b": 1, "a": 2, "c": 3}),
]


@pytest.mark.parametrize(("code", "expected"), CORPUS, ids=[c for c, _ in CORPUS])
def test_corpus(code: str, expected: Any) -> None:
    result = run_script(code, {}, no_api)
    assert result.response == expected
    assert type(result.response) is type(expected)
    assert result.execute_errors == []


def test_exact_division_is_int_and_inexact_is_float() -> None:
    assert type(run_script("return 9 / 3;", {}, no_api).response) is int
    assert type(run_script("return 9 / 2;", {}, no_api).response) is float
    assert type(run_script("return 9.0 / 3;", {}, no_api).response) is float


def test_args_are_strings_and_missing_args_are_null() -> None:
    result = run_script("return [Args.offset, Args.offset + 1, parseInt(Args.offset) + 1, Args.nope];",
                        {"offset": "10"}, no_api)
    assert result.response == ["10", "101", 11, None]


def test_string_vs_number_compare_numerically_from_args() -> None:
    assert run_script("return Args.n > 9;", {"n": "10"}, no_api).response is True


def test_arrays_are_shared_by_reference_like_js() -> None:
    assert run_script("var a = [1]; var b = a; b.push(2); return a;", {}, no_api).response == [1, 2]
