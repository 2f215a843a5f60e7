"""Parameter parsing the way VK validates it: everything arrives as strings; bad or missing → error 100.

Error details follow VK's wording (`"group_id is undefined"`, `"offset not integer"`), so error_msg reads
`One of the parameters specified was missing or invalid: group_id is undefined`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vksync_tui.emulator.errors import EmuApiError


class Params:
    """Typed access to one call's string parameters."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        value = self.raw.get(name)
        return value is not None and value.strip() != ""

    def text(self, name: str, default: str = "") -> str:
        return self.raw[name].strip() if self.has(name) else default

    def required_text(self, name: str) -> str:
        if not self.has(name):
            raise EmuApiError(100, f"{name} is undefined")
        return self.raw[name].strip()

    def integer(self, name: str, default: int | None = None) -> int | None:
        if not self.has(name):
            return default
        try:
            return int(self.raw[name].strip())
        except ValueError:
            raise EmuApiError(100, f"{name} not integer") from None

    def required_integer(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise EmuApiError(100, f"{name} is undefined")
        return value

    def flag(self, name: str) -> bool:
        return self.text(name).lower() in ("1", "true")

    def items(self, name: str) -> list[str]:
        """A VK array parameter: comma-separated values."""
        return [item.strip() for item in self.text(name).split(",") if item.strip()]

    def fields(self) -> frozenset[str]:
        return frozenset(self.items("fields"))

    def offset(self) -> int:
        offset = self.integer("offset", 0) or 0
        if offset < 0:
            raise EmuApiError(100, "offset should be positive")
        return offset

    def count(self, default: int, cap: int) -> int:
        """`count` clamped to [0, cap]: VK silently serves at most the documented maximum per page."""
        value = self.integer("count", default)
        return max(0, min(cap, default if value is None else value))


def stringify_params(values: Mapping[str, Any]) -> dict[str, str]:
    """Turn parameters as VKScript passes them (numbers, arrays, booleans) into the strings HTTP carries."""
    result: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            result[name] = "1" if value else "0"
        elif isinstance(value, list | tuple):
            result[name] = ",".join(_scalar(item) for item in value)
        else:
            result[name] = _scalar(value)
    return result


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
