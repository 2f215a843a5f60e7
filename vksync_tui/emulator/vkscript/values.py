"""VKScript value semantics: truthiness, arithmetic, comparisons and conversions.

Values are plain JSON-shaped Python objects (None, bool, int, float, str, list, dict), so the script's result
needs no conversion on the way out. Decisions where VK documents nothing (kept JS-like unless noted):
- `int op int` stays int for `+ - * %`; `/` gives an int when the division is exact, a float otherwise
  (so `8 / 2 == 4` prints as `4`, `7 / 2` as `3.5`); `%` takes the dividend's sign like C/JS, never Python's.
- Division or modulo by zero is a runtime error (VK has no NaN/Infinity in JSON).
- `+`: numbers add; if either side is a string the other scalar is formatted and concatenated; two arrays
  concatenate into a new array; anything else is a runtime error.
- Comparisons: numbers (bools count as 0/1) compare numerically, strings lexicographically, a string against a
  number is cast to a number. `==`/`!=` with null are identity tests. Everything else raises VK's
  "Comparing values of different or unsupported types".
"""

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from vksync_tui.emulator.jsontext import json_text_checked, json_text_unchecked
from vksync_tui.emulator.vkscript.errors import VKScriptRuntimeError

COMPARE_ERROR = "Comparing values of different or unsupported types"
_NUMERIC_TYPES = (int, float, bool)
_CONTAINERS = (list, dict, tuple)
_INT_RE = re.compile(r"\s*[+-]?\d+\s*\Z")
_INT_PREFIX_RE = re.compile(r"\s*([+-]?\d+)")
_FLOAT_PREFIX_RE = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def truthy(value: Any) -> bool:
    """JS-like truth: null, false, 0 and "" are false; every array and object (even empty) is true."""
    if value is None or value is False:
        return False
    kind = type(value)
    if kind is int or kind is float:
        return value != 0
    if kind is str:
        return value != ""
    return True


def format_number(value: int | float) -> str:
    """Numbers as JS prints them: integral floats without the trailing `.0`."""
    if type(value) is float and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value) if type(value) is int else repr(value)


def to_text(value: Any) -> str:
    """The string form used by concatenation, `indexOf` on strings and `split`."""
    if type(value) is str:
        return value
    if value is None:
        return "null"
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) in (int, float):
        return format_number(value)
    raise VKScriptRuntimeError("Cannot convert an array or object to a string")


def _string_to_number(text: str) -> int | float | None:
    if _INT_RE.match(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def to_number(value: Any, operator: str) -> int | float:
    """Operand of `- * / %` and unary minus/plus: numbers, booleans, numeric strings."""
    kind = type(value)
    if kind is int or kind is float:
        return value
    if kind is bool:
        return int(value)
    if kind is str:
        number = _string_to_number(value)
        if number is not None:
            return number
    raise VKScriptRuntimeError(f"Unsupported operand type for '{operator}'")


def to_int(value: Any, default: int) -> int:
    """Integer argument of a builtin (slice, splice, substr): missing → default, floats truncated."""
    if value is None:
        return default
    return int(to_number(value, "argument"))


def add(left: Any, right: Any) -> Any:
    kind_left, kind_right = type(left), type(right)
    if kind_left in _NUMERIC_TYPES and kind_right in _NUMERIC_TYPES:
        if kind_left is bool or kind_right is bool:
            return to_number(left, "+") + to_number(right, "+")
        return left + right
    if kind_left is str or kind_right is str:
        return to_text(left) + to_text(right)
    if kind_left is list and kind_right is list:
        return left + right
    raise VKScriptRuntimeError("Unsupported operand types for '+'")


def subtract(left: Any, right: Any) -> Any:
    return to_number(left, "-") - to_number(right, "-")


def multiply(left: Any, right: Any) -> Any:
    return to_number(left, "*") * to_number(right, "*")


def divide(left: Any, right: Any) -> Any:
    dividend, divisor = to_number(left, "/"), to_number(right, "/")
    if divisor == 0:
        raise VKScriptRuntimeError("Division by zero")
    if type(dividend) is int and type(divisor) is int:
        quotient, remainder = divmod(dividend, divisor)
        if remainder == 0:
            return quotient
    return dividend / divisor


def modulo(left: Any, right: Any) -> Any:
    dividend, divisor = to_number(left, "%"), to_number(right, "%")
    if divisor == 0:
        raise VKScriptRuntimeError("Division by zero")
    if type(dividend) is int and type(divisor) is int:
        remainder = abs(dividend) % abs(divisor)
        return -remainder if dividend < 0 else remainder
    return math.fmod(dividend, divisor)


def _ordering_operands(left: Any, right: Any) -> tuple[Any, Any]:
    kind_left, kind_right = type(left), type(right)
    if kind_left in _NUMERIC_TYPES and kind_right in _NUMERIC_TYPES:
        return left, right
    if kind_left is str and kind_right is str:
        return left, right
    if kind_left is str and kind_right in _NUMERIC_TYPES:
        number = _string_to_number(left)
        if number is not None:
            return number, right
    if kind_right is str and kind_left in _NUMERIC_TYPES:
        number = _string_to_number(right)
        if number is not None:
            return left, number
    raise VKScriptRuntimeError(COMPARE_ERROR)


def less(left: Any, right: Any) -> bool:
    a, b = _ordering_operands(left, right)
    return a < b


def less_equal(left: Any, right: Any) -> bool:
    a, b = _ordering_operands(left, right)
    return a <= b


def greater(left: Any, right: Any) -> bool:
    a, b = _ordering_operands(left, right)
    return a > b


def greater_equal(left: Any, right: Any) -> bool:
    a, b = _ordering_operands(left, right)
    return a >= b


def equals(left: Any, right: Any) -> bool:
    """`==`: null only equals null, a non-numeric string never equals a number, no arrays/objects."""
    if left is None or right is None:
        return left is right
    kind_left, kind_right = type(left), type(right)
    if kind_left is list or kind_left is dict or kind_right is list or kind_right is dict:
        raise VKScriptRuntimeError(COMPARE_ERROR)
    if (kind_left is str) != (kind_right is str):
        text, other = (left, right) if kind_left is str else (right, left)
        number = _string_to_number(text)
        return number is not None and number == other
    return left == right


def not_equals(left: Any, right: Any) -> bool:
    return not equals(left, right)


def key_of(value: Any) -> str:
    """An object key from an index expression: `o["k"]`, `o[5]` (numbers are formatted)."""
    if type(value) is str:
        return value
    return to_text(value)


def get_member(target: Any, name: str) -> Any:
    """`target.name`: object fields, `.length` of arrays and strings, null for anything missing."""
    if type(target) is dict:
        return target.get(name)
    if name == "length" and type(target) in (list, str):
        return len(target)
    return None


def list_position(value: Any) -> int | None:
    """An array index from an index expression, or None when it cannot address an element."""
    kind = type(value)
    if kind is int:
        return value
    if kind is float and value.is_integer():
        return int(value)
    if kind is str and _INT_RE.match(value):
        return int(value)
    return None


def get_index(target: Any, index: Any) -> Any:
    """`target[index]`: array elements, string characters, object fields; out of range/wrong type → null."""
    kind = type(target)
    if kind is dict:
        return target.get(key_of(index))
    if kind is list or kind is str:
        position = list_position(index)
        if position is not None and 0 <= position < len(target):
            return target[position]
        return None
    return None


def project(target: Any, name: str) -> Any:
    """`target@.name`: the field of every object of an array; on an object, its field."""
    if type(target) is list:
        return [item.get(name) if type(item) is dict else None for item in target]
    if type(target) is dict:
        return target.get(name)
    return None


def detach(value: Any) -> Any:
    """A private deep copy of an inner call's result, so script mutations never reach the emulator's world."""
    kind = type(value)
    if kind is list or kind is tuple:
        return [detach(item) if type(item) in _CONTAINERS else item for item in value]
    if kind is dict:
        return {key: detach(item) if type(item) in _CONTAINERS else item for key, item in value.items()}
    return value


def to_param(value: Any) -> str | None:
    """A VK request parameter string: arrays joined with ",", numbers decimal, booleans 1/0, null omitted."""
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return None
    if kind is bool:
        return "1" if value else "0"
    if kind is int or kind is float:
        return format_number(value)
    if kind is list:
        return ",".join(to_text(item) if type(item) is not bool else ("1" if item else "0") for item in value)
    return _dumps(value)


def parse_int(value: Any) -> int:
    """`parseInt`: leading integer of a string, truncation of a number; 0 when there is none (never NaN)."""
    kind = type(value)
    if kind is int:
        return value
    if kind is float:
        return int(value) if math.isfinite(value) else 0
    if kind is str:
        match = _INT_PREFIX_RE.match(value)
        return int(match.group(1)) if match else 0
    return 0


def parse_double(value: Any) -> float:
    """`parseDouble`: leading number of a string as a float; 0.0 when there is none (never NaN)."""
    kind = type(value)
    if kind is int or kind is float:
        return float(value)
    if kind is str:
        match = _FLOAT_PREFIX_RE.match(value)
        return float(match.group(1)) if match else 0.0
    return 0.0


Column = Callable[[str | None, str], list[Any] | None]


class DeferredAnswer:
    """An inner call's answer held in a script variable before anything needed it whole (`run_script`'s
    `call_api_deferred`). `column(array, name)` is `answer.array@.name` (`array` None: `answer@.name`), made
    by the method's `columns` without building the answer when it can (a page of 1000 reposts is megabytes,
    its `items@.owner_id` a few kilobytes); `path_column(array, "a.b")` is the chain `answer.array@.a@.b`
    when `columns` makes it, else None; `member(name)` is `answer.name`, straight from `scalars` (top-level
    numbers the method knows without building, such as a `count`) while the answer is not built. Every other
    use takes `whole()`, built once per call so aliases and mutations behave as on a plain value. Only fresh
    values come out of it: scripts cannot reach anything the emulator keeps."""

    __slots__ = ("_build", "_columns", "_scalars", "_whole")

    def __init__(
        self, build: Callable[[], Any], columns: Column, scalars: Mapping[str, Any] | None = None
    ) -> None:
        self._build = build
        self._columns = columns
        self._scalars = scalars or {}
        self._whole: Any = self

    def whole(self) -> Any:
        if self._whole is self:
            self._whole = self._build()
        return self._whole

    def column(self, array: str | None, name: str) -> Any:
        if self._whole is self:
            column = self._columns(array, name)
            if column is not None:
                return column
        whole = self.whole()
        return project(whole if array is None else get_member(whole, array), name)

    def path_column(self, array: str | None, path: str) -> list[Any] | None:
        return self._columns(array, path) if self._whole is self else None

    def member(self, name: str) -> Any:
        if self._whole is self and name in self._scalars:
            return self._scalars[name]
        return get_member(self.whole(), name)


class EncodedJSON:
    """An inner call's answer as UTF-8 JSON, handed straight to the script's answer (`run_script`'s
    `call_api_json`): it only stands for a returned call, or an item of a returned array literal — values
    no script code can reach."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def to_json(value: Any) -> bytes:
    """The value as VK serialises it (UTF-8 JSON): measured for the response size cap, then sent as is.

    `EncodedJSON` items are spliced in as they are: `[a,b]` is `"[" + dumps(a) + "," + dumps(b) + "]"` with
    these separators, so the bytes are those of the decoded values."""
    if type(value) is EncodedJSON:
        return value.data
    if type(value) is list and any(type(item) is EncodedJSON for item in value):
        parts = [item.data if type(item) is EncodedJSON else _dumps(item).encode("utf-8") for item in value]
        return b"[" + b",".join(parts) + b"]"
    return _dumps(value).encode("utf-8")


def _dumps(value: Any) -> str:
    try:
        try:
            return json_text_unchecked(value)
        except RecursionError:  # a value that contains itself (or nests that deep): the checked one says so
            return json_text_checked(value)
    except ValueError as exc:  # an array pushed into itself, or a float that overflowed to infinity
        raise VKScriptRuntimeError("Value can not be serialized to JSON") from exc
