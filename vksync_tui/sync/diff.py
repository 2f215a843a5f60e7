"""The subscribers' pending diff: saved by a sync, shown, then applied or discarded by the operator.

A sync never changes the members table by itself (unless asked to with `--yes`): it saves who joined, who
left (verified with `groups.isMember`) and who only looked as if they left (`still_member`), and waits. That
is the last line of defence against a bad fetch deleting thousands of members. One pending diff per community;
a newer sync replaces a stale one. Apply is one transaction: the members table moves from one consistent state
to the next, never halfway. The very first sync of a community is a baseline: members are recorded without a
storm of join events (their join time is unknown).

Both faces (CLI `diff show|apply|discard`, the TUI's diff screen) call only these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

import peewee as pw

from vksync_tui.store.bulk import InList, chunks
from vksync_tui.store.models import Membership, PendingDiff, PendingDiffItem, SyncRun, User
from vksync_tui.store.staging import apply_member_diff, insert_staged_members
from vksync_tui.sync.context import SyncContext

T = TypeVar("T")


@dataclass(frozen=True)
class DiffCounts:
    joined: int
    left: int
    still_member: int

    @property
    def changes_nothing(self) -> bool:
        """Nobody joined or left: applying would change no member (still-members are no change)."""
        return self.joined == 0 and self.left == 0


@dataclass(frozen=True)
class DiffPerson:
    user_id: int
    first_name: str | None
    last_name: str | None

    def as_json(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "first_name": self.first_name, "last_name": self.last_name}


@dataclass
class PendingView:
    """What `diff show` prints: the counts, and the people (names where the store knows them)."""

    run_id: int
    group_id: int
    created_at: int
    expected: int | None
    fetched: int
    counts: DiffCounts
    baseline: bool
    joined: list[DiffPerson] = field(default_factory=list)
    left: list[DiffPerson] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "run_id": self.run_id,
            "created_at": self.created_at,
            "expected": self.expected,
            "fetched": self.fetched,
            "baseline": self.baseline,
            "joined_count": self.counts.joined,
            "left_count": self.counts.left,
            "verified_still_member": self.counts.still_member,
            "joined": [person.as_json() for person in self.joined],
            "left": [person.as_json() for person in self.left],
        }


@dataclass(frozen=True)
class ApplyResult:
    run_id: int
    joined: int
    left: int
    baseline: bool


class NoPendingDiff(LookupError):
    """There is nothing to show, apply or discard for this community."""


def items_of(run_id: int, kind: str) -> pw.ModelSelect:
    return PendingDiffItem.select(PendingDiffItem.user_id).where(
        (PendingDiffItem.run_id == run_id) & (PendingDiffItem.kind == kind)
    )


def count_items(run_id: int) -> DiffCounts:
    rows = dict(
        PendingDiffItem.select(PendingDiffItem.kind, pw.fn.COUNT(pw.SQL("*")))
        .where(PendingDiffItem.run_id == run_id)
        .group_by(PendingDiffItem.kind)
        .tuples()
    )
    return DiffCounts(rows.get("joined", 0), rows.get("left", 0), rows.get("still_member", 0))


def is_baseline(group_id: int) -> bool:
    """A community with no membership rows at all has never been synced: its first diff is a baseline."""
    return not Membership.select().where(Membership.community_id == group_id).exists()


def _forget_pending(pending: PendingDiff, status: str) -> None:
    PendingDiffItem.delete().where(PendingDiffItem.run_id == pending.run_id).execute()
    PendingDiff.delete().where(PendingDiff.run_id == pending.run_id).execute()
    SyncRun.update(status=status).where(SyncRun.id == pending.run_id).execute()


def _supersede_stale(group_id: int, run_id: int) -> None:
    """Close the community's pending diff of an earlier run: a newer sync makes it stale."""
    stale = PendingDiff.get_or_none(PendingDiff.community_id == group_id)
    if stale is not None and stale.run_id != run_id:
        _forget_pending(stale, "superseded")


def save_pending(
    ctx: SyncContext, *, run_id: int, group_id: int, expected: int | None, fetched: int, threshold: float
) -> DiffCounts:
    """Make this run's items the community's pending diff, replacing (and closing) a stale one.

    A diff that changes nothing is not saved (nothing to review is nothing pending): its items are dropped,
    and a stale diff is still closed, since this run found the stored members equal to VK's."""
    now = ctx.now()

    def save() -> DiffCounts:
        _supersede_stale(group_id, run_id)
        counts = count_items(run_id)
        if counts.changes_nothing:
            PendingDiffItem.delete().where(PendingDiffItem.run_id == run_id).execute()
            return counts
        PendingDiff.insert(
            run_id=run_id,
            community_id=group_id,
            created_at=now,
            expected=expected,
            fetched=fetched,
            joined=counts.joined,
            left=counts.left,
            still_member=counts.still_member,
            threshold=threshold,
        ).execute()
        return counts

    return ctx.write(save)


def drop_unsaved_items(run_id: int) -> None:
    """Delete a run's diff items that have no PendingDiff header: nothing can ever show or apply them.

    A writer job (runs on the writer thread)."""
    if PendingDiff.get_or_none(PendingDiff.run_id == run_id) is None:
        PendingDiffItem.delete().where(PendingDiffItem.run_id == run_id).execute()


def mark_still_members(run_id: int, user_ids: list[int]) -> None:
    """Left candidates that `groups.isMember` says are members after all: out of `left`, into `still_member`.

    A writer job (runs on the writer thread)."""
    if not user_ids:
        return
    drop_unverified(run_id, user_ids)
    PendingDiffItem.insert_many(
        [(run_id, user_id, "still_member") for user_id in user_ids],
        fields=[PendingDiffItem.run_id, PendingDiffItem.user_id, PendingDiffItem.kind],
    ).on_conflict_ignore().execute()


def drop_unverified(run_id: int, user_ids: list[int]) -> None:
    """Left candidates whose membership could not be checked are not marked left (the next sync re-checks).

    Also the first half of `mark_still_members`. A writer job."""
    for some in chunks(user_ids):  # a verification that failed whole can leave 100,000s of ids
        PendingDiffItem.delete().where(
            (PendingDiffItem.run_id == run_id)
            & (PendingDiffItem.kind == "left")
            & PendingDiffItem.user_id.in_(InList(some))
        ).execute()


def nothing_pending(group_id: int) -> NoPendingDiff:
    return NoPendingDiff(f"no pending diff for community {group_id}: run `sync subscribers` first")


def pending_for(group_id: int) -> PendingDiff:
    pending = PendingDiff.get_or_none(PendingDiff.community_id == group_id)
    if pending is None:
        raise nothing_pending(group_id)
    return pending


def show_pending(group_id: int, *, limit: int | None = None) -> PendingView:
    """Read the community's pending diff (joined and left people, up to `limit` each; None = all)."""
    pending = pending_for(group_id)
    view = PendingView(
        run_id=pending.run_id,
        group_id=group_id,
        created_at=pending.created_at,
        expected=pending.expected,
        fetched=pending.fetched,
        counts=count_items(pending.run_id),
        baseline=is_baseline(group_id),
    )
    view.joined = _people(pending.run_id, "joined", limit)
    view.left = _people(pending.run_id, "left", limit)
    return view


def _people(run_id: int, kind: str, limit: int | None) -> list[DiffPerson]:
    query = (
        PendingDiffItem.select(PendingDiffItem.user_id, User.first_name, User.last_name)
        .join(User, pw.JOIN.LEFT_OUTER, on=(User.id == PendingDiffItem.user_id))
        .where((PendingDiffItem.run_id == run_id) & (PendingDiffItem.kind == kind))
        .order_by(PendingDiffItem.user_id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [DiffPerson(*row) for row in query.tuples()]


def apply_pending(ctx: SyncContext, group_id: int) -> ApplyResult:
    """Apply the community's pending diff in ONE transaction on the writer thread (see the module docstring).

    joined → current members (a re-join flips the old row back and is a new join event); left → `left_at`
    and a leave event. Raises `NoPendingDiff` when there is nothing to apply.
    """
    now = ctx.now()

    def apply() -> ApplyResult | None:
        pending = PendingDiff.get_or_none(PendingDiff.community_id == group_id)
        if pending is None:
            return None
        run_id = int(pending.run_id)
        baseline = is_baseline(group_id)
        counts = count_items(run_id)
        apply_member_diff(ctx.db, run_id, group_id, now, baseline=baseline)
        _forget_pending(pending, "applied")
        return ApplyResult(run_id, counts.joined, counts.left, baseline)

    return _pending_or_raise(ctx.write(apply), group_id)


def apply_staged_baseline(ctx: SyncContext, *, run_id: int, group_id: int) -> DiffCounts:
    """A community's first sync applied at once: its staged ids become its members in ONE transaction, in id
    order, with no diff items (a baseline has no events and nothing to review item by item: at 10M members,
    writing, reading and deleting an item per member was most of the run after the fetch). A stale pending
    diff of the community (an earlier first sync, never applied) is superseded, as `save_pending` does."""
    now = ctx.now()

    def apply() -> DiffCounts:
        _supersede_stale(group_id, run_id)
        return DiffCounts(insert_staged_members(ctx.db, run_id, group_id, now), 0, 0)

    return ctx.write(apply)


def discard_pending(ctx: SyncContext, group_id: int) -> int:
    """Drop the community's pending diff without touching members; returns the discarded run's id."""

    def discard() -> int | None:
        pending = PendingDiff.get_or_none(PendingDiff.community_id == group_id)
        if pending is None:
            return None
        _forget_pending(pending, "discarded")
        return int(pending.run_id)

    return _pending_or_raise(ctx.write(discard), group_id)


def _pending_or_raise(outcome: T | None, group_id: int) -> T:
    """Raise `NoPendingDiff` here, not in the write job: a job that raises is also reported as a failed write
    by the writer's next flush or close, which would turn "nothing pending" into a store error."""
    if outcome is None:
        raise nothing_pending(group_id)
    return outcome
