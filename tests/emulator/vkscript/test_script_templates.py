"""Scripts compiled once per template (their text with the numbers lifted out): a cached template runs
exactly as the script compiled from its own text, with its own numbers; anything a template cannot stand
for is compiled from the text."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from vksync_tui.emulator.vkscript import VKScriptCompileError, evaluator, run_script
from vksync_tui.emulator.vkscript.evaluator import clear_compiled, compiled_script
from vksync_tui.emulator.vkscript.tokenizer import lift_numbers
from vksync_tui.sync.mailing import CONVERSATIONS_PROJECTION
from vksync_tui.vk.execute import ApiCall, build_script

FROM_TEXT = " // #"  # a comment with the mark character: the script is compiled from its own text


def echo(method: str, params: dict[str, Any]) -> Any:
    return {"method": method, **params}


def page(method: str, params: dict[str, Any]) -> Any:
    """A page of peers numbered from the call's offset."""
    first = int(params["offset"])
    return {"count": first + 1000, "items": [{"conversation": {"peer": {"id": first + k}}} for k in range(3)]}


def both_ways(code: str, answer: Any = echo) -> tuple[Any, Any]:
    """(answer through the template cache, answer of the script compiled from its own text)."""
    assert lift_numbers(code + FROM_TEXT) is None
    cached = run_script(code, {}, answer)
    fresh = run_script(code + FROM_TEXT, {}, answer)
    return cached.response_json, fresh.response_json


def test_numbers_are_lifted_only_where_the_tokenizer_sees_numbers() -> None:
    code = 'var x1 = "a 12 b" + \'7\'; /* 3 */ // 4\nvar y = .5 + 2.5e3 - x1.length + 10; return [y, x1];'
    lifted = lift_numbers(code)
    assert lifted is not None
    template, numbers = lifted
    assert numbers == (0.5, 2500.0, 10)
    assert template == ('var x1 = "a 12 b" + \'7\'; /* 3 */ // 4\nvar y = # + # - x1.length + #; '
                        "return [y, x1];")
    assert lift_numbers("return 1; // # is not VKScript") is None


def test_scripts_of_one_template_share_the_compiled_code_and_keep_their_own_numbers() -> None:
    first, second = (f"var i = 0; var s = [];  while (i < {stop}) {{ s.push(i * {step}); i = i + 1; }} "
                     f"return [s, API.a.b({{\"offset\": {offset}, \"count\": 7}})];"
                     for stop, step, offset in ((3, 2, 0), (5, 3, 200)))
    assert compiled_script(first)[0] is compiled_script(second)[0]
    assert compiled_script(first)[1] == (0, 3, 2, 1, 0, 7)
    for code in (first, second):
        cached, fresh = both_ways(code)
        assert cached == fresh
    assert run_script(first, {}, echo).response == [[0, 2, 4], {"method": "a.b", "offset": "0", "count": "7"}]
    assert run_script(second, {}, echo).response == [[0, 3, 6, 9, 12],
                                                     {"method": "a.b", "offset": "200", "count": "7"}]


def test_a_sync_script_runs_the_same_cached_or_not() -> None:
    scripts = [build_script([ApiCall("messages.getConversations", {"group_id": 5, "offset": offset + k * 200,
                                                                    "count": 200}, CONVERSATIONS_PROJECTION)
                             for k in range(3)])
               for offset in (0, 600, 1200)]
    assert len({id(compiled_script(code)[0]) for code in scripts}) == 1
    answers = set()
    for code in scripts:
        cached, fresh = both_ways(code, page)
        assert cached == fresh
        answers.add(cached)
    assert len(answers) == 3


def test_numbers_as_object_keys_and_floats_and_ints_keep_their_meaning() -> None:
    for code in ("return {5: 1, \"a\": 2.0, 7.5: 3};", "return [1 ? 2 : 3, 4 / 2, 7 / 2, 1e2, 2.50];",
                 "var a = {1: {2: 3}}; return a[1][2] + a['1']['2'];"):
        cached, fresh = both_ways(code)
        assert cached == fresh
    assert run_script("return {5: 1, 7.5: 3};", {}, echo).response == {"5": 1, "7.5": 3}
    assert run_script("return [4 / 2, 7 / 2, 1e2];", {}, echo).response == [2, 3.5, 100.0]


@pytest.mark.parametrize("code", [
    "return 1 2;",
    "var a = 1;\nvar b = 2;\nreturn 3 4;",
    "var 5 = 1; return 5;",
    "return {1 2};",
    "return a@.5;",
    "var x = 1; # 2",
])
def test_compile_errors_read_as_from_the_text(code: str) -> None:
    errors = []
    for text in (code, code + FROM_TEXT):
        with pytest.raises(VKScriptCompileError) as info:
            run_script(text, {}, echo)
        errors.append(info.value.error_msg)
    assert errors[0] == errors[1]
    assert "#" not in errors[0] or code.endswith("# 2")


def test_executes_arriving_together_compile_their_template_once(monkeypatch: pytest.MonkeyPatch) -> None:
    scripts = [build_script([ApiCall("messages.getConversations", {"group_id": 9, "offset": offset + k * 200,
                                                                    "count": 200}, CONVERSATIONS_PROJECTION)
                             for k in range(25)])
               for offset in range(0, 40_000, 5000)]
    compiles: list[str] = []
    compile_text = evaluator._compile

    def counted(code: str, *, lifted: bool = False) -> Any:
        compiles.append(code)
        return compile_text(code, lifted=lifted)

    monkeypatch.setattr(evaluator, "_compile", counted)
    clear_compiled()
    start = threading.Barrier(len(scripts))

    def compile_after_the_others_start(code: str) -> int:
        start.wait()
        return id(compiled_script(code)[0])

    with ThreadPoolExecutor(len(scripts)) as pool:
        compiled = set(pool.map(compile_after_the_others_start, scripts))
    assert len(compiled) == 1
    assert len(compiles) == 1
