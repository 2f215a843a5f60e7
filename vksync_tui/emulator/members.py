"""A community's member list: one sorted `array('q')` of user ids (8 bytes per member).

`groups.getMembers` with the default `id_asc` sort pages over this array by offset, so removing or adding
ids shifts every later offset exactly as it does on VK. Join times are derived from the id (originals) or
recorded (members who joined through churn); see `MemberList` for how time-sorted pages are computed
without sorting.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Collection
from itertools import accumulate

from vksync_tui.emulator.hashing import coprime_stride, hash_of

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
    """Current members of one community plus what the time sorts need.

    Join order without sorting: the original members joined in the order of a coprime walk over the
    generated id array (rank r ↔ index `(start + r*stride) % N`), spread evenly over the community's age;
    members who joined through churn come after them, in join order. A time-sorted page is then computed
    from ranks directly — O(page) work and no extra memory even at 10M members. Originals who leave are
    kept as a sorted list of their ranks so offsets skip them exactly.
    """

    def __init__(self, seed: int, group_id: int, ids: array, joined_from: int, joined_to: int) -> None:
        self.ids = ids
        self._original = ids  # never mutated: churn replaces `self.ids` with rebuilt arrays
        size = len(ids)
        self._start = hash_of(seed, _TAG_JOIN, group_id) % max(1, size)
        self._stride = coprime_stride(size, hash_of(seed, _TAG_JOIN, group_id, 1))
        self._stride_inverse = pow(self._stride, -1, size) if size > 1 else 0
        self._joined_from = joined_from
        self._span = max(1, joined_to - joined_from)
        self._left_ranks: list[int] = []  # sorted ranks of original members who are no longer members
        self._late: list[int] = []  # members who joined through churn, in join order
        self._late_joins: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, user_id: object) -> bool:
        return isinstance(user_id, int) and _sorted_contains(self.ids, user_id)

    def _original_rank(self, user_id: int) -> int | None:
        if not _sorted_contains(self._original, user_id):
            return None
        index = bisect_left(self._original, user_id)
        return (index - self._start) * self._stride_inverse % len(self._original)

    def join_time(self, user_id: int) -> int:
        """When a current member joined (originals: spread over the community's age by rank)."""
        late = self._late_joins.get(user_id)
        if late is not None:
            return late
        rank = self._original_rank(user_id)
        if rank is None:
            raise KeyError(user_id)
        return self._joined_from + rank * self._span // len(self._original)

    def page(self, offset: int, count: int, sort: str) -> list[int]:
        """One page of ids in VK's order for `sort` (id_asc, id_desc, time_asc, time_desc)."""
        total = len(self.ids)
        stop = min(total, offset + count)
        if offset >= stop:
            return []
        if sort == "id_asc":
            return list(self.ids[offset:stop])
        if sort == "id_desc":
            return list(reversed(self.ids[total - stop:total - offset]))
        if sort == "time_asc":
            return self._time_slice(offset, stop)
        return list(reversed(self._time_slice(total - stop, total - offset)))

    def _time_slice(self, begin: int, end: int) -> list[int]:
        """Members at join-order positions [begin, end)."""
        originals_left = len(self._original) - len(self._left_ranks)
        result: list[int] = []
        if begin < originals_left:
            rank = self._rank_of_remaining(begin)
            left = set(self._left_ranks)
            size = len(self._original)
            while len(result) < min(end, originals_left) - begin:
                if rank not in left:
                    result.append(self._original[(self._start + rank * self._stride) % size])
                rank += 1
        late_begin = max(0, begin - originals_left)
        late_end = max(0, end - originals_left)
        result.extend(self._late[late_begin:late_end])
        return result

    def _rank_of_remaining(self, position: int) -> int:
        """Rank of the `position`-th (0-based) remaining original: the smallest fixed point of
        r = position + #(left ranks ≤ r), reached by iterating upward from `position`."""
        rank = position
        while True:
            candidate = position + bisect_right(self._left_ranks, rank)
            if candidate == rank:
                return rank
            rank = candidate

    def remove(self, user_ids: Collection[int]) -> None:
        """Drop ids (all must be members) with one O(n) rebuild."""
        positions = sorted(bisect_left(self.ids, uid) for uid in user_ids)
        rebuilt = array("q")
        previous = 0
        for position in positions:
            rebuilt.extend(self.ids[previous:position])
            previous = position + 1
        rebuilt.extend(self.ids[previous:])
        leaving = set(user_ids)
        for uid in user_ids:
            if self._late_joins.pop(uid, None) is None:
                rank = self._original_rank(uid)
                if rank is not None:
                    insort(self._left_ranks, rank)
        if leaving & set(self._late):
            self._late = [uid for uid in self._late if uid not in leaving]
        self.ids = rebuilt

    def add(self, user_ids: Collection[int], joined_at: int) -> None:
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
        self._late.extend(new_ids)
        self.ids = rebuilt


def _sorted_contains(ids: array, user_id: int) -> bool:
    index = bisect_left(ids, user_id)
    return index < len(ids) and ids[index] == user_id
