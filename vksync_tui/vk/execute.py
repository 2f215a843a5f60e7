"""Batching up to 25 API calls into one `execute` request, and mapping the answers back to the calls.

One execute counts once against a token's requests-per-second limit, so batching multiplies throughput by up
to 25. The catch is error reporting: a failed inner call evaluates to `false` inside the script, and VK lists
the failures in `execute_errors` **in the order they happened, naming only the method** — there is no per-call
index. Because the script built here evaluates its calls left to right and returns them in that order, the
i-th `false` in the returned array belongs to the i-th (non-"execute") entry of `execute_errors`.
`map_results` relies on exactly that and on nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vksync_tui.vk.client import ExecuteError, ExecuteResult
from vksync_tui.vk.errors import TransientError, VkApiError
from vksync_tui.vk.params import normalize_params

MAX_CALLS_PER_EXECUTE = 25
_METHOD_NAME = re.compile(r"^[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: Mapping[str, object]


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
    """`return [API.x.y({...}), ...];` for 1..25 calls; results come back in the same order."""
    if not 0 < len(calls) <= MAX_CALLS_PER_EXECUTE:
        raise ValueError(f"an execute batch holds 1..{MAX_CALLS_PER_EXECUTE} calls, got {len(calls)}")
    return "return [" + ", ".join(call_expression(call) for call in calls) + "];"


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
            outcomes.append(CallOutcome(call, ok=True, value=value))
    return outcomes
