"""Name and text search matches in any letter case, Cyrillic included (SQLite's LIKE folds only ASCII)."""

from __future__ import annotations

import sqlite3

import pytest

from vksync_tui.store.text_match import contains_any_case


def matches(text: str, needle: str) -> bool:
    with sqlite3.connect(":memory:") as db:
        return bool(db.execute("SELECT ? GLOB ?", (text, contains_any_case(needle))).fetchone()[0])


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Иван Петров", "иван"),
        ("Иван Петров", "ПЕТР"),
        ("Иван Петров", "н п"),
        ("Алёна Ёжикова", "ёж"),
        ("Orlov29", "orlov2"),
        ("id12345", "ID123"),
        ("50% off [today]*?", "% off [TODAY]*?"),
        ("a_b\\c", "A_B\\C"),
    ],
)
def test_a_part_in_another_case_is_found(text: str, needle: str) -> None:
    assert matches(text, needle)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Иван Петров", "ивана"),
        ("Alena", "alena?"),  # the needle's wildcard is a plain character
        ("Alena", "*"),
        ("Alena", "[a]"),
        ("Елена", "ёлена"),  # ё and е are different letters
    ],
)
def test_other_text_is_not_found(text: str, needle: str) -> None:
    assert not matches(text, needle)
