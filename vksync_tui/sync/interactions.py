"""The interactions sync: who liked, commented on and reposted the community's stored posts.

Which posts: the stored ones (run the posts sync first), newest first — all of them, the newest `posts`, or
those published `since` a date. Which tokens: user tokens only (community tokens get error 27 on these
methods); reposts (`wall.getReposts`) only with tokens whose admin level in the community is 3 (see
`wall_access.admin_levels`). Without such a token reposts are skipped with a warning (a `Notice` and
`reposts_skipped` in the summary) and the stored reposts are left as they were.

Two phases in one engine job:
- fast scan: per post `likes.getList(count=1000)`, `wall.getReposts(count=1000)` and
  `wall.getComments(count=100, thread_items_count=10)`; the engine puts the calls of `group_posts` posts
  (default 5) into one `execute`.
- deep scan: what an answer shows to be larger than its page becomes follow-up calls in the same job
  (likes 1000 per page up to the answer's `count`; top-level comments 100 per page up to
  `current_level_count`; every reply thread longer than what came inline, 100 per page via `comment_id`;
  reposts 1000 per page: the pages the post's stored `reposts` counter asks for are planned at once, and
  while the last planned page comes back full the next one follows, as `wall.getReposts` has no `count`).
  Failed calls go through the engine's retry phase like any other.
Reposts are projected (`vk.execute.Projection`): only each repost's `owner_id` and `date` come back from an
execute, ~25 bytes instead of a whole post object repeating the original's text, so 25 pages fit one execute
where a whole page (1-4 MB) used to go alone. Each call carries an estimate of its answer's size (from the
post's stored counters), and the job's `batch_budget` keeps an execute answer under VK's size cap; a call
bigger than the budget goes alone, as a plain call without that cap.

Storing: a post's interactions are collected until every call of that post is answered, then replace the
stored ones of the scanned kinds in one writer job (delete + insert, one transaction) — so re-runs do not
duplicate and withdrawn likes disappear. A post with a call that never succeeded keeps its old rows.
Likes by communities and comments written as the community are not users' interactions and are skipped.
Every user met gets a `User` row (a candidate for the profile refresh).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Any

import peewee as pw

from vksync_tui.store.bulk import execute_many, insert_ignore_sql
from vksync_tui.store.models import Interaction, Post
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.engine import Chunk, FetchJob, FetchReport
from vksync_tui.sync.errors import SyncInputError
from vksync_tui.sync.events import JobStarted, Notice, ProgressReporter
from vksync_tui.sync.figures import RunFigures
from vksync_tui.sync.paging import page_items
from vksync_tui.sync.recorded import ListRun, ending_status, run_recorded
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.together import run_together
from vksync_tui.sync.users_refresh import ensure_users
from vksync_tui.sync.wall_access import RESPONSE_BUDGET, admin_levels, wall_tokens
from vksync_tui.vk.errors import TransientError, VkApiError
from vksync_tui.vk.execute import MAX_CALLS_PER_EXECUTE, ApiCall, Projection, projected
from vksync_tui.vk.tokens import PooledToken

LIST_NAME = "interactions"
LIKES_PAGE = 1000  # likes.getList's maximum `count`
REPOSTS_PAGE = 1000  # wall.getReposts' maximum `count`
COMMENTS_PAGE = 100  # wall.getComments' maximum `count`
THREAD_INLINE = 10  # wall.getComments' maximum `thread_items_count`
DEFAULT_GROUP_POSTS = 5
REPOST_ADMIN_LEVEL = 3
# What the sync stores of a repost: who reposted, and when.
REPOST_PROJECTION = Projection(("owner_id", "date"), array="items")
# Answer size estimates (bytes): a like id; a comment object; a projected repost (an owner id and a date,
# at most 11 + 10 characters with separators); a fixed envelope.
LIKE_BYTES = 12
COMMENT_BYTES = 600
REPOST_BYTES = 24
ENVELOPE_BYTES = 200
KINDS = ("like", "comment", "repost")


@dataclass(frozen=True)
class PostInfo:
    """What the store knows about a post before the scan: its counters size the first calls."""

    post_id: int
    likes: int
    comments: int
    reposts: int
    text_chars: int


def sync_interactions(
    ctx: SyncContext,
    group_id: int,
    *,
    posts: int | None = None,
    since: str | int | None = None,
    group_posts: int = DEFAULT_GROUP_POSTS,
) -> RunSummary:
    """Scan the likes, comments and reposts of the stored posts (module docstring); records a SyncRun."""
    tokens = wall_tokens(ctx, group_id, LIST_NAME)
    if posts is not None and posts < 1:
        raise SyncInputError(f"--posts must be at least 1, got {posts}")
    since_unix = parse_since(since)
    max_group = MAX_CALLS_PER_EXECUTE // len(KINDS)
    if not 1 <= group_posts <= max_group:
        raise SyncInputError(f"posts per execute must be 1..{max_group} (25 calls each), got {group_posts}")

    def body(reporter: ProgressReporter, summary: RunSummary, figures: InteractionsFigures) -> None:
        run = _InteractionsRun(ctx, reporter, tokens, summary, figures)
        run.execute(select_posts(group_id, posts, since_unix), group_posts)

    return run_recorded(ctx, LIST_NAME, group_id, body, InteractionsFigures())


@dataclass
class InteractionsFigures(RunFigures):
    """The tokens that scanned reposts (admin level 3; none: reposts were skipped)."""

    repost_tokens: list[str] | None = None


def stored_interactions(group_id: int) -> int:
    return Interaction.select().where(Interaction.community_id == group_id).count()


def parse_since(since: str | int | None) -> int | None:
    """`--since`: unix seconds, or an ISO date / date-time (UTC unless it names a zone)."""
    if since is None or isinstance(since, int):
        return since
    text = since.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SyncInputError(f"--since must be a date (2025-01-31) or unix seconds, not {since!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def select_posts(group_id: int, limit: int | None, since: int | None) -> list[PostInfo]:
    query = (
        Post.select(Post.post_id, Post.likes, Post.comments, Post.reposts, Post.text)
        .where(Post.community_id == group_id)
        .order_by(Post.date.desc(), Post.post_id.desc())
    )
    if since is not None:
        query = query.where(Post.date >= since)
    if limit is not None:
        query = query.limit(limit)
    return [
        PostInfo(post_id, likes or 0, comments or 0, reposts or 0, len(text or ""))
        for post_id, likes, comments, reposts, text in query.tuples().iterator()
    ]


@dataclass
class _PostScan:
    """One post's scan in progress: calls still out, what they found so far, kinds that cannot be trusted."""

    info: PostInfo
    kinds: tuple[str, ...]
    pending: int = 0
    # (kind, user id, comment id) → date: distinct interactions, whatever page overlaps bring twice
    found: dict[tuple[str, int, int], int | None] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    likes_planned: int = LIKES_PAGE
    reposts_planned: int = REPOSTS_PAGE
    top_planned: int = COMMENTS_PAGE
    deep: bool = False


class InteractionScan:
    """Plans the calls, parses the answers, and hands each finished post to the writer."""

    def __init__(self, ctx: SyncContext, group_id: int, kinds: tuple[str, ...]) -> None:
        self.ctx = ctx
        self.group_id = group_id
        self.kinds = kinds
        self.scans: dict[int, _PostScan] = {}
        self.stored: Counter[str] = Counter()
        self.done_posts = 0
        self.deep_posts = 0
        self._lock = threading.Lock()
        self._insert = insert_ignore_sql(
            Interaction,
            [Interaction.community_id, Interaction.post_id, Interaction.user_id, Interaction.kind,
             Interaction.comment_id, Interaction.date],
        )

    # -- planning -------------------------------------------------------------------------------------------

    def fast_chunks(self, posts: Sequence[PostInfo]) -> list[Chunk]:
        chunks: list[Chunk] = []
        for info in posts:
            self.scans[info.post_id] = _PostScan(info, self.kinds)
            planned = [chunk for kind in self.kinds for chunk in self._first_chunks(kind, info)]
            scan = self.scans[info.post_id]
            scan.pending = len(planned)
            if len(planned) > len(self.kinds):  # more than a first page planned: a deep scan from the start
                scan.deep = True
                self.deep_posts += 1
            chunks.extend(planned)
        return chunks

    def _first_chunks(self, kind: str, info: PostInfo) -> list[Chunk]:
        if kind == "like":
            return [self.likes_chunk(info, 0, min(info.likes, LIKES_PAGE))]
        if kind == "repost":
            offsets = range(0, max(info.reposts, 1), REPOSTS_PAGE)
            self.scans[info.post_id].reposts_planned = len(offsets) * REPOSTS_PAGE
            return [self.reposts_chunk(info, offset, min(REPOSTS_PAGE, info.reposts - offset))
                    for offset in offsets]
        return [self.comments_chunk(info, 0, min(info.comments, COMMENTS_PAGE * (1 + THREAD_INLINE)))]

    def likes_chunk(self, info: PostInfo, offset: int, expected: int) -> Chunk:
        params = {"type": "post", "owner_id": -self.group_id, "item_id": info.post_id, "filter": "likes",
                  "offset": offset, "count": LIKES_PAGE}
        cost = ENVELOPE_BYTES + expected * LIKE_BYTES
        return Chunk(f"like:{info.post_id}@{offset}", ApiCall("likes.getList", params), cost)

    def reposts_chunk(self, info: PostInfo, offset: int, expected: int) -> Chunk:
        params = {"owner_id": -self.group_id, "post_id": info.post_id, "offset": offset,
                  "count": REPOSTS_PAGE}
        cost = ENVELOPE_BYTES + max(expected, 0) * REPOST_BYTES
        call = ApiCall("wall.getReposts", params, REPOST_PROJECTION)
        return Chunk(f"repost:{info.post_id}@{offset}", call, cost)

    def comments_chunk(
        self, info: PostInfo, offset: int, expected: int, thread: int | None = None
    ) -> Chunk:
        params: dict[str, object] = {"owner_id": -self.group_id, "post_id": info.post_id, "offset": offset,
                                     "count": COMMENTS_PAGE, "sort": "asc", "preview_length": 1}
        if thread is None:
            params["thread_items_count"] = THREAD_INLINE
            key = f"comment:{info.post_id}@{offset}"
        else:
            params["comment_id"] = thread
            key = f"thread:{info.post_id}/{thread}@{offset}"
        cost = ENVELOPE_BYTES + expected * COMMENT_BYTES
        return Chunk(key, ApiCall("wall.getComments", params), cost)

    # -- answers --------------------------------------------------------------------------------------------

    def on_result(self, chunk: Chunk, value: Any) -> list[Chunk]:
        with self._lock:
            scan = self.scans[_post_of(chunk)]
        if chunk.call.method == "likes.getList":
            found, follow_ups = self._likes(scan, chunk, value)
        elif chunk.call.method == "wall.getReposts":
            found, follow_ups = self._reposts(scan, chunk, value)
        else:
            found, follow_ups = self._comments(scan, chunk, value)
        with self._lock:
            scan.found.update(found)
            scan.pending += len(follow_ups) - 1
            if follow_ups and not scan.deep:
                scan.deep = True
                self.deep_posts += 1
            finished = scan.pending == 0
        if finished:
            self._finish(scan)
        return follow_ups

    def on_rejected(self, chunk: Chunk, error: VkApiError) -> None:
        """VK refused a call for good (e.g. comments closed): that kind of that post is left as stored."""
        with self._lock:
            scan = self.scans[_post_of(chunk)]
            scan.broken.add(chunk.key.split(":", 1)[0].replace("thread", "comment"))
            scan.pending -= 1
            finished = scan.pending == 0
        if finished:
            self._finish(scan)

    def _likes(self, scan: _PostScan, chunk: Chunk, value: Any) -> tuple[dict[Any, Any], list[Chunk]]:
        if not isinstance(value, dict) or not isinstance(value.get("items"), list) or not isinstance(
            value.get("count"), int
        ):
            raise TransientError("likes.getList answer without items/count")
        found = {("like", uid, 0): None for uid in value["items"] if isinstance(uid, int) and uid > 0}
        count = value["count"]
        follow_ups = []
        with self._lock:
            while scan.likes_planned < count:
                offset = scan.likes_planned
                follow_ups.append(self.likes_chunk(scan.info, offset, min(LIKES_PAGE, count - offset)))
                scan.likes_planned += LIKES_PAGE
        return found, follow_ups

    def _reposts(self, scan: _PostScan, chunk: Chunk, value: Any) -> tuple[dict[Any, Any], list[Chunk]]:
        page = projected(chunk.call, value)  # aligned: the engine asks again whole for misaligned columns
        owners, dates = page.columns
        found = {
            ("repost", owner, 0): date
            for owner, date in zip(owners, dates, strict=True)
            if type(owner) is int and owner > 0
        }
        follow_ups = []
        if page.length >= REPOSTS_PAGE:
            offset = chunk.int_param("offset") + page.length
            with self._lock:
                if offset >= scan.reposts_planned:
                    remaining = max(scan.info.reposts - offset, 1)
                    follow_ups.append(self.reposts_chunk(scan.info, offset, min(REPOSTS_PAGE, remaining)))
                    scan.reposts_planned = offset + REPOSTS_PAGE
        return found, follow_ups

    def _comments(self, scan: _PostScan, chunk: Chunk, value: Any) -> tuple[dict[Any, Any], list[Chunk]]:
        if not isinstance(value, dict) or not isinstance(value.get("items"), list):
            raise TransientError("wall.getComments answer without items")
        found: dict[Any, Any] = {}
        follow_ups: list[Chunk] = []
        in_thread = "comment_id" in chunk.call.params
        for comment in value["items"]:
            if not isinstance(comment, dict):
                raise TransientError("wall.getComments items are not comments")
            _add_comment(found, comment)
            thread = comment.get("thread")
            if in_thread or not isinstance(thread, dict):
                continue
            inline = thread.get("items") or []
            for reply in inline:
                if isinstance(reply, dict):
                    _add_comment(found, reply)
            total = int(thread.get("count", 0) or 0)
            for start in range(len(inline), total, COMMENTS_PAGE):
                follow_ups.append(self.comments_chunk(scan.info, start, min(COMMENTS_PAGE, total - start),
                                                     thread=int(comment["id"])))
        if in_thread:  # every page of a thread was planned from its top comment's `thread.count`
            return found, follow_ups
        top_total = value.get("current_level_count", value.get("count"))
        if isinstance(top_total, int):
            with self._lock:
                while scan.top_planned < top_total:
                    start = scan.top_planned
                    expected = min(COMMENTS_PAGE, top_total - start) * (1 + THREAD_INLINE)
                    follow_ups.append(self.comments_chunk(scan.info, start, expected))
                    scan.top_planned += COMMENTS_PAGE
        return found, follow_ups

    # -- storing --------------------------------------------------------------------------------------------

    def _finish(self, scan: _PostScan) -> None:
        kinds = [kind for kind in scan.kinds if kind not in scan.broken]
        rows = [
            (self.group_id, scan.info.post_id, user_id, kind, comment_id, date)
            for (kind, user_id, comment_id), date in scan.found.items()
            if kind in kinds
        ]
        with self._lock:
            self.done_posts += 1
            self.stored.update(row[3] for row in rows)
            del self.scans[scan.info.post_id]
        self.ctx.writer.submit(partial(self._replace, scan.info.post_id, kinds, rows))

    def _replace(self, post_id: int, kinds: list[str], rows: list[tuple[Any, ...]]) -> None:
        """A writer job: the post's interactions of `kinds` become exactly `rows`."""
        self.ctx.db.execute_sql(_delete_kinds_sql(self.ctx.db, len(kinds)), [self.group_id, post_id, *kinds])
        if rows:
            execute_many(self.ctx.db, self._insert, rows)
            ensure_users((user_id,) for user_id in {row[2] for row in rows})

    def unfinished_posts(self) -> set[int]:
        """Posts with calls still out: with two scans running at once (likes+comments, reposts), a post is
        finished only when neither has it left, so the run counts the union, not the sum."""
        with self._lock:
            return set(self.scans)

    def posts_done(self) -> int:
        """The phase's progress gauge: posts whose every call of this scan is settled."""
        with self._lock:
            return self.done_posts


@lru_cache(maxsize=8)
def _delete_kinds_sql(database: pw.Database, kinds: int) -> str:
    """`DELETE` of one post's interactions of `kinds` kinds; parameters: community, post, the kinds.

    Rendered once (peewee takes ~0.1 ms to build it, and the writer runs it for every scanned post)."""
    query = Interaction.delete().where(
        (Interaction.community_id == 0) & (Interaction.post_id == 0) & Interaction.kind.in_(["like"] * kinds)
    )
    sql, _params = database.get_sql_context().sql(query).query()
    return str(sql)


def _post_of(chunk: Chunk) -> int:
    """The post a call is about (likes.getList names it `item_id`, the wall methods `post_id`)."""
    return chunk.int_param("item_id" if chunk.call.method == "likes.getList" else "post_id")


def _add_comment(found: dict[Any, Any], comment: dict[str, Any]) -> None:
    from_id = comment.get("from_id")
    comment_id = comment.get("id")
    by_user = isinstance(from_id, int) and from_id > 0 and not comment.get("deleted")
    if by_user and isinstance(comment_id, int):
        found[("comment", from_id, comment_id)] = comment.get("date")


class _InteractionsRun(ListRun[InteractionsFigures]):
    def execute(self, posts: list[PostInfo], group_posts: int) -> None:
        levels = admin_levels(self.ctx, self.engine, self.group_id, self.tokens, self.summary)
        repost_tokens = [token for token in self.tokens if levels.get(token.label, 0) >= REPOST_ADMIN_LEVEL]
        self.summary.expected = len(posts)
        self.summary.extras["reposts_skipped"] = not repost_tokens
        self.figures.repost_tokens = [token.label for token in repost_tokens]
        self.reporter.emit(JobStarted(self.summary.run_id, LIST_NAME, self.group_id, len(posts), None))
        if not repost_tokens:
            warning = ("reposts skipped: no user token with admin level 3 in this community "
                       "(wall.getReposts needs one); stored reposts were left as they were")
            dead = [token for token in self.tokens if token.state == "disabled"]
            unchecked = [f"{token.label} ({token.reason})" for token in dead]
            if unchecked:  # a dead token's admin level is unknown: it may be the admin the operator expected
                warning += "; could not check: " + ", ".join(unchecked)
            self.summary.extras["warning"] = warning
            self.reporter.emit(Notice("warning", warning))
        if not posts:
            self.reporter.emit(Notice("warning", "no stored posts to scan: run the posts sync first"))
        if repost_tokens and len(repost_tokens) == len(self.tokens):
            scans = [self._scan(KINDS, self.tokens, posts, len(KINDS) * group_posts)]
        else:
            parts: list[tuple[tuple[str, ...], list[PooledToken]]] = [
                (("like", "comment"), self._like_tokens(repost_tokens, len(posts)))
            ]
            if repost_tokens:
                parts.append((("repost",), repost_tokens))
            scans = self._concurrently(parts, posts)
        self.ctx.writer.flush()
        unfinished = len(set().union(*(scan.unfinished_posts() for scan in scans)))
        self.summary.fetched = len(posts) - unfinished
        stored: Counter[str] = Counter()
        for scan in scans:
            stored.update(scan.stored)
        self.summary.extras.update({f"{kind}s": stored[kind] for kind in KINDS})
        self.summary.extras["deep_scanned_posts"] = max(scan.deep_posts for scan in scans)
        ending_status(self.summary, self.ctx.cancel.is_set(), unfinished, "post(s) with calls that")

    def _like_tokens(self, repost_tokens: list[PooledToken], posts: int) -> list[PooledToken]:
        """Tokens for likes+comments when reposts run beside them on the admin tokens.

        Reposts can only go at the admin tokens' rate; if sharing those tokens with likes+comments would
        make the reposts job the slower one, likes+comments keep off them (estimates: 25 calls per request).
        """
        others = [token for token in self.tokens if token not in repost_tokens]
        if not repost_tokens or not others:
            return self.tokens
        reposts, likes = posts / MAX_CALLS_PER_EXECUTE, 2 * posts / MAX_CALLS_PER_EXECUTE
        admin_rps, others_rps = self.ctx.pool.ceiling_rps(repost_tokens), self.ctx.pool.ceiling_rps(others)
        split = max(reposts / admin_rps, likes / others_rps)
        shared = max(reposts / admin_rps, (reposts + likes) / (admin_rps + others_rps))
        return others if split <= shared else self.tokens

    def _concurrently(
        self, parts: list[tuple[tuple[str, ...], list[PooledToken]]], posts: list[PostInfo]
    ) -> list[InteractionScan]:
        """Likes+comments and reposts (admin tokens only) as two jobs at the same time, on own threads.

        Each job fills an execute with up to 25 calls (the answer size budget permitting)."""
        scans = [partial(self._scan, kinds, tokens, posts, MAX_CALLS_PER_EXECUTE) for kinds, tokens in parts]
        return run_together(scans, "interactions", self.ctx.cancel)

    def _scan(
        self, kinds: tuple[str, ...], tokens: list[PooledToken], posts: list[PostInfo], calls: int
    ) -> InteractionScan:
        scan = InteractionScan(self.ctx, self.group_id, kinds)
        chunks = scan.fast_chunks(posts)
        name = "interactions-" + "+".join(kinds)
        job = FetchJob(
            name,
            chunks,
            tokens,
            scan.on_result,
            total_chunks=len(chunks),
            count_items=page_items,
            on_rejected=scan.on_rejected,
            batch_size=min(MAX_CALLS_PER_EXECUTE, calls),
            phase=name,
            batch_budget=RESPONSE_BUDGET,
            expected_items=len(posts),
            item_unit="posts",
            items_done=scan.posts_done,
        )
        report: FetchReport = self.ctx.engine(self.reporter).run(job)
        self.figures.absorb(self.summary, report, name)
        return scan
