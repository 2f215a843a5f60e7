"""One encoding of API parameters, shared by the HTTP form body and by VKScript literals.

VK takes arrays as comma-separated strings and booleans as 0/1; keeping that in one place means a call sent
directly and the same call batched into `execute` carry identical parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

ParamValue = str | int | float


def normalize_param(value: object) -> ParamValue:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, Iterable):
        return ",".join(str(normalize_param(item)) for item in value)
    raise TypeError(f"cannot send a {type(value).__name__} as a VK API parameter")


def normalize_params(params: Mapping[str, object]) -> dict[str, ParamValue]:
    """`None` values are dropped: VK treats an absent parameter as "use the default"."""
    return {key: normalize_param(value) for key, value in params.items() if value is not None}
