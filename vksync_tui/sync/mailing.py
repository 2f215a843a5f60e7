"""The mailing sync: every user who has a dialog with the community, with the dialog's state and profile.

Steps:
1. tokens — only community tokens of this community with the `messages` right (the main one and any extra
   ones); user tokens never read the community's inbox here. Each candidate is probed with one
   `messages.getConversations(count=1)` through the engine: a token VK answers 15 for (no `messages` right)
   is dropped with a notice, and the first answer gives the expected dialog count.
2. fetch — `messages.getConversations` pages of 200 (`extended=1` with the profile fields), up to 25 pages per
   `execute`, each projected (`CONVERSATIONS_PROJECTION`): its slot carries only the stored columns — chained
   `@.` into the conversation and its last message, VK's `count`, the profiles' columns — ~273 bytes per
   dialog instead of ~1,160 with whole conversations, last messages and the community object: an execute of
   5,000 dialogs parses in ~21 ms and becomes rows in ~10 (measured; an 18-page whole answer of 4.1 MB took
   0.07–0.33 s to parse alone, building a dict per object), and the emulator answers it from the dialogs
   without building the objects (`messages_get_conversations_deferred`). Columns that come back
   misaligned get the page asked again whole (the engine does that for every projected call). The inbox is
   sorted by latest message, so a dialog that gets a message during the sync moves to the top: offset paging
   then sees some dialogs twice (harmless upserts) but skips none; new pages are planned when VK's `count`
   grows.
3. store — answered pages are buffered and handed to the writer `PAGES_PER_WRITE` at a time (the rest when
   the fetch ends), each hand-over ONE writer transaction with the run's checkpoint (the page offsets done so
   far), so a killed run never claims a page it did not store. Why buffer: the upsert cost per row falls with
   the transaction size (fresh database, dialogs + profiles: ~140 µs per dialog at 200 rows per commit, ~38
   at 3,600, ~20 at 20,000 — every commit rewrites the index pages it touched). The hand-over (on a fetch
   thread) gathers the pages' rows and puts them in key order, and the rows carry flags as 0/1 ints, so the
   writer job only writes and sqlite3 binds no value through its slow adapter protocol (`store.bulk`): the
   writer's CPU per dialog fell by about a third (fresh database, 20,000 dialogs: ~33 → ~23 µs median).
   Profiles go to `User` through `users_refresh` (profile columns only) and the
   dialog state to `Mailing` (can_write and its reason, last message date, unanswered, important) — the smart
   upsert never touches membership, history, authors or the dialog's analysis. Only `user` peers are stored;
   chats and community peers are counted as skipped.
4. resume — every run keeps its checkpoint in its SyncRun row's figures; when the latest run was killed,
   cancelled or failed, the next run continues that sweep (same sweep id, done pages skipped) instead of
   starting over.
5. sweep end — users of this community whose dialog the finished sweep did not see get `has_dialog = false`
   (never deleted). Only when the sweep is complete (no failed page) and saw at least VK's count, so a page
   lost to inbox drift cannot wrongly flag a dialog.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import peewee as pw

from vksync_tui.store.bulk import execute_many, in_key_order, upsert_sql
from vksync_tui.store.models import Mailing, SyncRun
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.engine import Chunk, FetchJob, PhasedFetch
from vksync_tui.sync.errors import NoUsableToken, ReconFailed, SyncInputError
from vksync_tui.sync.events import JobStarted, Notice, ProgressReporter
from vksync_tui.sync.figures import RunFigures
from vksync_tui.sync.paging import OffsetPlan
from vksync_tui.sync.recorded import ListRun, ending_status, run_recorded
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.single_call import fetch_one
from vksync_tui.sync.users_refresh import (
    EXECUTE_RESPONSE_LIMIT,
    PROFILE_FIELDS,
    PROFILE_PROJECTION,
    profile_rows,
    store_profiles,
    user_upsert_sql,
)
from vksync_tui.vk.errors import TransientError
from vksync_tui.vk.execute import ApiCall, Projected, Projection
from vksync_tui.vk.tokens import PooledToken

LIST_NAME = "mailing"
PAGE_SIZE = 200  # messages.getConversations' maximum `count`
# A dialog projected to `CONVERSATIONS_PROJECTION` with its profile's columns is ~273 bytes in the emulator
# (page averages 268–278 at 20,000 dialogs; whole objects were ~1.1 KB); batches sized for 400 stay under
# the execute answer cap without a round of error 13 — in practice execute's 25-call cap decides.
DIALOG_BYTES_MAX = 400
CONVERSATIONS_BATCH = max(1, EXECUTE_RESPONSE_LIMIT // (PAGE_SIZE * DIALOG_BYTES_MAX))
# Pages per writer job: 10,000 dialogs at full pages (a killed run loses at most that much work), and
# proportionally smaller commits for the smaller pages that tests and slow links ask for.
PAGES_PER_WRITE = 50
# The dialog row's user id: the community id before it is the same in every row of a run, so ordering by the
# user id is the `Mailing` key's order.
DIALOG_KEY_COLUMN = 1
MESSAGES_RIGHT = "messages"
DIALOG_TOKEN_KINDS = ("group",)  # a community's inbox is read with its own token (step 1)
RESUMABLE_STATUSES = ("running", "interrupted", "cancelled", "failed")

# What a page brings back inside execute: the dialog's stored columns (chained `@.` into the conversation and
# its last message), VK's count and the profiles' columns — not whole conversations with their last message
# and the community object (see step 2 of the module docstring).
CONVERSATIONS_PROJECTION = Projection(
    (
        "conversation.peer.id",
        "conversation.peer.type",
        "conversation.can_write.allowed",
        "conversation.can_write.reason",
        "conversation.unanswered",
        "conversation.important",
        "last_message.date",
    ),
    array="items",
    keep=("count",),
    more=(Projection(PROFILE_PROJECTION.fields, array="profiles"),),
)

MAILING_DIALOG_COLUMNS: tuple[pw.Field, ...] = (
    Mailing.community_id,
    Mailing.user_id,
    Mailing.has_dialog,
    Mailing.can_write,
    Mailing.can_write_reason,
    Mailing.last_message_date,
    Mailing.unanswered,
    Mailing.important,
    Mailing.seen_run,
    Mailing.updated_at,
)


@dataclass
class DialogTokens:
    """The community tokens that can read this community's dialogs, and the dialog count VK reported."""

    tokens: list[PooledToken]
    count: int


def dialog_tokens(
    ctx: SyncContext, engine: PhasedFetch, reporter: ProgressReporter, group_id: int
) -> DialogTokens:
    """Probe every community token of `group_id` with the messages right (see step 1 of the module docstring).

    Raises NoUsableToken when no community token of this community can read its dialogs.
    """
    candidates = ctx.pool.eligible(kinds=DIALOG_TOKEN_KINDS, group_id=group_id, right=MESSAGES_RIGHT)
    if not candidates:
        raise NoUsableToken(
            f"no usable community token of community {group_id} with the messages right: dialogs are read "
            "with the community's own token (vksync-tui tokens add)"
        )
    usable: list[PooledToken] = []
    counts: list[int] = []
    failures: list[str] = []
    call = ApiCall("messages.getConversations", {"group_id": group_id, "count": 1})
    for token in candidates:
        probe = fetch_one(engine, Chunk(f"probe:{token.label}", call), [token], job=f"{LIST_NAME}-probe",
                          phase="probe")
        report, answer = probe.report, probe.value
        if report.cancelled:
            break
        if report.rejected:
            reporter.emit(
                Notice("warning", f"token {token.label} cannot read dialogs: {report.rejected[0].error}")
            )
            continue
        if isinstance(answer, dict) and isinstance(answer.get("count"), int):
            usable.append(token)
            counts.append(answer["count"])
        else:
            failures.append(report.failed[0].error if report.failed else "malformed answer")
    if not usable and failures and not ctx.cancel.is_set():
        raise ReconFailed(f"could not read the dialogs of community {group_id}: {failures[0]}")
    if not usable and not ctx.cancel.is_set():
        raise NoUsableToken(
            f"no community token of community {group_id} may read its dialogs (the messages right is missing)"
        )
    return DialogTokens(usable, max(counts, default=0))


@dataclass
class Checkpoint:
    """Where a sweep stands: its id (the run that started it), its page size, the done pages as coalesced
    [start, end) offset ranges, and the non-user peers skipped on them. Stored in the SyncRun row's figures
    (`MailingFigures.checkpoint`), read back by `from_json`."""

    sweep: int
    page_size: int = PAGE_SIZE
    done: list[list[int]] = field(default_factory=list)
    skipped: int = 0

    def covers(self, offset: int, size: int) -> bool:
        """Whether the page `[offset, offset + size)` lies inside one done range."""
        return any(start <= offset and offset + size <= end for start, end in self.done)

    def add(self, offset: int, size: int, skipped: int) -> None:
        """Merge `[offset, offset + size)` into the sorted, coalesced ranges."""
        ranges = sorted([*self.done, [offset, offset + size]])
        merged: list[list[int]] = []
        for start, end in ranges:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.done = merged
        self.skipped += skipped

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint | None:
        if not isinstance(data, dict) or not isinstance(data.get("sweep"), int):
            return None
        done = [[int(start), int(end)] for start, end in data.get("done", [])]
        page_size = int(data.get("page_size", PAGE_SIZE))
        return cls(int(data["sweep"]), page_size, done, int(data.get("skipped", 0)))


def stored_dialogs(group_id: int) -> int:
    """Every stored dialog of the community, gone ones (`has_dialog = false`) included."""
    return Mailing.select().where(Mailing.community_id == group_id).count()


def resumable_checkpoint(group_id: int) -> Checkpoint | None:
    """The checkpoint of the latest mailing run of this community, if that run did not finish its sweep."""
    last = (
        SyncRun.select()
        .where((SyncRun.list_name == LIST_NAME) & (SyncRun.community_id == group_id))
        .order_by(SyncRun.id.desc())
        .first()
    )
    if last is None or last.status not in RESUMABLE_STATUSES or not isinstance(last.figures, dict):
        return None
    return Checkpoint.from_json(last.figures.get("checkpoint"))


def sync_mailing(ctx: SyncContext, group_id: int, *, page_size: int = PAGE_SIZE) -> RunSummary:
    """Run the mailing sync for one community (see the module docstring); records a SyncRun.

    `page_size` (≤ 200, for tests and slow links that want smaller commits) applies to a new sweep; a resumed
    sweep keeps the page size it started with, so its done pages line up.
    """
    if not 0 < page_size <= PAGE_SIZE:
        raise SyncInputError(f"page size must be 1..{PAGE_SIZE}, got {page_size}")
    checkpoint = resumable_checkpoint(group_id)

    def body(reporter: ProgressReporter, summary: RunSummary, figures: MailingFigures) -> None:
        _MailingRun(ctx, reporter, summary, figures, checkpoint, page_size).execute()

    return run_recorded(ctx, LIST_NAME, group_id, body, MailingFigures())


@dataclass
class MailingFigures(RunFigures):
    """The sweep's checkpoint (step 4; also written with every page hand-over), the sweep a resumed run
    continues, pages a resumed run skipped, and the community tokens that read the dialogs."""

    checkpoint: Checkpoint | None = None
    resumed_from_sweep: int | None = None
    pages_resumed: int | None = None
    tokens: list[str] | None = None


class _MailingRun(ListRun[MailingFigures]):
    def __init__(
        self,
        ctx: SyncContext,
        reporter: ProgressReporter,
        summary: RunSummary,
        figures: MailingFigures,
        checkpoint: Checkpoint | None,
        page_size: int,
    ) -> None:
        super().__init__(ctx, reporter, (), summary, figures)
        self.resumed = checkpoint is not None
        self.checkpoint = checkpoint or Checkpoint(self.run_id, page_size)
        self.page_size = self.checkpoint.page_size
        figures.resumed_from_sweep = self.checkpoint.sweep if self.resumed else None
        figures.checkpoint = self.checkpoint
        self.user_sql = user_upsert_sql()
        self.dialog_sql = upsert_sql(
            Mailing,
            MAILING_DIALOG_COLUMNS,
            [Mailing.community_id, Mailing.user_id],
            preserve=MAILING_DIALOG_COLUMNS[2:],
        )
        self._lock = threading.Lock()
        self.offsets = OffsetPlan(self.page_size)
        self.pages_skipped = 0
        self.users_stored = 0
        self._waiting: list[_Page] = []

    def execute(self) -> None:
        found = dialog_tokens(self.ctx, self.engine, self.reporter, self.group_id)
        if self.ctx.cancel.is_set():
            self.summary.status = "cancelled"
            return
        self.summary.expected = found.count
        self.figures.tokens = [token.label for token in found.tokens]
        chunks = self._plan_until(max(found.count, 1))
        self.reporter.emit(JobStarted(self.run_id, LIST_NAME, self.group_id, found.count, len(chunks)))
        job = FetchJob(
            LIST_NAME,
            chunks,
            found.tokens,
            self.on_result,
            total_chunks=len(chunks),
            count_items=_count_items,
            batch_size=CONVERSATIONS_BATCH,
            phase="fetch",
        )
        try:
            report = self.engine.run(job)
        finally:
            self._hand_over()
        self.ctx.writer.flush()
        self.figures.absorb(self.summary, report)
        self.figures.pages_resumed = self.pages_skipped
        if report.rejected:
            raise SyncInputError(
                f"VK refused the dialogs of community {self.group_id}: {report.rejected[0].error}"
            )
        seen = self.ctx.write(self._sweep_seen)
        self.summary.fetched = seen
        self.summary.extras["skipped_peers"] = self.checkpoint.skipped
        self.summary.extras["resumed"] = self.resumed
        if report.cancelled or self.ctx.cancel.is_set():
            self.summary.status = "cancelled"
            return
        if report.failed:
            ending_status(self.summary, False, len(report.failed), "page(s) of dialogs")
            return
        if seen + self.checkpoint.skipped < found.count:
            self.reporter.emit(
                Notice(
                    "warning",
                    f"saw {seen + self.checkpoint.skipped} of {found.count} dialogs (the inbox moved "
                    "meanwhile): dialogs not seen are left as they were",
                )
            )
            self.summary.extras["no_longer_dialog"] = 0
        else:
            self.summary.extras["no_longer_dialog"] = self.ctx.write(self._mark_gone)
        self.summary.status = "done"

    # -- pages ----------------------------------------------------------------------------------------------

    def _plan_until(self, end_index: int) -> list[Chunk]:
        """Chunks for pages not planned yet up to `end_index`, leaving out pages the checkpoint has done."""
        offsets = self.offsets.until(end_index)
        with self._lock:
            done = [offset for offset in offsets if self.checkpoint.covers(offset, self.page_size)]
            self.pages_skipped += len(done)
        return [self._chunk(offset) for offset in offsets if offset not in done]

    def _chunk(self, offset: int) -> Chunk:
        params = {
            "group_id": self.group_id,
            "offset": offset,
            "count": self.page_size,
            "extended": 1,
            "fields": ",".join(PROFILE_FIELDS),
        }
        return Chunk(
            f"offset={offset}", ApiCall("messages.getConversations", params, CONVERSATIONS_PROJECTION)
        )

    def on_result(self, chunk: Chunk, value: Any) -> list[Chunk]:
        answer = CONVERSATIONS_PROJECTION.extract(value, "messages.getConversations")
        count = answer.kept["count"]
        if not isinstance(count, int):
            raise TransientError("messages.getConversations answer without count")
        offset = chunk.int_param("offset")
        now = self.ctx.now()
        dialogs, skipped = dialog_rows(answer, self.group_id, self.checkpoint.sweep, now)
        profiles = profile_rows(answer.more[0], now)
        with self._lock:
            self._waiting.append(_Page(offset, dialogs, profiles, skipped))
            ready = len(self._waiting) >= PAGES_PER_WRITE
        if ready:
            self._hand_over()
        full = answer.length >= self.page_size
        return self._plan_until(max(count, offset + answer.length + 1) if full else count)

    def _hand_over(self) -> None:
        """Submit the buffered pages as one writer job (nothing when none wait). Their rows are gathered and
        put in key order here, on the fetch thread, so the writer job only writes (see `store.bulk`)."""
        with self._lock:
            pages, self._waiting = self._waiting, []
        if pages:
            profiles = in_key_order(row for page in pages for row in page.profiles)
            dialogs = in_key_order((row for page in pages for row in page.dialogs), DIALOG_KEY_COLUMN)
            self.ctx.writer.submit(partial(self._store_pages, pages, profiles, dialogs))

    def _store_pages(
        self, pages: Sequence[_Page], profiles: list[tuple[Any, ...]], dialogs: list[tuple[Any, ...]]
    ) -> None:
        """A writer job: the pages' profiles, their dialogs and the checkpoint that records them, together."""
        store_profiles(self.ctx.db, self.user_sql, profiles)
        if dialogs:
            execute_many(self.ctx.db, self.dialog_sql, dialogs)
        for page in pages:
            self.checkpoint.add(page.offset, self.page_size, page.skipped)
        SyncRun.update(figures=self.figures.as_json()).where(SyncRun.id == self.run_id).execute()

    # -- sweep end ------------------------------------------------------------------------------------------

    def _sweep_seen(self) -> int:
        return (
            Mailing.select()
            .where((Mailing.community_id == self.group_id) & (Mailing.seen_run == self.checkpoint.sweep))
            .count()
        )

    def _mark_gone(self) -> int:
        """Dialogs this sweep did not see: flagged, never deleted (their analysis and history stay)."""
        gone = (
            (Mailing.community_id == self.group_id)
            & (Mailing.has_dialog == True)  # noqa: E712 (peewee expression)
            & ((Mailing.seen_run.is_null()) | (Mailing.seen_run != self.checkpoint.sweep))
        )
        return int(Mailing.update(has_dialog=False, updated_at=self.ctx.now()).where(gone).execute())


@dataclass(frozen=True)
class _Page:
    """One answered page waiting for the writer: its offset, its rows and the non-user peers it skipped."""

    offset: int
    dialogs: list[tuple[Any, ...]]
    profiles: list[tuple[Any, ...]]
    skipped: int


def dialog_rows(answer: Projected, group_id: int, sweep: int, now: int) -> tuple[list[tuple[Any, ...]], int]:
    """Rows of `MAILING_DIALOG_COLUMNS` for the `user` peers of a page (`CONVERSATIONS_PROJECTION`
    columns), and how many other peers it skipped. Flags are 0/1 ints, the form sqlite3 binds directly
    (a `bool` takes its slow adapter path, see `store.bulk`)."""
    rows: list[tuple[Any, ...]] = []
    skipped = 0
    for peer_id, peer_type, allowed, reason, unanswered, important, last_date in zip(
        *answer.columns, strict=True
    ):
        if type(peer_id) is not int:
            raise TransientError("messages.getConversations item without a peer")
        if peer_type != "user":
            skipped += 1
            continue
        rows.append(
            (
                group_id,
                peer_id,
                1,
                None if allowed is None else 1 if allowed else 0,
                reason if type(reason) is int else None,
                last_date if type(last_date) is int else None,
                1 if unanswered else 0,
                1 if important else 0,
                sweep,
                now,
            )
        )
    return rows, skipped


def _count_items(chunk: Chunk, value: Any) -> int:
    try:
        return CONVERSATIONS_PROJECTION.extract(value).length
    except TransientError:
        return 0
