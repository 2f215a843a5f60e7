"""The authors details sync: profiles (name, photo, …) of the people the posts sync found as authors.

The author ids come from the `author` table, which the posts sync rebuilds from the stored posts after every
run; this list only fills their `User` rows, through the shared `users_refresh.refresh_users` (users.get with
1000 ids per call, batched through execute, fallback and retry phase from the engine). Authors with no post
left (the table is rebuilt) are not refreshed.
"""

from __future__ import annotations

from vksync_tui.store.models import Author
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.errors import NoUsableToken
from vksync_tui.sync.events import JobStarted, Notice, ProgressReporter
from vksync_tui.sync.recorded import ending_status, run_recorded
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.users_refresh import RefreshFigures, profile_tokens, refresh_users

LIST_NAME = "authors"


def author_ids(group_id: int) -> list[int]:
    query = Author.select(Author.user_id).where(Author.community_id == group_id).order_by(Author.user_id)
    return [user_id for (user_id,) in query.tuples()]


def stored_authors(group_id: int) -> int:
    return Author.select().where(Author.community_id == group_id).count()


def sync_authors(ctx: SyncContext, group_id: int) -> RunSummary:
    """Refresh the profiles of the community's authors; records a SyncRun, returns its summary."""
    tokens = profile_tokens(ctx)
    if not tokens:
        raise NoUsableToken("no usable token for users.get: add an enabled user or community token")

    def body(reporter: ProgressReporter, summary: RunSummary, figures: RefreshFigures) -> None:
        ids = author_ids(group_id)
        summary.expected = len(ids)
        reporter.emit(JobStarted(summary.run_id, LIST_NAME, group_id, len(ids), None))
        if not ids:
            reporter.emit(Notice("warning", "no authors stored for this community: run the posts sync first"))
        report, counts = refresh_users(ctx, reporter, ids, tokens, name=LIST_NAME)
        figures.refreshed(summary, report, counts, "users")
        unfinished = len(report.failed) + len(report.rejected)
        ending_status(summary, report.cancelled or ctx.cancel.is_set(), unfinished, "chunk(s) of author ids")

    return run_recorded(ctx, LIST_NAME, group_id, body, RefreshFigures())
