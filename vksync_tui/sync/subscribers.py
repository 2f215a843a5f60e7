"""The subscribers sync: every member id of a community, the diff against the store, verified, then saved.

Steps (each a phase the faces show):
1. recon — `groups.getById(fields=members_count)`: the expected count, the community's title.
2. fetch — `groups.getMembers` pages of 1000 ids (25 pages per `execute` = 25,000 ids per request) streamed
   into the run's staging table through the writer, so memory does not grow with the community. Pages
   overlap by `PAGE_OVERLAP` ids and `Coverage` proves no id range was skipped while offsets drifted
   (members leaving mid-sync); holes are bridged with extra pages; a full last page or a larger `count`
   (members joining) adds pages at the end. Each page's part of the diff is made as it is staged, while
   later pages are still in flight (`store.staging.stage_member_page`): joined = its ids that are not
   current members, left candidates = current members inside the id span it proves that are not on it.
3. threshold — fewer unique ids than `safety_threshold × expected` aborts the run: members untouched.
4. diff — closed in the database (`store.staging.finish_member_diff`), touching only the change: members in
   spans no page proved are left candidates too, candidates another page staged are dropped. So joined =
   staged − current, left = current − staged, as if the two sets had been compared whole.
5. verify — every "left" candidate is re-checked with `groups.isMember` (500 ids per call, 25 calls per
   execute); members after all become `still_member` (drift), unverifiable ones are not marked left.
6. save the pending diff; apply it at once only when asked (`apply=True`, the CLI's `--yes`). A community's
   first sync applied at once (a baseline: no events) makes no diff items at all: its members go into the
   members table straight from the staged ids, in id order (`diff.apply_staged_baseline`).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from vksync_tui.store.errors import StoreError
from vksync_tui.store.models import Community, Membership, PendingDiffItem, SyncRun
from vksync_tui.store.staging import (
    Span,
    count_unique_staged,
    create_member_staging,
    drop_member_staging,
    finish_member_diff,
    stage_member_page,
    staged_run_ids,
)
from vksync_tui.sync import diff
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.coverage import Coverage, PageSpan
from vksync_tui.sync.engine import Chunk, FetchJob, FetchReport
from vksync_tui.sync.errors import NoUsableToken, ReconFailed, SyncInputError
from vksync_tui.sync.events import JobStarted, Notice, ProgressReporter
from vksync_tui.sync.paging import BridgedFigures, OffsetPlan, bridge_gaps
from vksync_tui.sync.recorded import ListRun, run_recorded
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.single_call import fetch_one
from vksync_tui.vk.errors import TransientError
from vksync_tui.vk.execute import ApiCall
from vksync_tui.vk.tokens import PooledToken

LIST_NAME = "subscribers"
PAGE_SIZE = 1000  # groups.getMembers' maximum `count`
# Adjacent pages share this many ids, so up to 8 members leaving below a page boundary between the two
# fetches leave no hole (the coverage check bridges bigger drifts); it costs 0.8 % more requests.
PAGE_OVERLAP = 8
IS_MEMBER_BATCH = 500  # groups.isMember's maximum number of user_ids
MEMBER_TOKEN_KINDS = ("user", "group")  # execute is not documented for service tokens


def current_members(group_id: int) -> int:
    """The community's current members as stored (the dashboard's count)."""
    current = (Membership.community_id == group_id) & (Membership.is_current == True)  # noqa: E712
    return Membership.select().where(current).count()


def member_tokens(ctx: SyncContext, group_id: int) -> list[PooledToken]:
    """Tokens that can page a community's members; raises NoUsableToken naming the kind that is needed."""
    tokens = ctx.pool.eligible(kinds=MEMBER_TOKEN_KINDS, group_id=group_id)
    if not tokens:
        raise NoUsableToken(
            "no usable token for the subscribers sync: add an enabled user token or a community token "
            "(vksync-tui tokens add)"
        )
    return tokens


def sync_subscribers(ctx: SyncContext, group_id: int, *, apply: bool = False) -> RunSummary:
    """Run the whole subscribers sync for one community (see the module docstring); records a SyncRun."""
    tokens = member_tokens(ctx, group_id)
    _drop_leftover_staging(ctx, group_id)

    def body(reporter: ProgressReporter, summary: RunSummary, figures: SubscribersFigures) -> None:
        run = _SubscribersRun(ctx, reporter, tokens, summary, figures)
        try:
            run.execute(apply)
        except BaseException:
            # The run is already ending (Ctrl-C, cancel, a VK error): a write that lost the race with the
            # teardown must not replace that reason; the staging table is dropped either way.
            with contextlib.suppress(StoreError):
                run.cleanup()
            raise
        run.cleanup()

    return run_recorded(ctx, LIST_NAME, group_id, body, SubscribersFigures())


@dataclass
class SubscribersFigures(BridgedFigures):
    """Bridge pages fetched, the fetch's request latency, and the left candidates re-checked (step 5) with
    those that could not be verified."""

    bridge_pages: int | None = None
    latency_ms: float | None = None
    left_candidates: int | None = None
    unverified_left: int | None = None


def _drop_leftover_staging(ctx: SyncContext, group_id: int) -> None:
    """Staging tables of earlier runs of this community that never finished (a crash) are dead weight."""

    def drop() -> None:
        for run_id in staged_run_ids(ctx.db):
            run = SyncRun.get_or_none(SyncRun.id == run_id)
            if run is None or run.community_id == group_id:
                drop_member_staging(ctx.db, run_id)

    ctx.write(drop)


class _SubscribersRun(ListRun[SubscribersFigures]):
    apply = False  # the diff is applied at once (`sync_subscribers(apply=True)`), set by `execute`
    staging_created = False
    baseline = False
    pages: MemberPages | None = None

    # -- the steps ------------------------------------------------------------------------------------------

    def execute(self, apply: bool) -> None:
        self.apply = apply
        expected = self.recon()
        if expected is None:
            self.summary.status = "cancelled"
            return
        self.summary.expected = expected
        self.baseline = diff.is_baseline(self.group_id)
        report = self.fetch(expected)
        if self.ctx.cancel.is_set():
            self.summary.status = "cancelled"
            return
        if report.rejected:
            raise SyncInputError(
                f"VK refused the member list of community {self.group_id}: {report.rejected[0].error} "
                "(a closed community needs a token of one of its members or admins)"
            )
        fetched = self.ctx.write(partial(count_unique_staged, self.ctx.db, self.run_id))
        self.summary.fetched = fetched
        threshold = self.ctx.config.tuning.safety_threshold
        if fetched < threshold * expected:
            self.abort(fetched, expected, threshold)
            return
        baseline = self.baseline
        self.summary.extras["baseline"] = baseline
        if self._applies_baseline_at_once:
            counts = diff.apply_staged_baseline(self.ctx, run_id=self.run_id, group_id=self.group_id)
            self._drop_staging()
            self.summary.joined = counts.joined
            self.summary.status = "applied"
            return
        _, left = self.ctx.write(partial(finish_member_diff, self.ctx.db, self.run_id, self.group_id,
                                         self._unproven_spans()))
        self._drop_staging()
        if left and not baseline:
            self.verify_left(left)
        if self.ctx.cancel.is_set():
            self.summary.status = "cancelled"
            return
        counts = diff.save_pending(
            self.ctx,
            run_id=self.run_id,
            group_id=self.group_id,
            expected=expected,
            fetched=fetched,
            threshold=threshold,
        )
        self.summary.joined, self.summary.left = counts.joined, counts.left
        self.summary.verified_still_member = counts.still_member
        if counts.changes_nothing:
            self.summary.status = "done"
        elif self.apply:
            diff.apply_pending(self.ctx, self.group_id)
            self.summary.status = "applied"
        else:
            self.summary.status = "pending"

    def recon(self) -> int | None:
        """groups.getById through the engine (fallback and retry phase included): the expected count.

        None when the run was cancelled meanwhile."""
        params = {"group_id": self.group_id, "fields": "members_count"}
        recon = fetch_one(self.engine, Chunk("recon", ApiCall("groups.getById", params)), self.tokens,
                          job="subscribers-recon", phase="recon")
        report = recon.report
        self.figures.absorb(self.summary, report, "recon")
        if report.rejected:
            raise SyncInputError(
                f"community {self.group_id} is unknown to VK or not accessible ({report.rejected[0].error})"
            )
        if report.cancelled:
            return None
        if recon.value is None:
            reason = report.failed[0].error if report.failed else "cancelled"
            raise ReconFailed(f"could not read community {self.group_id} from VK: {reason}")
        group = _first_group(recon.value)
        if group is None or int(group.get("id", 0)) != self.group_id:
            raise SyncInputError(f"community {self.group_id} is unknown to VK")
        count = group.get("members_count")
        if not isinstance(count, int):
            raise SyncInputError(
                f"VK did not report the member count of community {self.group_id} "
                f"({group.get('deactivated') or 'closed or hidden member list?'})"
            )
        self.ctx.write(partial(_store_community, group, self.ctx.now()))
        return count

    def fetch(self, expected: int) -> FetchReport:
        # Set first: a Ctrl-C while the writer creates the table must still let cleanup drop it (IF EXISTS).
        self.staging_created = True
        self.ctx.write(lambda: create_member_staging(self.ctx.db, self.run_id))
        pages = self.pages = MemberPages(self.group_id, expected, self._stage)
        initial = pages.initial_chunks()
        self.reporter.emit(JobStarted(self.run_id, LIST_NAME, self.group_id, expected, len(initial)))
        job = FetchJob(
            "subscribers",
            initial,
            self.tokens,
            pages.on_result,
            total_chunks=len(initial),
            count_items=_count_new_ids,
            phase="fetch",
            expected_items=expected,
            item_unit="member ids",
        )
        report = self.engine.run(job)

        def bridge(offsets: list[int]) -> FetchReport:
            chunks = [pages.chunk(offset, bridge=True) for offset in offsets]
            job = FetchJob("subscribers-bridge", chunks, self.tokens, pages.on_result,
                           total_chunks=len(chunks), phase="bridge")
            bridged = self.engine.run(job)
            report.merge(bridged)
            return bridged

        bridging = bridge_gaps(pages.coverage, report, bridge, self.ctx.cancel, self.reporter, "member list")
        self.ctx.writer.flush()
        self.figures.absorb(self.summary, report)
        self.figures.bridged(pages.coverage, bridging)
        self.figures.bridge_pages = pages.bridges
        self.figures.latency_ms = round(report.latency * 1000, 1)
        return report

    def abort(self, fetched: int, expected: int, threshold: float) -> None:
        share = fetched / expected if expected else 0.0
        self.summary.status = "aborted"
        self.summary.error = (
            f"safety threshold: fetched {fetched} unique member ids of {expected} expected "
            f"({share:.1%} < {threshold:.0%}); the members table was not touched"
            + (f"; {len(self.summary.failed_chunks)} chunk(s) failed" if self.summary.failed_chunks else "")
        )
        self.reporter.emit(Notice("error", self.summary.error))

    def verify_left(self, left: int) -> None:
        """Re-check every left candidate with groups.isMember; see the module docstring."""
        left_items = diff.items_of(self.run_id, "left").order_by(PendingDiffItem.user_id).tuples()
        candidates = array("q", (user_id for (user_id,) in left_items))
        chunks = [
            Chunk(
                f"isMember[{start}]",
                ApiCall("groups.isMember", {"group_id": self.group_id, "user_ids": list(ids)}),
            )
            for start in range(0, len(candidates), IS_MEMBER_BATCH)
            for ids in (candidates[start : start + IS_MEMBER_BATCH],)
        ]
        verifier = _LeftVerifier(self.ctx, self.run_id)
        job = FetchJob(
            "subscribers-verify",
            chunks,
            self.tokens,
            verifier.on_result,
            total_chunks=len(chunks),
            count_items=lambda chunk, value: len(value),
            phase="verify",
            expected_items=len(candidates),
            item_unit="left candidates",
        )
        report = self.engine.run(job)
        unverified = [
            user_id
            for failed in (*report.failed, *report.rejected)
            for user_id in failed.chunk.ids_param("user_ids")
        ]
        unverified.extend(verifier.unanswered)
        self.ctx.write(partial(diff.drop_unverified, self.run_id, unverified))
        self.ctx.writer.flush()
        self.figures.absorb(self.summary, report, "verify")
        self.figures.left_candidates = left
        self.figures.unverified_left = len(unverified)
        if unverified:
            self.reporter.emit(
                Notice("warning", f"{len(unverified)} left candidate(s) not verified, so not marked left")
            )

    # -- helpers --------------------------------------------------------------------------------------------

    @property
    def _applies_baseline_at_once(self) -> bool:
        """A first sync with `apply`: its members come straight from the staged ids, so no page is diffed."""
        return self.baseline and self.apply

    def _stage(self, ids: list[int], span: PageSpan) -> None:
        """Queue one page of ids, with its part of the diff, for the writer (its bounded queue is the
        backpressure)."""
        proved: Span | None = None if self._applies_baseline_at_once else (span.low, span.high)
        job = partial(stage_member_page, self.ctx.db, self.run_id, self.group_id, ids, proved)
        self.ctx.writer.submit(job)

    def _unproven_spans(self) -> list[Span]:
        """The id ranges no page proved complete (bridging gave up on them), ends excluded: ids strictly
        between a gap's ends."""
        gaps = self.pages.coverage.gaps() if self.pages is not None else []
        return [(gap.after + 1, gap.before - 1) for gap in gaps]

    def _drop_staging(self) -> None:
        if self.staging_created:
            self.ctx.write(lambda: drop_member_staging(self.ctx.db, self.run_id))
            self.staging_created = False

    def cleanup(self) -> None:
        """Whatever happened, the staging table goes (members were never touched by it), and so do diff items
        that never became a pending diff (a run stopped between the diff and `save_pending`)."""
        try:
            self.ctx.writer.flush()
        finally:
            self._drop_staging()
            self.ctx.write(lambda: diff.drop_unsaved_items(self.run_id))


class MemberPages:
    """Plans `groups.getMembers` pages, checks each answer and feeds ids to staging and the coverage proof."""

    def __init__(self, group_id: int, expected: int, stage: Callable[[list[int], PageSpan], None]) -> None:
        self.group_id = group_id
        self.offsets = OffsetPlan(PAGE_SIZE - PAGE_OVERLAP)
        self.coverage = Coverage(PAGE_OVERLAP)
        self._stage = stage
        self._expected = expected
        self.bridges = 0

    def chunk(self, offset: int, *, bridge: bool = False) -> Chunk:
        if bridge:
            self.bridges += 1
        params = {"group_id": self.group_id, "offset": offset, "count": PAGE_SIZE, "sort": "id_asc"}
        return Chunk(f"offset={offset}", ApiCall("groups.getMembers", params))

    def initial_chunks(self) -> list[Chunk]:
        return self._plan_until(max(self._expected, 1))

    def _plan_until(self, end_index: int) -> list[Chunk]:
        return [self.chunk(offset) for offset in self.offsets.until(end_index)]

    def on_result(self, chunk: Chunk, value: Any) -> list[Chunk]:
        offset = chunk.int_param("offset")
        ids, count = _page_ids(value)
        span = self.coverage.add_page(offset, PAGE_SIZE, ids)
        if span is not None:
            self._stage(ids, span)
        # Members joined: VK's count grew past the plan, or the last planned page came back full.
        end = count if len(ids) < PAGE_SIZE else max(count, offset + len(ids) + 1)
        return self._plan_until(end)


class _LeftVerifier:
    """Collects groups.isMember answers: members after all go to `still_member`; missing answers are noted."""

    def __init__(self, ctx: SyncContext, run_id: int) -> None:
        self.ctx = ctx
        self.run_id = run_id
        self.unanswered: list[int] = []
        self._lock = threading.Lock()

    def on_result(self, chunk: Chunk, value: Any) -> None:
        if not isinstance(value, list):
            raise TransientError(f"groups.isMember returned {type(value).__name__}, not a list")
        asked = chunk.ids_param("user_ids")
        answered: dict[int, int] = {}
        for item in value:
            if isinstance(item, dict) and "user_id" in item:
                answered[int(item["user_id"])] = int(item.get("member", 0))
        still = [user_id for user_id in asked if answered.get(user_id) == 1]
        missing = [user_id for user_id in asked if user_id not in answered]
        if still:
            self.ctx.writer.submit(partial(diff.mark_still_members, self.run_id, still))
        if missing:
            with self._lock:
                self.unanswered.extend(missing)


def _page_ids(value: Any) -> tuple[list[int], int]:
    """The ids and VK's `count` of a getMembers page; TransientError (→ retry) for anything malformed."""
    if not isinstance(value, dict) or not isinstance(value.get("items"), list) or not isinstance(
        value.get("count"), int
    ):
        raise TransientError("groups.getMembers answer without items/count")
    ids = value["items"]
    if any(not isinstance(user_id, int) for user_id in ids):
        raise TransientError("groups.getMembers items are not plain ids")
    if any(later <= earlier for earlier, later in itertools.pairwise(ids)):
        raise TransientError("groups.getMembers page is not in ascending id order")
    return ids, value["count"]


def _count_new_ids(chunk: Chunk, value: Any) -> int:
    """A page's ids less the `PAGE_OVERLAP` it shares with the page before by design, so the fetch phase's
    items add up to the member count (not 0.8 % past it) when nobody joins or leaves meanwhile."""
    ids = len(value.get("items", ())) if isinstance(value, dict) else 0
    return ids if chunk.int_param("offset") == 0 else max(ids - PAGE_OVERLAP, 0)


def _first_group(answer: Any) -> dict[str, Any] | None:
    """groups.getById answers `{"groups": [...]}` in 5.199 (a bare list in older versions)."""
    groups = answer.get("groups") if isinstance(answer, dict) else answer
    if isinstance(groups, list) and groups and isinstance(groups[0], dict):
        return groups[0]
    return None


def _store_community(group: dict[str, Any], now: int) -> None:
    """A writer job: remember the community's name and size as VK reported them at recon."""
    Community.insert(
        id=int(group["id"]),
        screen_name=str(group.get("screen_name", "")),
        title=str(group.get("name", "")),
        is_closed=int(group.get("is_closed", 0) or 0),
        members_count=group.get("members_count"),
        updated_at=now,
    ).on_conflict(
        conflict_target=[Community.id],
        preserve=[
            Community.screen_name,
            Community.title,
            Community.is_closed,
            Community.members_count,
            Community.updated_at,
        ],
    ).execute()


def expected_requests(members: int, batch: int = 25) -> int:
    """Requests a perfect fetch of `members` ids needs with this page plan (for benchmarks' floors)."""
    pages = max(1, math.ceil(max(members, 1) / (PAGE_SIZE - PAGE_OVERLAP)))
    return math.ceil(pages / batch)
