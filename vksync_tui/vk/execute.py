"""Batching up to 25 API calls into one `execute` request, and mapping the answers back to the calls.

One execute counts once against a token's requests-per-second limit, so batching multiplies throughput by up
to 25. The catch is error reporting: a failed inner call evaluates to `false` inside the script, and VK lists
the failures in `execute_errors` **in the order they happened, naming only the method** — there is no per-call
index. Because the script built here evaluates its calls left to right and returns them in that order, the
i-th `false` in the returned array belongs to the i-th (non-"execute") entry of `execute_errors`.
`map_results` relies on exactly that and on nothing else.

Projections: a call may name a `Projection` — the fields of the elements of its answer's array that the sync
actually stores. In an execute its slot then carries only those columns, made by VKScript's `@.` operator
(`a.items@.owner_id`), instead of the whole answer: a page of 1000 reposts shrinks from megabytes (each
repost repeats the original post) to ~25 KB, so many pages fit one execute. Such a script assigns every call
to a variable in call order (`var c0 = API...;`), replaces a successful answer by its columns
(`if (c0) {...}`: a failed call is `false` and stays `false`) and returns the variables in order, so the
`false`/`execute_errors` pairing above holds unchanged. `map_results` hands back a `Projected` for such a
slot; a plain call (no execute) gets the whole answer, and `projected(call, value)` turns either into the same
`Projected`, so a sink has one code path. `@.` keeps one entry per element (null where the field is
missing), so the columns line up; `Projected.aligned` says whether they did.

A projected field may be a path into nested objects (`conversation.peer.id` → the chain
`c0.items@.conversation@.peer@.id`, which VK evaluates element by element) and one answer may give columns of
several arrays (`Projection.more`: getConversations' `profiles` next to its `items`), so a dialog page
shrinks to the few numbers the mailing sync stores.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vksync_tui.vk.client import ExecuteError, ExecuteResult
from vksync_tui.vk.errors import TransientError, VkApiError
from vksync_tui.vk.params import normalize_params

MAX_CALLS_PER_EXECUTE = 25
_METHOD_NAME = re.compile(r"^[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$")
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# The key that marks a slot as projected columns: VK answers never use it, so a slot without it is an answer.
_COLUMNS_KEY = "projected_columns"
_KEPT_KEY = "projected_kept"
_MORE_KEY = "projected_more"


@dataclass(frozen=True)
class Projection:
    """Which parts of a call's answer to bring back: `fields` of every element of the array under `array`
    (`""`: the answer is the array, as for users.get), the answer's own top-level keys in `keep`, and the
    columns of further arrays of the same answer in `more` (each a `Projection` naming its `array`, e.g. the
    `profiles` next to getConversations' `items`; an answer without such an array, as VK may leave out an
    empty `profiles`, gives it no elements).

    A field may be a dotted path into nested objects (`conversation.peer.id`): it becomes VKScript's chained
    projection `items@.conversation@.peer@.id`, which VK evaluates element by element (public scripts use
    exactly that chain on getConversations), null wherever a step is missing."""

    fields: tuple[str, ...]
    array: str = ""
    keep: tuple[str, ...] = ()
    more: tuple[Projection, ...] = ()

    def __post_init__(self) -> None:
        steps = [step for path in self.fields for step in path.split(".")]
        names = [*steps, *self.keep, *([self.array] if self.array else [])]
        bad = [name for name in names if not _FIELD_NAME.match(name)]
        if not self.fields or bad:
            raise ValueError(f"a projection needs fields and plain field names, got {bad or 'no fields'}")
        if any(not extra.array or extra.keep or extra.more for extra in self.more):
            raise ValueError("a further array's projection names its array and only fields")

    def expression(self, variable: str) -> str:
        """The VKScript object that replaces a successful answer held in `variable`."""
        kept = ", ".join(f"{variable}.{name}" for name in self.keep)
        more = "".join(
            f', "{_MORE_KEY}": [' + ", ".join(f"[{extra._columns(variable)}]" for extra in self.more) + "]"
            if self.more
            else ""
        )
        return f'{{"{_COLUMNS_KEY}": [{self._columns(variable)}], "{_KEPT_KEY}": [{kept}]{more}}}'

    def _columns(self, variable: str) -> str:
        source = f"{variable}.{self.array}" if self.array else variable
        return ", ".join(source + "".join(f"@.{step}" for step in path.split(".")) for path in self.fields)

    def extract(self, answer: Any, method: str = "answer") -> Projected:
        """The projected parts of a whole answer, exactly what the execute slot would carry (a `Projected`
        is returned as it is). Raises `TransientError` for an answer without the array (malformed)."""
        if isinstance(answer, Projected):
            return answer
        whole = answer if isinstance(answer, dict) else {}
        columns = self._extract_columns(whole, answer, method)
        more = tuple(
            extra.extract(whole, method) if whole.get(extra.array) is not None else Projected(extra._empty())
            for extra in self.more
        )
        return Projected(columns, {name: whole.get(name) for name in self.keep}, more)

    def _empty(self) -> tuple[list[Any], ...]:
        return tuple([] for _ in self.fields)

    def _extract_columns(self, whole: dict[str, Any], answer: Any, method: str) -> tuple[list[Any], ...]:
        array = whole.get(self.array) if self.array else answer
        if not isinstance(array, list):
            raise TransientError(f"{method} answer without the projected array")
        return tuple([_walk(item, path.split(".")) for item in array] for path in self.fields)


def _walk(item: Any, steps: list[str]) -> Any:
    """`item@.a@.b` for one element: each step's field of an object, null once a step is not an object."""
    for step in steps:
        if not isinstance(item, dict):
            return None
        item = item.get(step)
    return item


@dataclass(frozen=True)
class Projected:
    """A projected answer: one list per projected field (element i of every column = element i of the array),
    the kept top-level values by name (None where the answer lacked them), and the `Projected` of each
    further array of the projection's `more`."""

    columns: tuple[list[Any], ...]
    kept: Mapping[str, Any] = field(default_factory=dict)
    more: tuple[Projected, ...] = ()

    @property
    def length(self) -> int:
        """How many elements the array had."""
        return len(self.columns[0]) if self.columns else 0

    @property
    def aligned(self) -> bool:
        """Whether every column, here and in the further arrays, has one entry per element of its array
        (else they cannot be zipped into rows)."""
        return all(len(column) == self.length for column in self.columns) and all(
            extra.aligned for extra in self.more
        )


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: Mapping[str, object]
    projection: Projection | None = None

    def unprojected(self) -> ApiCall:
        """The same call asking for the whole answer (when its projected columns came back misaligned)."""
        return ApiCall(self.method, self.params)


@dataclass(frozen=True)
class CallOutcome:
    call: ApiCall
    ok: bool
    value: Any = None
    error: VkApiError | None = None


def call_expression(call: ApiCall) -> str:
    """`API.groups.getMembers({"group_id": 1, ...})`, with params as a JSON literal (quotes/escapes safe)."""
    if not _METHOD_NAME.match(call.method):
        raise ValueError(f"not a VK method name: {call.method!r}")
    literal = json.dumps(normalize_params(call.params), ensure_ascii=False)
    return f"API.{call.method}({literal})"


def build_script(calls: Sequence[ApiCall]) -> str:
    """`return [API.x.y({...}), ...];` for 1..25 calls; results come back in the same order.

    With any projected call: `var c0 = API.x.y({...}); if (c0) {c0 = {...};} ... return [c0, ...];`.
    """
    if not 0 < len(calls) <= MAX_CALLS_PER_EXECUTE:
        raise ValueError(f"an execute batch holds 1..{MAX_CALLS_PER_EXECUTE} calls, got {len(calls)}")
    if all(call.projection is None for call in calls):
        return "return [" + ", ".join(call_expression(call) for call in calls) + "];"
    statements = []
    for index, call in enumerate(calls):
        variable = f"c{index}"
        statements.append(f"var {variable} = {call_expression(call)};")
        if call.projection is not None:
            statements.append(f"if ({variable}) {{ {variable} = {call.projection.expression(variable)}; }}")
    variables = ", ".join(f"c{index}" for index in range(len(calls)))
    return " ".join(statements) + f" return [{variables}];"


def projected(call: ApiCall, value: Any) -> Projected:
    """`value` (a projected execute slot, or the whole answer of a plain call) as the call's `Projected`."""
    if call.projection is None:
        raise ValueError(f"{call.method} has no projection")
    return call.projection.extract(value, call.method)


def _slot_value(call: ApiCall, value: Any) -> Any:
    """A projected slot's columns as `Projected`; anything else (a plain answer) as it came."""
    projection = call.projection
    if projection is None or not isinstance(value, dict) or _COLUMNS_KEY not in value:
        return value
    kept, more = value.get(_KEPT_KEY), value.get(_MORE_KEY, [])
    if not isinstance(more, list) or len(more) != len(projection.more):
        raise TransientError(f"execute returned malformed projected columns for {call.method}")
    keep = projection.keep
    kept_values = kept if isinstance(kept, list) and len(kept) == len(keep) else [None] * len(keep)
    return Projected(
        _slot_columns(call, projection, value.get(_COLUMNS_KEY)),
        dict(zip(keep, kept_values, strict=True)),
        tuple(
            Projected(extra._empty() if _all_null(columns) else _slot_columns(call, extra, columns))
            for extra, columns in zip(projection.more, more, strict=True)
        ),
    )


def _all_null(columns: Any) -> bool:
    """A further array the answer lacked: every `missing@.field` evaluates to null."""
    return isinstance(columns, list) and all(column is None for column in columns)


def _slot_columns(call: ApiCall, projection: Projection, columns: Any) -> tuple[list[Any], ...]:
    """One array's columns of a projected slot, checked to be one list per projected field."""
    if not isinstance(columns, list) or len(columns) != len(projection.fields) or not all(
        isinstance(column, list) for column in columns
    ):
        raise TransientError(f"execute returned malformed projected columns for {call.method}")
    return tuple(columns)


def map_results(result: ExecuteResult, calls: Sequence[ApiCall]) -> list[CallOutcome]:
    """Pair each call with its value, or with its error when its slot is `false` (see the module docstring).

    A `false` with no execute_errors entry left still counts as a failure (code 0), so it is retried rather
    than stored as data.
    """
    values = result.response
    if not isinstance(values, list) or len(values) != len(calls):
        got = len(values) if isinstance(values, list) else type(values).__name__
        raise TransientError(f"execute returned {got} results for {len(calls)} calls")
    pending_errors = iter([error for error in result.errors if error.method != "execute"])
    outcomes = []
    for call, value in zip(calls, values, strict=True):
        if value is False:
            missing = ExecuteError(call.method, 0, "failed inside execute without details")
            error = next(pending_errors, missing)
            outcomes.append(CallOutcome(call, ok=False, error=error.as_api_error()))
        else:
            outcomes.append(CallOutcome(call, ok=True, value=_slot_value(call, value)))
    return outcomes
