"""Name and text search matches in any letter case, Cyrillic included (SQLite's LIKE folds only ASCII)."""

from __future__ import annotations

import sqlite3

import pytest

from vksync_tui.store.text_match import contains_any_case, contains_sql


def matches(text: str, needle: str) -> bool:
    operator, pattern = contains_any_case(needle)
    with sqlite3.connect(":memory:") as db:
        return bool(db.execute(f"SELECT {contains_sql('?', operator)}", (text, pattern)).fetchone()[0])


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
        ("Скидка 50% [сегодня]*?", "50% [СЕГОДНЯ]*?"),
        ("Ivan Иванов", "ivan иван"),
    ],
)
def test_a_part_in_another_case_is_found(text: str, needle: str) -> None:
    assert matches(text, needle)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Иван Петров", "ивана"),
        ("Alena", "alena?"),  # the needle's wildcards are plain characters
        ("Alena", "*"),
        ("Alena", "[a]"),
        ("Alena", "a%a"),
        ("Алёна", "а*а"),
        ("Алёна", "а?ёна"),
        ("Елена", "ёлена"),  # ё and е are different letters
    ],
)
def test_other_text_is_not_found(text: str, needle: str) -> None:
    assert not matches(text, needle)
