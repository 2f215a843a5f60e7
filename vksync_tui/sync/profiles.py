"""Profile details: refresh users already in the database (name, photo, sex, city, birthday, last seen, …).

Which users (`scope`): the community's current subscribers, the users who interacted with its posts, its
authors, its mailing users, or all of them. Stalest first: users never refreshed, then by oldest
`refreshed_at`, then by id; `older_than_days` leaves out users refreshed more recently than that; `max_users`
caps one run. The ids are read once at the start (8 bytes each, so a million users cost 8 MB).

The fetch is `users_refresh.refresh_users`: users.get with 1000 ids per call batched through execute, the ids
shared across every eligible token, each working its share over its own HTTP session (split session), a
chunk that fails on its token falling back to the next, failed chunks retried at the end. Deleted and banned
users are flagged (`deactivated`), never dropped.

`pending-diff` is the people of the community's pending subscribers diff: fetched before the review, so it
shows names (a first sync's joiners are in no other list yet). It is not part of `all`.
"""

from __future__ import annotations

import functools
import operator
from array import array
from dataclasses import dataclass
from functools import partial

import peewee as pw

from vksync_tui.store.models import (
    Author,
    Interaction,
    Mailing,
    Membership,
    PendingDiff,
    PendingDiffItem,
    User,
)
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.errors import NoUsableToken, SyncInputError
from vksync_tui.sync.events import JobStarted, ProgressReporter
from vksync_tui.sync.recorded import ending_status, run_recorded
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.users_refresh import RefreshFigures, profile_tokens, refresh_users

LIST_NAME = "profiles"
SCOPES = ("subscribers", "interactions", "authors", "mailing", "all", "pending-diff")
DAY = 86_400


def scope_sources(scope: str, group_id: int, *, current_only: bool = True) -> list[pw.Select]:
    """One `SELECT user_id` per list of the scope (subscribers: current only unless `current_only=False`)."""
    members = Membership.community_id == group_id
    if current_only:
        members &= Membership.is_current == True  # noqa: E712 (peewee expression)
    sources = {
        "subscribers": Membership.select(Membership.user_id.alias("user_id")).where(members),
        "interactions": Interaction.select(Interaction.user_id.alias("user_id")).where(
            Interaction.community_id == group_id
        ),
        "authors": Author.select(Author.user_id.alias("user_id")).where(Author.community_id == group_id),
        "mailing": Mailing.select(Mailing.user_id.alias("user_id")).where(Mailing.community_id == group_id),
    }
    if scope == "all":
        return list(sources.values())
    if scope == "pending-diff":
        pending = PendingDiff.select(PendingDiff.run_id).where(PendingDiff.community_id == group_id)
        items = PendingDiffItem.select(PendingDiffItem.user_id.alias("user_id"))
        return [items.where(PendingDiffItem.run_id.in_(pending))]
    return [sources[scope]]


def refreshed_profiles(group_id: int) -> int:
    """Profiles fetched at least once, of every community: a user's profile is not a community's."""
    return User.select().where(User.refreshed_at.is_null(False)).count()


def users_to_refresh(
    group_id: int, scope: str, *, max_users: int | None = None, older_than: int | None = None
) -> array:
    """User ids of the scope, stalest first (see the module docstring); `older_than` is a unix cut-off."""
    ids = functools.reduce(operator.or_, scope_sources(scope, group_id)).alias("scope_ids")
    refreshed = User.refreshed_at
    query = (
        pw.Select(from_list=[ids], columns=[ids.c.user_id])
        .join(User, pw.JOIN.LEFT_OUTER, on=(User.id == ids.c.user_id))
        .order_by(refreshed.is_null(False), refreshed, ids.c.user_id)
    )
    if older_than is not None:
        query = query.where(refreshed.is_null() | (refreshed < older_than))
    if max_users is not None:
        query = query.limit(max_users)
    cursor = User._meta.database.execute(query)
    return array("q", (user_id for (user_id,) in cursor))


def sync_profiles(
    ctx: SyncContext,
    group_id: int,
    *,
    scope: str = "all",
    max_users: int | None = None,
    older_than_days: float | None = None,
) -> RunSummary:
    """Refresh the stored profiles of one community's users (see the module docstring); records a SyncRun."""
    if scope not in SCOPES:
        raise SyncInputError(f"unknown scope {scope!r} (known: {', '.join(SCOPES)})")
    if max_users is not None and max_users < 1:
        raise SyncInputError(f"--max must be at least 1, got {max_users}")
    if older_than_days is not None and older_than_days < 0:
        raise SyncInputError(f"--older-than must not be negative, got {older_than_days}")
    tokens = profile_tokens(ctx)
    if not tokens:
        raise NoUsableToken("no usable token for users.get: add an enabled user or community token")

    def body(reporter: ProgressReporter, summary: RunSummary, figures: ProfilesFigures) -> None:
        figures.scope = scope
        figures.tokens = [token.label for token in tokens]
        cutoff = None if older_than_days is None else ctx.now() - int(older_than_days * DAY)
        ids = ctx.write(partial(users_to_refresh, group_id, scope, max_users=max_users, older_than=cutoff))
        summary.expected = len(ids)
        reporter.emit(JobStarted(summary.run_id, LIST_NAME, group_id, len(ids), None))
        report, counts = refresh_users(ctx, reporter, ids, tokens, name=LIST_NAME)
        figures.refreshed(summary, report, counts)
        summary.extras["unanswered"] = counts.unanswered
        unfinished = len(report.failed) + len(report.rejected)
        ending_status(summary, report.cancelled or ctx.cancel.is_set(), unfinished, "chunk(s) of ids")

    return run_recorded(ctx, LIST_NAME, group_id, body, ProfilesFigures())


@dataclass
class ProfilesFigures(RefreshFigures):
    """The scope refreshed and the tokens that shared the refresh."""

    scope: str | None = None
    tokens: list[str] | None = None
