"""The one door to every list sync: the CLI (`vksync-tui sync <list>`) and the TUI call only `run_sync`.

A list plugs in with one line in `LISTS`: a function `(ctx, group_id, **options) -> RunSummary` built on the
engine (see `subscribers.py` for the pattern).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vksync_tui.sync.authors import sync_authors
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.errors import SyncInputError
from vksync_tui.sync.interactions import sync_interactions
from vksync_tui.sync.mailing import sync_mailing
from vksync_tui.sync.mailing_analysis import sync_mailing_analysis
from vksync_tui.sync.posts import sync_posts
from vksync_tui.sync.profiles import sync_profiles
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.subscribers import sync_subscribers

ListSync = Callable[..., RunSummary]

LISTS: dict[str, ListSync] = {
    "subscribers": sync_subscribers,
    "posts": sync_posts,
    "authors": sync_authors,
    "interactions": sync_interactions,
    "mailing": sync_mailing,
    "mailing-analysis": sync_mailing_analysis,
    "profiles": sync_profiles,
}


def run_sync(list_name: str, ctx: SyncContext, group_id: int, **options: Any) -> RunSummary:
    """Run one list's sync for one community; options are the list's own (e.g. `apply=True`)."""
    sync = LISTS.get(list_name)
    if sync is None:
        known = ", ".join(sorted(LISTS))
        raise SyncInputError(f"unknown list {list_name!r} (known: {known})")
    return sync(ctx, group_id, **options)
