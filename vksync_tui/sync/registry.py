"""The one door to every list: `run_sync` runs a list's sync, `write_export` writes its export, and `LISTS`
holds each list's `ListDefinition`, which the CLI and the TUI build their commands, cards and screens from.

A list plugs in with one definition here: its sync function `(ctx, group_id, **options) -> RunSummary`, built
on the engine in a module of its own (see `subscribers.py` for the pattern), with its options, token kinds,
count and export (CONTRIBUTING.md, "Adding a list").
"""

from __future__ import annotations

from typing import Any, TextIO

from vksync_tui.sync.authors import stored_authors, sync_authors
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.definition import ListDefinition, ListOption
from vksync_tui.sync.errors import SyncInputError
from vksync_tui.sync.exports import dialogs, members, profiles, wall
from vksync_tui.sync.exports.format import write_rows
from vksync_tui.sync.interactions import stored_interactions, sync_interactions
from vksync_tui.sync.mailing import DIALOG_TOKEN_KINDS, stored_dialogs, sync_mailing
from vksync_tui.sync.mailing_analysis import analysed_dialogs, sync_mailing_analysis
from vksync_tui.sync.posts import DEFAULT_REFRESH_DAYS, stored_post_count, sync_posts
from vksync_tui.sync.profiles import SCOPES, refreshed_profiles, sync_profiles
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.subscribers import MEMBER_TOKEN_KINDS, current_members, sync_subscribers
from vksync_tui.sync.users_refresh import USER_TOKEN_KINDS
from vksync_tui.sync.wall_access import WALL_TOKEN_KINDS

LISTS: dict[str, ListDefinition] = {
    entry.name: entry
    for entry in (
        ListDefinition(
            "subscribers", "Subscribers", sync_subscribers, MEMBER_TOKEN_KINDS, "members", current_members,
            options=(ListOption("apply", "--yes", "apply the diff at once (for cron) instead of saving it"),),
            export=members.SUBSCRIBERS,
        ),
        ListDefinition(
            "posts", "Posts", sync_posts, WALL_TOKEN_KINDS, "posts", stored_post_count,
            options=(
                ListOption("full", "--full", "a complete pass instead of only the new head"),
                ListOption(
                    "refresh_days", "--refresh-days",
                    "incremental runs re-read posts of the last DAYS days (their counters still move)",
                    float, DEFAULT_REFRESH_DAYS, "DAYS",
                ),
            ),
            export=wall.POSTS,
        ),
        ListDefinition(
            "authors", "Authors", sync_authors, USER_TOKEN_KINDS, "authors", stored_authors,
            export=wall.AUTHORS,
        ),
        ListDefinition(
            "interactions", "Interactions", sync_interactions, WALL_TOKEN_KINDS, "interactions",
            stored_interactions,
            options=(
                ListOption("posts", "--posts", "only the N newest stored posts", int, metavar="N"),
                ListOption("since", "--since", "only posts published since DATE", str, metavar="DATE"),
            ),
            export=wall.INTERACTIONS,
        ),
        ListDefinition(
            "mailing", "Mailing", sync_mailing, DIALOG_TOKEN_KINDS, "dialogs", stored_dialogs,
            export=dialogs.MAILING,
        ),
        ListDefinition(
            "mailing-analysis", "Mailing analysis", sync_mailing_analysis, DIALOG_TOKEN_KINDS,
            "dialogs analysed", analysed_dialogs,
            options=(ListOption("all_users", "--all", "re-analyse every dialog, not only new ones"),),
            export=dialogs.MAILING_ANALYSIS,
        ),
        ListDefinition(
            "profiles", "Profiles", sync_profiles, USER_TOKEN_KINDS, "profiles", refreshed_profiles,
            options=(
                ListOption("scope", "--scope", "whose profiles to refresh", str, "all", choices=SCOPES),
                ListOption("max_users", "--max", "refresh at most N users", int, metavar="N"),
                ListOption(
                    "older_than_days", "--older-than", "only users not refreshed for DAYS days", float,
                    metavar="DAYS",
                ),
            ),
            export=profiles.PROFILES,
        ),
    )
}


def definition(list_name: str) -> ListDefinition:
    """The list called `list_name`; SyncInputError (one line, naming the known lists) for any other name."""
    found = LISTS.get(list_name)
    if found is None:
        raise SyncInputError(f"unknown list {list_name!r} (known: {', '.join(sorted(LISTS))})")
    return found


def run_sync(list_name: str, ctx: SyncContext, group_id: int, **options: Any) -> RunSummary:
    """Run one list's sync for one community; options are the list's own (e.g. `apply=True`)."""
    return definition(list_name).sync(ctx, group_id, **options)


def write_export(list_name: str, group_id: int, out: TextIO, *, fmt: str, include_all: bool = False) -> int:
    """Write the list's rows to `out` in `fmt` (csv with a header, or jsonl); returns the number of rows."""
    export = LISTS[list_name].export if list_name in LISTS else None
    if export is None:
        exported = ", ".join(name for name, known in LISTS.items() if known.export is not None)
        raise ValueError(f"no export for list {list_name!r} (known: {exported})")
    return write_rows(export.columns, export.rows(group_id, include_all), out, fmt)
