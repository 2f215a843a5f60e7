"""How a stored value reads in a list cell (and in a copied cell): one place, so every screen agrees."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def format_time(unix: int | None) -> str:
    """UTC, minute precision: the operator compares these with VK's own (UTC-agnostic) dates at a glance."""
    if unix is None:
        return ""
    return datetime.fromtimestamp(int(unix), UTC).strftime("%Y-%m-%d %H:%M")


def format_cell(fmt: str, value: Any) -> str:
    if value is None:
        return ""
    if fmt == "time":
        return format_time(value)
    if fmt == "flag":
        return "yes" if value else "no"
    return str(value)
