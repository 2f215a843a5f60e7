"""Search patterns shared by every list and the diff review: text containing a needle in any letter case."""

from __future__ import annotations


def contains_any_case(needle: str) -> str:
    """A GLOB pattern for text containing `needle` in any letter case, Cyrillic included.

    Why not LIKE: SQLite's LIKE folds only ASCII, so "иван" would not find "Иван" — most names in a VK
    community. GLOB is case-sensitive but takes character classes, so every letter becomes `[иИ]` and the
    match stays inside SQLite (a Python function per row would cost ~1 µs × rows scanned). GLOB's own
    wildcards in the needle (`*`, `?`, `[`) become one-character classes and so match themselves.
    """
    parts = []
    for char in needle:
        lower, upper = char.lower(), char.upper()
        if len(lower) == 1 and len(upper) == 1 and lower != upper:
            parts.append(f"[{lower}{upper}]")
        elif char in "*?[":
            parts.append(f"[{char}]")
        else:
            parts.append(char)
    return f"*{''.join(parts)}*"
