"""Paged, searchable reads of a pending subscribers diff: one SQL page at a time, never the whole list.

A mass exodus can leave millions of ids in a diff; the review screen asks for one page by keyset
(`user_id > last id of the previous page`), so every page costs the same however deep the operator pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from vksync_tui.store.models import PendingDiffItem, User
from vksync_tui.store.text_match import contains_any_case, contains_node
from vksync_tui.sync.names import display_name

PAGE_SIZE = 100


@dataclass(frozen=True)
class DiffRow:
    user_id: int
    name: str
    domain: str | None
    deactivated: str | None


@dataclass(frozen=True)
class DiffPage:
    kind: str
    rows: list[DiffRow]
    has_next: bool
    matching: int


def _filtered(run_id: int, kind: str, search: str) -> pw.ModelSelect:
    query = (
        PendingDiffItem.select(
            PendingDiffItem.user_id, User.first_name, User.last_name, User.domain, User.deactivated
        )
        .join(User, pw.JOIN.LEFT_OUTER, on=(User.id == PendingDiffItem.user_id))
        .where((PendingDiffItem.run_id == run_id) & (PendingDiffItem.kind == kind))
    )
    needle = search.strip()
    if not needle:
        return query
    operator, pattern = contains_any_case(needle)  # any letter case, Cyrillic too (LIKE folds only ASCII)
    first, last = pw.fn.ifnull(User.first_name, ""), pw.fn.ifnull(User.last_name, "")
    full_name = pw.fn.trim(first.concat(" ").concat(last))
    condition = contains_node(full_name, operator, pattern) | contains_node(User.domain, operator, pattern)
    if needle.lstrip("id").isdigit():
        condition |= PendingDiffItem.user_id == int(needle.lstrip("id"))
    return query.where(condition)


def profiles_missing(run_id: int) -> bool:
    """Whether anyone joined or left in the diff has no stored name yet (stops at the first one found)."""
    unnamed = (
        PendingDiffItem.select()
        .join(User, pw.JOIN.LEFT_OUTER, on=(User.id == PendingDiffItem.user_id))
        .where(
            (PendingDiffItem.run_id == run_id)
            & (PendingDiffItem.kind != "still_member")
            & (pw.fn.ifnull(User.first_name, "") == "")
            & (pw.fn.ifnull(User.last_name, "") == "")
        )
    )
    return bool(unnamed.exists())


def diff_page(
    run_id: int, kind: str, *, search: str = "", after_user_id: int = 0, limit: int = PAGE_SIZE
) -> DiffPage:
    """Rows of `kind` (joined | left) with user ids above `after_user_id`, plus the matching count."""
    query = _filtered(run_id, kind, search)
    matching = query.count()
    page = (
        query.where(PendingDiffItem.user_id > after_user_id)
        .order_by(PendingDiffItem.user_id)
        .limit(limit + 1)
    )
    rows = [
        DiffRow(
            user_id=user_id,
            name=display_name(first_name, last_name),
            domain=domain,
            deactivated=deactivated,
        )
        for user_id, first_name, last_name, domain, deactivated in page.tuples()
    ]
    return DiffPage(kind=kind, rows=rows[:limit], has_next=len(rows) > limit, matching=matching)
