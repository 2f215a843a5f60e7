"""The posts sync: every post of a community wall with its counters, and the authors collected on the fly.

Full pass (`full=True`, or the first sync of a wall):
1. recon — `wall.get(offset=0, count=100)`, on any token (the admin check starts once it is answered and
   runs beside the pass): the post count, the first page (stored like any other), and the size in bytes of
   its stored fields, which sets how many pages go into one `execute` (as many as fit `RESPONSE_BUDGET`, at
   most 25 — 115 KB of fields per page gives 16 pages = 1600 posts per request).
2. fetch — `wall.get` pages of 100, overlapping by `PAGE_OVERLAP`, batched and fetched in parallel by the
   engine (fallback, failed chunks retried sequentially at the end; an empty page before `count` is a
   failure). Inside execute each page comes back as the columns of `POST_PROJECTION` (VKScript `@.`), not
   as VK's whole post objects. The pinned post comes first on page 0 only, out of date order: it is
   stored, but left out of the order check and the coverage proof, and page 0 then counts as one post
   shorter. New posts appearing mid-sync shift later offsets up: duplicates are harmless (rows are upserted
   by post id) and a full last page or a grown `count` adds pages; deleted posts shift offsets down, which
   `Coverage` (on negated ids: the feed is newest first) finds and bridges like the subscribers sync does.
3. head — the newest pages again, until a page reaches a post fetched before AND posts older than the head
   horizon: this catches posts published during the pass and re-reads the last day's posts with an admin
   token, the only kind VK shows `created_by` to (and only for 24 h). The pages the horizon is expected to
   need (from the stored posts' dates, plus one) go out together in one `execute`, not one round trip after
   the other on the few admin tokens; more follow, a group at a time, if the head turns out longer.
4. authors — recomputed from the posts table in SQL, so the table always agrees with the stored posts.
   A complete full pass also removes posts that are gone from the wall (with their interactions).

Incremental (default once the wall has posts stored): only step 3, with the known posts taken from the
database and a horizon of `refresh_days` (counters of recent posts still move), repeated while the wall's
post count moved during the scan (posts published meanwhile). Time horizons are measured from the newest
post's date (or now, if earlier), so a host clock that disagrees with VK's never makes the scan walk the
whole wall.

Authors rule: `post_author_data.author`, else `signer_id`, else `created_by`, else a positive `from_id`. As
`created_by` disappears from VK's answers after 24 h, a stored `created_by`/author is kept when a later answer
lacks it.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from array import array
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import peewee as pw

from vksync_tui.store.bulk import InList, chunks, execute_many, upsert_sql
from vksync_tui.store.models import Author, Interaction, Post, database_proxy
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.coverage import Coverage
from vksync_tui.sync.engine import Chunk, FetchJob, FetchReport
from vksync_tui.sync.events import JobStarted, Notice, ProgressReporter
from vksync_tui.sync.paging import BridgedFigures, OffsetPlan, bridge_gaps, page_items
from vksync_tui.sync.recorded import ListRun, ending_status, run_recorded
from vksync_tui.sync.row_buffer import Row, RowBuffer
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.single_call import fetch_one
from vksync_tui.sync.users_refresh import ensure_users
from vksync_tui.sync.wall_access import RESPONSE_BUDGET, admin_levels, wall_tokens
from vksync_tui.vk.errors import TransientError, VkError
from vksync_tui.vk.execute import MAX_CALLS_PER_EXECUTE, ApiCall, Projection, projected
from vksync_tui.vk.tokens import PooledToken

LIST_NAME = "posts"
PAGE_SIZE = 100  # wall.get's maximum `count`
PAGE_OVERLAP = 2  # adjacent pages share posts, so the coverage proof sees no hole between them
DEFAULT_REFRESH_DAYS = 3.0
CREATED_BY_SECONDS = 86_400  # VK shows `created_by` to admins for posts younger than a day
SIZE_MARGIN = 1.3  # pages further down can be larger than page 0 (longer posts)
MAX_HEAD_ROUNDS = 4
ROWS_PER_WRITE = 3200  # posts per writer job: about two executes' worth (see PostStore)
HEAD_PAGES_PER_EXECUTE = 8  # ~1.4 MB of average pages, inside RESPONSE_BUDGET (error 13 halves it anyway)
DAY = 86_400

# What a wall.get page brings back: the post fields a `Post` row is made of, as columns inside execute (the
# attachments, reactions' details and the rest of VK's post object are never stored: a third of the bytes,
# and two thirds of the parsing, of a page). `WallPage` reads the first three by position.
POST_PROJECTION = Projection(
    ("id", "date", "is_pinned", "from_id", "signer_id", "created_by", "post_author_data.author", "text",
     "likes.count", "comments.count", "reposts.count", "views.count"),
    array="items",
    keep=("count",),
)

POST_FIELDS = (
    Post.community_id, Post.post_id, Post.from_id, Post.signer_id, Post.created_by, Post.author_id,
    Post.date, Post.text, Post.is_pinned, Post.likes, Post.comments, Post.reposts, Post.views,
    Post.fetched_at,
)
AUTHOR_COLUMN = [field.name for field in POST_FIELDS].index("author_id")  # by name: see PostStore
# An incremental pass that touched more authors recounts the whole table: one GROUP BY over the wall's posts
# then costs less than IN lists of thousands of ids.
TOUCHED_AUTHORS_MAX = 500


@dataclass
class PostsFigures(BridgedFigures):
    """`mode` full or incremental; a full pass's recon page size in bytes and the pages per execute it
    sets; new posts each head scan found; posts gone from the wall that a complete pass deleted."""

    mode: str | None = None
    page_bytes: int | None = None
    pages_per_execute: int | None = None
    head_new: list[int] = field(default_factory=list)
    deleted_posts: int | None = None


def sync_posts(
    ctx: SyncContext, group_id: int, *, full: bool = False, refresh_days: float = DEFAULT_REFRESH_DAYS
) -> RunSummary:
    """Sync the wall of `group_id` (see the module docstring); records a SyncRun, returns its summary."""
    tokens = wall_tokens(ctx, group_id, LIST_NAME)
    if refresh_days < 0:
        raise ValueError("refresh_days must not be negative")

    def body(reporter: ProgressReporter, summary: RunSummary, figures: PostsFigures) -> None:
        _PostsRun(ctx, reporter, tokens, summary, figures).execute(full, refresh_days)

    return run_recorded(ctx, LIST_NAME, group_id, body, PostsFigures())


class PostStore:
    """Turns wall.get pages into post rows (writer jobs) and remembers which post ids this run has seen.

    Rows go to the writer `ROWS_PER_WRITE` at a time through a `RowBuffer` (see there why). Nothing waits on a
    page being stored before the pass ends (posts have no resume checkpoint: an interrupted pass starts
    over), so holding rows back loses nothing."""

    def __init__(self, ctx: SyncContext, group_id: int) -> None:
        self.ctx = ctx
        self.group_id = group_id
        # Authors of the posts written, as stored before and as written: kept only while `track_authors`
        # (an incremental pass); grown by the writer thread, read after `ctx.writer.flush()`.
        self.track_authors = False
        self.touched_authors: set[int] = set()
        self.seen: set[int] = set()
        self.dates = array("q")  # of every post taken this run (duplicates harmless): the head estimate
        self.count: int | None = None
        self._lock = threading.Lock()
        self._rows = RowBuffer(ctx.writer, self._write, ROWS_PER_WRITE)
        # By name: a peewee field's `==` builds an SQL expression (always truthy), so `field in (…)` would
        # match every field and leave the update list empty — counters and text would never be refreshed.
        kept_or_keyed = {"community_id", "post_id", "created_by", "author_id"}
        preserve = [field for field in POST_FIELDS if field.name not in kept_or_keyed]
        keep_known = {
            Post.created_by: pw.fn.COALESCE(pw.EXCLUDED.created_by, Post.created_by),
            Post.author_id: pw.fn.COALESCE(pw.EXCLUDED.author_id, Post.author_id),
        }
        self._sql = upsert_sql(Post, POST_FIELDS, [Post.community_id, Post.post_id], preserve, keep_known)

    def take(self, chunk: Chunk, value: Any) -> WallPage:
        """Check and store one page; returns it parsed. TransientError (→ retry) for a malformed answer."""
        page = WallPage.parse(chunk, value)
        now = self.ctx.now()
        rows = [_post_row(self.group_id, post, now) for post in page.posts]
        with self._lock:
            self.seen.update(page.ids)
            self.dates.extend(page.dates)
            self.count = page.count
        # The pinned post's page goes at once: other posts are unpinned after its rows are stored.
        self._rows.add(rows, hand_over=page.pinned is not None)
        if page.pinned is not None:
            self.ctx.writer.submit(partial(_unpin_others, self.group_id, page.pinned))
        return page

    def flush(self) -> None:
        """Hand the writer the rows still held back (then `ctx.writer.flush()` waits for them)."""
        self._rows.flush()

    def _write(self, rows: list[Row]) -> None:
        """A writer job: upsert `rows`, first noting the authors they had and will have when tracking."""
        if self.track_authors:
            authors = [row[AUTHOR_COLUMN] for row in rows]
            for some in chunks([row[1] for row in rows]):
                stored = self.ctx.db.execute(stored_authors(self.group_id, some))
                authors.extend(author for (author,) in stored)
            self.touched_authors.update(author for author in authors if author is not None)
        execute_many(self.ctx.db, self._sql, rows)


class WallPage:
    """One parsed wall.get answer: `posts` = one tuple of `POST_PROJECTION` fields per post, `ids` all its
    post ids, `ordered` the ids of the non-pinned posts (newest first, checked)."""

    def __init__(self, offset: int, count: int, posts: list[tuple[Any, ...]]) -> None:
        self.offset = offset
        self.count = count
        self.posts = posts
        self.ids = [post[0] for post in posts]
        self.pinned = next((post[0] for post in posts if post[2]), None)
        self.ordered = [post[0] for post in posts if not post[2]]
        self.dates = [post[1] for post in posts if not post[2]]

    @classmethod
    def parse(cls, chunk: Chunk, value: Any) -> WallPage:
        answer = projected(chunk.call, value)
        count = answer.kept.get("count")
        if not isinstance(count, int):  # (misaligned columns never get here: the engine asks again whole)
            raise TransientError("wall.get answer without count")
        posts = list(zip(*answer.columns, strict=True))
        if any(type(post[0]) is not int or type(post[1]) is not int for post in posts):
            raise TransientError("wall.get items are not posts")
        offset = chunk.int_param("offset")
        page = cls(offset, count, posts)
        if any(later >= earlier for earlier, later in itertools.pairwise(page.ordered)):
            raise TransientError("wall.get page is not newest first")
        if not posts and offset < page.count:
            raise TransientError(f"wall.get returned an empty page at offset {offset} of {page.count}")
        return page

    @property
    def requested(self) -> int:
        """How many non-pinned posts a page that did not reach the end would hold."""
        return PAGE_SIZE - (len(self.posts) - len(self.ordered))

    @property
    def full(self) -> bool:
        return len(self.posts) >= PAGE_SIZE


def wall_chunk(group_id: int, offset: int, kind: str = "page") -> Chunk:
    params = {"owner_id": -group_id, "offset": offset, "count": PAGE_SIZE}
    return Chunk(f"{kind}@{offset}", ApiCall("wall.get", params, POST_PROJECTION))


class WallPages:
    """Plans the full pass's pages and proves, with `Coverage` on negated ids, that none was skipped."""

    def __init__(self, store: PostStore) -> None:
        self.store = store
        self.offsets = OffsetPlan(PAGE_SIZE - PAGE_OVERLAP)
        self.coverage = Coverage(PAGE_OVERLAP)

    def add(self, page: WallPage) -> None:
        self.coverage.add_page(page.offset, page.requested, [-post_id for post_id in page.ordered])

    def plan_until(self, end_index: int) -> list[Chunk]:
        return [wall_chunk(self.store.group_id, offset) for offset in self.offsets.until(end_index)]

    def on_result(self, chunk: Chunk, value: Any) -> list[Chunk]:
        page = self.store.take(chunk, value)
        self.add(page)
        # New posts: VK's count grew past the plan, or the last planned page came back full.
        end = page.count if not page.full else max(page.count, page.offset + len(page.posts) + 1)
        return self.plan_until(end)


class HeadScan:
    """Newest pages until a page holds a known post and reaches past the horizon.

    The horizon is `window` seconds before the newest post's date (or before `now`, if that is earlier),
    set from page 0. `expected_pages` (an estimate from the stored posts) go out at once; when the last
    planned page still asks for more, the next group of pages is planned behind it.
    """

    def __init__(
        self, store: PostStore, known: Callable[[], Collection[int]], window: float, now: int,
        expected_pages: int,
    ) -> None:
        self.store = store
        self.known = known
        self.window = window
        self.now = now
        self.horizon: int | None = None
        self.new_posts = 0
        self.counts: set[int] = set()
        self.offsets = OffsetPlan(PAGE_SIZE - PAGE_OVERLAP)
        self.group = max(1, expected_pages)
        self.finished = False
        self._lock = threading.Lock()

    @property
    def count_moved(self) -> bool:
        """The wall's post count changed between the scan's answers: posts came or went meanwhile."""
        return len(self.counts) > 1

    def plan(self) -> list[Chunk]:
        return [wall_chunk(self.store.group_id, offset, "head") for offset in self.offsets.more(self.group)]

    def on_result(self, chunk: Chunk, value: Any) -> list[Chunk]:
        known = self.known()  # before `take`: no row of this run may reach the store while it is being read
        page = self.store.take(chunk, value)
        with self._lock:
            self.counts.add(page.count)
            if page.offset == 0 and self.window > 0 and page.dates:
                self.horizon = int(min(self.now, max(page.dates)) - self.window)
            self.new_posts += sum(1 for post_id in page.ids if post_id not in known)
            reached_known = any(post_id in known for post_id in page.ordered)
            past_horizon = self.horizon is None or (bool(page.dates) and min(page.dates) < self.horizon)
            if not page.full or (reached_known and past_horizon):
                self.finished = True
            if self.finished or page.offset + self.offsets.step < self.offsets.end:
                return []
        return self.plan()


class _PostsRun(ListRun[PostsFigures]):
    def __init__(
        self,
        ctx: SyncContext,
        reporter: ProgressReporter,
        tokens: list[PooledToken],
        summary: RunSummary,
        figures: PostsFigures,
    ) -> None:
        super().__init__(ctx, reporter, tokens, summary, figures)
        self.store = PostStore(ctx, self.group_id)
        self.head_tokens = tokens

    def execute(self, full: bool, refresh_days: float) -> None:
        mode = "incremental" if not full and has_stored_posts(self.group_id) else "full"
        self.figures.mode = mode
        self.reporter.emit(JobStarted(self.summary.run_id, LIST_NAME, self.group_id, None, None))
        if mode == "full":
            # The admin check (one probe per token whose level is not stored) comes after the pages: only
            # the head scan needs its answer, and on a wall of more than a few pages the pages take every
            # request the tokens' first window allows — probes sent beside them pushed the last pages into
            # the next window (1.1 s later), where the probes and the head scan now go.
            complete = self.full_pass()
            admins = self.admin_tokens()
            self.store.flush()  # the writer stores the last pages while the head scan is out
            self.head_rounds(_given(set(self.store.seen)), CREATED_BY_SECONDS if admins else 0)
        else:
            complete = False
            self.store.track_authors = True
            known = StoredPostIds(self.group_id)  # read while the first head request is out
            admins = self.admin_tokens()
            self.head_rounds(known.get, max(refresh_days * DAY, CREATED_BY_SECONDS if admins else 0))
        self.store.flush()
        self.ctx.writer.flush()
        if self.ctx.cancel.is_set():
            ending_status(self.summary, True, 0, "")
            return
        deleted = self.ctx.write(partial(_drop_vanished, self.group_id, self.store.seen)) if complete else 0
        touched = self.store.touched_authors if self.store.track_authors else None
        if touched is not None and len(touched) > TOUCHED_AUTHORS_MAX:
            touched = None
        authors = self.ctx.write(partial(recompute_authors, self.group_id, touched))
        self.summary.expected = self.store.count
        self.summary.fetched = len(self.store.seen)
        self.figures.deleted_posts = deleted
        self.summary.extras.update({"mode": mode, "authors": authors, "deleted_posts": deleted,
                                    "stored_posts": stored_post_count(self.group_id)})
        unfinished = len(self.summary.failed_chunks) + self.figures.unclosed_gaps
        ending_status(self.summary, False, unfinished, "wall page(s) or gap(s)")

    def admin_tokens(self) -> list[PooledToken]:
        """Tokens with a manager level in the community (they see `created_by`): the head scan's tokens."""
        levels = admin_levels(self.ctx, self.engine, self.group_id, self.tokens, self.summary)
        admins = [token for token in self.tokens if levels.get(token.label, 0) > 0]
        self.head_tokens = admins or self.tokens
        if not admins:
            self.reporter.emit(Notice(
                "warning",
                "no admin token for this community: VK hides `created_by`, so authors of unsigned posts of "
                "the last day are not known",
            ))
        return admins

    def recon(self) -> WallPage | None:
        recon = fetch_one(self.engine, wall_chunk(self.group_id, 0, "recon"), self.tokens, job="posts-recon",
                          phase="posts-recon", parse=self.store.take)
        self.figures.absorb(self.summary, recon.report, "recon")
        refused = recon.report.rejected
        if refused:
            raise VkError(f"VK refused the wall of community {self.group_id}: {refused[0].error}")
        page: WallPage | None = recon.value
        return page

    def full_pass(self) -> bool:
        """Recon, every page, bridges; True when the coverage proof is complete and no chunk was lost."""
        first = self.recon()
        if first is None:
            return False
        pages = WallPages(self.store)
        pages.add(first)
        pages.plan_until(1)  # page 0 is in
        self.figures.page_bytes = len(json.dumps(first.posts, ensure_ascii=False).encode())
        page_bytes = max(1, self.figures.page_bytes) * SIZE_MARGIN
        batch = max(1, min(MAX_CALLS_PER_EXECUTE, math.floor(RESPONSE_BUDGET / page_bytes)))
        self.figures.pages_per_execute = batch
        report = self.engine.run(self._job("posts", pages.plan_until(first.count), pages.on_result, batch))
        self.figures.absorb(self.summary, report, "fetch")

        def bridge(offsets: list[int]) -> FetchReport:
            chunks = [wall_chunk(self.group_id, offset, "bridge") for offset in offsets]
            report = self.engine.run(self._job("posts-bridge", chunks, pages.on_result, batch))
            self.figures.absorb(self.summary, report, "bridge")
            return report

        bridging = bridge_gaps(pages.coverage, report, bridge, self.ctx.cancel, self.reporter, "the wall")
        self.figures.bridged(pages.coverage, bridging)
        return not bridging.unclosed and not self.summary.failed_chunks and not self.ctx.cancel.is_set()

    def head_rounds(self, known: Callable[[], Collection[int]], window: float) -> None:
        """Head scans until one ends with the wall's post count unchanged (nothing published meanwhile).

        `known` gives the posts stored before the scan; the first scan's pages wait for it (see HeadScan)."""
        for round_number in range(1, MAX_HEAD_ROUNDS + 1):
            if self.ctx.cancel.is_set():
                return
            round_window = window if round_number == 1 else 0
            pages = self.expected_head_pages(round_window)
            scan = HeadScan(self.store, known, round_window, self.ctx.now(), pages)
            batch = min(HEAD_PAGES_PER_EXECUTE, pages)
            # The admin token that may send soonest first (a one-request job starts on its first token):
            # after the full pass every token has just sent, and the first in pool order may be 0.37 s away.
            tokens = sorted(self.head_tokens, key=lambda token: token.next_free)
            job = self._job("posts-head", scan.plan(), scan.on_result, batch, tokens)
            report = self.engine.run(job)
            self.store.flush()
            self.figures.absorb(self.summary, report, "head")
            self.figures.head_new.append(scan.new_posts)
            if scan.new_posts == 0 or report.failed or not scan.count_moved:
                return
            known = _given(set(known()) | self.store.seen)

    def expected_head_pages(self, window: float) -> int:
        """From the posts this run fetched when it fetched any (a full pass: no wait for the writer to store
        them), else from the stored ones."""
        if window <= 0:
            return 1
        dates = self.store.dates
        if dates:
            newest = max(dates)
            return head_pages_for(sum(1 for date in dates if date >= newest - window))
        return head_pages_for(recent_stored_posts(self.ctx, self.group_id, window))

    def _job(
        self,
        name: str,
        chunks: list[Chunk],
        on_result: Callable[[Chunk, Any], Iterable[Chunk] | None],
        batch: int,
        tokens: list[PooledToken] | None = None,
    ) -> FetchJob:
        return FetchJob(
            name,
            chunks,
            tokens or self.tokens,
            on_result,
            total_chunks=len(chunks),
            count_items=page_items,
            batch_size=batch,
            phase=name,
        )


def post_author(author: Any, signer_id: Any, created_by: Any, from_id: Any) -> int | None:
    """The authors rule (module docstring; `author` is `post_author_data.author`); None for a post
    published as the community, unsigned."""
    for candidate in (author, signer_id, created_by, from_id):
        if type(candidate) is int and candidate > 0:
            return candidate
    return None


def _post_row(group_id: int, post: tuple[Any, ...], now: int) -> tuple[Any, ...]:
    """A `POST_FIELDS` row from one post's `POST_PROJECTION` fields."""
    post_id, date, pinned, from_id, signer, created_by, author, text, likes, comments, reposts, views = post
    return (
        group_id, post_id, from_id, signer, created_by,
        post_author(author, signer, created_by, from_id), date, text if type(text) is str else "",
        bool(pinned), _count(likes), _count(comments), _count(reposts), _count(views), now,
    )


def _count(value: Any) -> int:
    return value if type(value) is int else 0


def _unpin_others(group_id: int, pinned: int) -> None:
    Post.update(is_pinned=False).where(
        (Post.community_id == group_id) & (Post.is_pinned == True) & (Post.post_id != pinned)  # noqa: E712
    ).execute()


def recompute_authors(group_id: int, touched: Collection[int] | None = None) -> int:
    """A writer job: the community's authors table made equal to what its posts say; new authors become User
    rows. Rows whose counts and dates did not change are not written (a daily sync changes a few authors of
    thousands; rewriting them all, with the table's three sort indexes, cost ~25 ms at 5,000 authors).

    `touched`: the only authors whose rows can have changed — an incremental pass writes a few hundred posts
    and deletes none, so only their authors, before and after, need recounting (`PostStore.touched_authors`)
    instead of every post of the wall (~50 ms at 20,000 posts, seconds at a million). None: all of them.
    Returns the community's author count."""
    if touched is not None and not touched:
        return Author.select().where(Author.community_id == group_id).count()
    scope = Post.author_id.is_null(False) if touched is None else Post.author_id.in_(InList(sorted(touched)))
    per_author = (
        Post.select(Post.community_id, Post.author_id, pw.fn.COUNT(pw.SQL("*")), pw.fn.MIN(Post.date),
                    pw.fn.MAX(Post.date))
        .where((Post.community_id == group_id) & scope)
        .group_by(Post.community_id, Post.author_id)
    )
    changed = (
        (Author.posts_count != pw.EXCLUDED.posts_count)
        | (Author.first_post_at.is_null() | (Author.first_post_at != pw.EXCLUDED.first_post_at))
        | (Author.last_post_at.is_null() | (Author.last_post_at != pw.EXCLUDED.last_post_at))
    )
    Author.insert_from(
        per_author, [Author.community_id, Author.user_id, Author.posts_count, Author.first_post_at,
                     Author.last_post_at]
    ).on_conflict(
        conflict_target=[Author.community_id, Author.user_id],
        preserve=[Author.posts_count, Author.first_post_at, Author.last_post_at],
        where=changed,
    ).execute()
    still_posting = Post.select(Post.author_id).where((Post.community_id == group_id) & scope)
    in_table = Author.community_id == group_id
    if touched is not None:
        in_table &= Author.user_id.in_(InList(sorted(touched)))
    Author.delete().where(in_table & Author.user_id.not_in(still_posting)).execute()
    authors = Author.select(Author.user_id).where(in_table)
    ensure_users(Author._meta.database.execute(authors).fetchall())  # the driver's rows: no peewee wrapping
    return Author.select().where(Author.community_id == group_id).count()


def _drop_vanished(group_id: int, seen: set[int]) -> int:
    """A writer job after a complete full pass: posts no longer on the wall go, with their interactions."""
    stored = stored_post_ids(group_id)
    gone = sorted(stored - seen)
    for chunk in chunks(gone):
        Post.delete().where((Post.community_id == group_id) & Post.post_id.in_(InList(chunk))).execute()
        gone_interactions = (Interaction.community_id == group_id) & Interaction.post_id.in_(InList(chunk))
        Interaction.delete().where(gone_interactions).execute()
    return len(gone)


def stored_authors(group_id: int, post_ids: Sequence[int]) -> pw.Select:
    """The stored `author_id` (NULL included) of these posts: one primary-key lookup per id.

    No `author_id IS NOT NULL` filter: with it SQLite picks the author index and walks every authored post
    of the wall (25 ms per 500 ids at 20,000 posts, 146 ms at 200,000) instead of 500 key lookups (~1.5 ms
    at both)."""
    in_wall = Post.community_id == group_id
    return Post.select(Post.author_id).where(in_wall & Post.post_id.in_(InList(post_ids)))


def _given(ids: Collection[int]) -> Callable[[], Collection[int]]:
    return lambda: ids


def has_stored_posts(group_id: int) -> bool:
    return Post.select().where(Post.community_id == group_id).exists()


class StoredPostIds:
    """The ids of a wall's stored posts, read on a thread of its own: an incremental pass needs them only when
    its first head page is answered, and reading them (~18 ms for 20,000 posts, ~1 s for a million) then
    overlaps that request instead of delaying it. `get()` waits for the read."""

    def __init__(self, group_id: int) -> None:
        self._ids: Future[set[int]] = Future()
        threading.Thread(target=self._read, args=(group_id,), name="posts-stored-ids", daemon=True).start()

    def _read(self, group_id: int) -> None:
        try:
            self._ids.set_result(stored_post_ids(group_id))
        except BaseException as error:  # handed to the thread that waits in get()
            self._ids.set_exception(error)
        finally:
            database_proxy.close()  # this thread's connection

    def get(self) -> set[int]:
        return self._ids.result()


def stored_post_ids(group_id: int) -> set[int]:
    """Read through the driver's cursor: peewee's per-row wrapping took 0.07 s for 20,000 ids, the cursor
    0.02 s, and a full pass asks for them on its way to the summary."""
    query = Post.select(Post.post_id).where(Post.community_id == group_id)
    return {post_id for (post_id,) in Post._meta.database.execute(query)}


def head_pages_for(recent_posts: int) -> int:
    """Pages a head scan is expected to read for this many known posts inside its horizon: one more for
    posts published since, at most one execute's worth."""
    return min(HEAD_PAGES_PER_EXECUTE, math.ceil(recent_posts / (PAGE_SIZE - PAGE_OVERLAP)) + 1)


def recent_stored_posts(ctx: SyncContext, group_id: int, window: float) -> int:
    """Stored posts within `window` of the newest stored post (the writer flushed first)."""
    ctx.writer.flush()
    newest = Post.select(pw.fn.MAX(Post.date)).where(Post.community_id == group_id).scalar()
    if newest is None:
        return 0
    return Post.select().where((Post.community_id == group_id) & (Post.date >= newest - window)).count()


def stored_post_count(group_id: int) -> int:
    return Post.select().where(Post.community_id == group_id).count()

