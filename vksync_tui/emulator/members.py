"""A community's member list: one sorted `array('q')` of user ids (8 bytes per member).

`groups.getMembers` with the default `id_asc` sort pages over this array by offset, so removing or adding
ids shifts every later offset exactly as it does on VK. Join times are derived from the id (originals) or
recorded (members who joined through churn); the time-sorted order is built lazily, only when a moderator
asks for `time_asc`/`time_desc`, and dropped on the next change.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate

from vksync_tui.emulator.hashing import hash_of

_ZERO_TO_ONE = bytes([1]) + bytes(range(1, 256))
_TAG_JOIN = 0x4A4E


def generate_member_ids(rng: random.Random, count: int, first_id: int) -> array:
    """`count` distinct ascending ids starting near `first_id`, gaps 1..255 (mean ≈128).

    Built from one `randbytes` buffer through C-level `accumulate`, so 10M ids take about a second.
    """
    gaps = rng.randbytes(count).translate(_ZERO_TO_ONE)
    ids = array("q", accumulate(gaps, initial=first_id))
    ids.pop(0)
    return ids


class MemberList:
    """Current members of one community plus the data needed for the time sorts."""

    def __init__(self, seed: int, group_id: int, ids: array, joined_from: int, joined_to: int) -> None:
        self.ids = ids
        self._seed = seed
        self._group_id = group_id
        self._joined_from = joined_from
        self._span = max(1, joined_to - joined_from)
        self._late_joins: dict[int, int] = {}
        self._time_order: array | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, user_id: object) -> bool:
        if not isinstance(user_id, int):
            return False
        index = bisect_left(self.ids, user_id)
        return index < len(self.ids) and self.ids[index] == user_id

    def join_time(self, user_id: int) -> int:
        late = self._late_joins.get(user_id)
        if late is not None:
            return late
        return self._joined_from + hash_of(self._seed, _TAG_JOIN, self._group_id, user_id) % self._span

    def page(self, offset: int, count: int, sort: str) -> list[int]:
        """One page of ids in VK's order for `sort` (id_asc, id_desc, time_asc, time_desc)."""
        ordered = self._time_sorted() if sort.startswith("time") else self.ids
        total = len(ordered)
        if sort.endswith("desc"):
            stop = max(0, total - offset)
            start = max(0, stop - count)
            return list(reversed(ordered[start:stop]))
        return list(ordered[offset:offset + count])

    def _time_sorted(self) -> array:
        if self._time_order is None:
            self._time_order = array("q", sorted(self.ids, key=lambda uid: (self.join_time(uid), uid)))
        return self._time_order

    def remove(self, user_ids: Iterable[int]) -> None:
        """Drop ids (all must be members) with one O(n) rebuild."""
        positions = sorted(bisect_left(self.ids, uid) for uid in user_ids)
        rebuilt = array("q")
        previous = 0
        for position in positions:
            rebuilt.extend(self.ids[previous:position])
            previous = position + 1
        rebuilt.extend(self.ids[previous:])
        for uid in user_ids:
            self._late_joins.pop(uid, None)
        self._replace(rebuilt)

    def add(self, user_ids: Iterable[int], joined_at: int) -> None:
        """Insert ids (none may be a member) in sorted position with one O(n) rebuild."""
        new_ids = sorted(user_ids)
        rebuilt = array("q")
        previous = 0
        for uid in new_ids:
            position = bisect_left(self.ids, uid)
            rebuilt.extend(self.ids[previous:position])
            rebuilt.append(uid)
            previous = position
            self._late_joins[uid] = joined_at
        rebuilt.extend(self.ids[previous:])
        self._replace(rebuilt)

    def _replace(self, rebuilt: array) -> None:
        self.ids = rebuilt
        self._time_order = None
