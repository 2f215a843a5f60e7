"""Methods of arrays and strings (`a.push(x)`, `s.substr(1)`) and the global functions (`parseInt`).

Array methods mutate in place and return what JS returns (push/unshift → new length, pop/shift → the removed
element or null, splice → the removed elements). Calling a method on the wrong type fails like VK:
"Method slice requires an array".
"""

from collections.abc import Callable
from typing import Any

from vksync_tui.emulator.vkscript.errors import VKScriptRuntimeError
from vksync_tui.emulator.vkscript.values import parse_double, parse_int, to_int, to_text

Builtin = Callable[[Any, list[Any]], Any]


def _arg(args: list[Any], position: int) -> Any:
    return args[position] if position < len(args) else None


def _require_array(name: str, target: Any) -> list[Any]:
    if type(target) is not list:
        raise VKScriptRuntimeError(f"Method {name} requires an array")
    return target


def _require_string(name: str, target: Any) -> str:
    if type(target) is not str:
        raise VKScriptRuntimeError(f"Method {name} requires a string")
    return target


def _clamp_start(value: Any, length: int, default: int) -> int:
    """JS index normalisation: negative counts from the end, the result is clamped into [0, length]."""
    position = to_int(value, default)
    if position < 0:
        return max(length + position, 0)
    return min(position, length)


def _push(target: Any, args: list[Any]) -> int:
    array = _require_array("push", target)
    array.extend(args)
    return len(array)


def _pop(target: Any, args: list[Any]) -> Any:
    array = _require_array("pop", target)
    return array.pop() if array else None


def _shift(target: Any, args: list[Any]) -> Any:
    array = _require_array("shift", target)
    return array.pop(0) if array else None


def _unshift(target: Any, args: list[Any]) -> int:
    array = _require_array("unshift", target)
    array[0:0] = args
    return len(array)


def _slice(target: Any, args: list[Any]) -> list[Any]:
    array = _require_array("slice", target)
    length = len(array)
    return array[_clamp_start(_arg(args, 0), length, 0):_clamp_start(_arg(args, 1), length, length)]


def _splice(target: Any, args: list[Any]) -> list[Any]:
    array = _require_array("splice", target)
    start = _clamp_start(_arg(args, 0), len(array), 0)
    remaining = len(array) - start
    delete_count = remaining if len(args) < 2 else min(max(to_int(args[1], 0), 0), remaining)
    removed = array[start:start + delete_count]
    array[start:start + delete_count] = args[2:]
    return removed


def _index_of(target: Any, args: list[Any]) -> int:
    needle = _arg(args, 0)
    if type(target) is str:
        return target.find(to_text(needle))
    if type(target) is list:
        for position, item in enumerate(target):
            if type(item) is type(needle) and item == needle:
                return position
        return -1
    raise VKScriptRuntimeError("Method indexOf requires an array or a string")


def _substr(target: Any, args: list[Any]) -> str:
    text = _require_string("substr", target)
    start = _clamp_start(_arg(args, 0), len(text), 0)
    length = to_int(_arg(args, 1), len(text) - start)
    return text[start:start + max(length, 0)]


def _split(target: Any, args: list[Any]) -> list[str]:
    text = _require_string("split", target)
    separator = _arg(args, 0)
    if separator is None:
        return [text]
    separator = to_text(separator)
    return list(text) if separator == "" else text.split(separator)


METHODS: dict[str, Builtin] = {
    "push": _push,
    "pop": _pop,
    "shift": _shift,
    "unshift": _unshift,
    "slice": _slice,
    "splice": _splice,
    "indexOf": _index_of,
    "substr": _substr,
    "split": _split,
}

FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "parseInt": parse_int,
    "parseDouble": parse_double,
}
