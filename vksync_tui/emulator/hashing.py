"""Stateless deterministic hashing: every derived fact of the world is a pure function of (seed, ids...).

This is what lets a 10M-member world exist without 10M objects: a user's profile, a post's counters or a
dialog's messages are recomputed from their ids whenever asked, and are always the same for the same seed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

_MASK = (1 << 64) - 1


def mix64(value: int) -> int:
    """splitmix64 finaliser: a cheap, well-distributed 64-bit bijection."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def hash_of(*parts: int) -> int:
    """A 64-bit hash of a tuple of ints (negative ids allowed)."""
    acc = 0x243F6A8885A308D3
    for part in parts:
        acc = mix64(acc ^ (part & _MASK))
    return acc


def hash_prefix(*parts: int) -> int:
    """The state `hash_of` has after `parts`: `hash_continue(hash_prefix(a, b), c) == hash_of(a, b, c)`.

    Every object of a kind shares its leading parts (seed, tag, community), so hot paths hash those once and
    mix only the object's own ids — a third of the work for a post or a profile.
    """
    return hash_of(*parts)


def hash_continue(state: int, *parts: int) -> int:
    """`hash_of` resumed from a `hash_prefix` state (see there)."""
    for part in parts:
        state = mix64(state ^ (part & _MASK))
    return state


def hash_one(state: int, part: int) -> int:
    """`hash_continue(state, part)` for the commonest case, one id, with the mixing inlined (per-object hot
    path: a users.get page hashes 1000 ids)."""
    value = (state ^ (part & _MASK)) + 0x9E3779B97F4A7C15 & _MASK
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
    value = (value ^ (value >> 27)) * 0x94D049BB133111EB & _MASK
    return value ^ (value >> 31)


HASH_START = hash_prefix()  # where every hash starts: hash_of(h, k) == hash_one(hash_one(HASH_START, h), k)


def unit_continue(state: int, part: int) -> float:
    """`unit(*prefix, part)` from `state = hash_prefix(*prefix)`."""
    return (hash_one(state, part) >> 11) / float(1 << 53)


def unit(*parts: int) -> float:
    """A float in [0, 1) derived from the parts."""
    return (hash_of(*parts) >> 11) / float(1 << 53)


def rng_for(*parts: int) -> random.Random:
    """A private random stream for one derived object (text of one post, messages of one dialog...)."""
    return random.Random(hash_of(*parts))


def below(getrandbits: Callable[[int], int], n: int) -> int:
    """`random.Random._randbelow(n)` spelled out, for hot loops that call `randrange`/`randint`/`choice`
    thousands of times: the same draws from the same stream (so the same world), without their argument
    checks. `tests/emulator/test_fast_paths.py` pins the equivalence against `random.Random` itself."""
    k = n.bit_length()
    r = getrandbits(k)
    while r >= n:
        r = getrandbits(k)
    return r


def coprime_stride(length: int, key: int) -> int:
    """A stride in [1, length) coprime with `length`: `(start + j*stride) % length` never repeats a slot."""
    if length <= 2:
        return 1
    stride = key % (length - 1) + 1
    while math.gcd(stride, length) != 1:
        stride = stride % (length - 1) + 1
    return stride


def distinct_walk(pool: Sequence[int], count: int, key: int, first: int = 0) -> list[int]:
    """Elements `first..first+count-1` of a deterministic pseudo-random permutation of `pool`.

    Positions never repeat below `len(pool)`, so a list drawn this way has no duplicates and can be
    extended later (likes added after generation continue the same walk).
    """
    length = len(pool)
    stop = min(first + count, length)
    if stop <= first:
        return []
    start = key % length
    stride = coprime_stride(length, mix64(key))
    return [pool[(start + j * stride) % length] for j in range(first, stop)]

