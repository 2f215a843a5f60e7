"""Search patterns shared by every list and the diff review: text containing a needle in any letter case."""

from __future__ import annotations

import peewee as pw

LIKE_ESCAPE = "\\"


def contains_any_case(needle: str) -> tuple[str, str]:
    """(`LIKE` or `GLOB`, pattern) for text containing `needle` in any letter case, Cyrillic included.

    SQLite's LIKE folds only ASCII case, so "иван" would not find "Иван" — most names in a VK community. A
    needle with other cased letters therefore gets a GLOB pattern in which every letter is a class (`[иИ]`):
    GLOB is case-sensitive but the match stays inside SQLite (a Python function per row would cost ~1 µs ×
    rows scanned). An ASCII needle keeps LIKE (pattern escaped with `LIKE_ESCAPE`): over 1M names it took
    1.0 s where GLOB with classes took 1.8 s. GLOB's own wildcards in a needle (`*`, `?`, `[`) become
    one-character classes and so match themselves.
    """
    if needle.isascii():
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "LIKE", f"%{escaped}%"
    parts = []
    for char in needle:
        lower, upper = char.lower(), char.upper()
        if len(lower) == 1 and len(upper) == 1 and lower != upper:
            parts.append(f"[{lower}{upper}]")
        elif char in "*?[":
            parts.append(f"[{char}]")
        else:
            parts.append(char)
    return "GLOB", f"*{''.join(parts)}*"


def contains_sql(expression: str, operator: str) -> str:
    """`expression` matched against one `?` pattern from `contains_any_case`."""
    return f"{expression} LIKE ? ESCAPE '\\'" if operator == "LIKE" else f"{expression} GLOB ?"


def contains_node(expression: pw.Node, operator: str, pattern: str) -> pw.Node:
    """`contains_sql` for a peewee query: `expression` matched against `pattern` from `contains_any_case`."""
    escape = [pw.SQL("ESCAPE ?", [LIKE_ESCAPE])] if operator == "LIKE" else []
    return pw.NodeList([expression, pw.SQL(operator), pattern, *escape])
