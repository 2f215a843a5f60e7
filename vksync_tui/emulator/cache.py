"""A size-capped memo for derived objects (post texts, plans, comment trees).

Everything the world derives is a pure function of its ids, so a memo never goes stale by itself; it only
has to forget when it grows too big (first in, first out: the oldest entry goes) and be cleared precisely
where a mutation changes what an entry was derived from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMemo(Generic[K, V]):
    """`get(key, make)` returns the memoised value or stores `make(key)`; at most `limit` entries. Values are
    never None (None means "not memoised")."""

    __slots__ = ("_limit", "_values")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._values: dict[K, V] = {}

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: K, make: Callable[[K], V]) -> V:
        values = self._values
        value = values.get(key)
        if value is None:
            value = make(key)
            if len(values) >= self._limit:
                del values[next(iter(values))]
            values[key] = value
        return value

    def peek(self, key: K) -> V | None:
        """The memoised value, or None (nothing is made)."""
        return self._values.get(key)

    def forget(self, key: K) -> None:
        self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()
