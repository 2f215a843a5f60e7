"""Running a list the way the faces do (`registry.run_sync` on a `SyncContext`) and judging the outcome.

VK's cool-downs after error 9 (10 s) and 14 (60 s) are real behaviour, but a matrix of a hundred cases
cannot wait minutes each; `open_context` swaps in a pool with the same logic and cool-downs of a fraction of a
second (`SHORT_COOLDOWNS`), so a case still exercises cool, skip, wait and recover in about a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.helpers.emulator_home import EmulatorHome, make_emulator_home
from tests.helpers.list_checks import OK_STATUSES, ListCheck, Rows, check_for, small_world_spec
from vksync_tui.config import Tuning
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.emulator.world import World
from vksync_tui.home import Home
from vksync_tui.store.models import SyncRun
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.errors import SyncInputError
from vksync_tui.sync.events import EventSink, SyncEvent, discard
from vksync_tui.sync.registry import run_sync
from vksync_tui.sync.runs import RunSummary
from vksync_tui.vk.tokens import PooledToken, TokenPool

SHORT_COOLDOWNS = {6: 0.3, 9: 0.3, 14: 0.3}
# Small timeouts so a `timeout` fault costs a fraction of a second; retries generous enough that transient
# faults at the matrix's rates are always survivable.
FAST_TUNING = Tuning(retry_pause=0.05, retry_attempts=6)
TIMEOUT_DELAY = 0.8


def open_context(home: Home, *, on_event: EventSink = discard) -> SyncContext:
    """A context as the faces open it, with short cool-downs (see the module docstring)."""
    ctx = SyncContext.open(home, on_event=on_event)
    ctx.vk.pool = TokenPool(ctx.config.tokens, ctx.config.tuning, budget=ctx.vk.budget, quotas=ctx.vk.quotas,
                            clock=ctx.clock, on_token_event=ctx._router, cooldowns=SHORT_COOLDOWNS)
    return ctx


@dataclass
class Outcome:
    """A run's end: its summary, or the one-line input error the faces would show (exit code 2); and the
    run's tokens, by label, with what they were asked."""

    summary: RunSummary | None
    input_error: str | None = None
    tokens: dict[str, PooledToken] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.summary is not None and self.summary.status in OK_STATUSES

    def describe(self) -> str:
        if self.summary is None:
            return f"input error: {self.input_error}"
        return f"{self.summary.status}: {self.summary.error}"


def sync(
    setup: EmulatorHome, list_name: str, events: list[SyncEvent] | None = None, **options: Any
) -> RunSummary:
    """One run of `list_name` on the main community as the faces start it (VK's own cool-downs), its events
    appended to `events`."""
    sink = events.append if events is not None else (lambda event: None)
    with SyncContext.open(setup.home, on_event=sink) as ctx:
        return run_sync(list_name, ctx, setup.group_id, **options)


def run_list(
    setup: EmulatorHome, list_name: str, *, on_event: EventSink = discard, **options: Any
) -> Outcome:
    with open_context(setup.home, on_event=on_event) as ctx:
        tokens = {token.label: token for token in ctx.pool}
        try:
            return Outcome(run_sync(list_name, ctx, setup.group_id, **options), tokens=tokens)
        except SyncInputError as error:
            return Outcome(None, str(error), tokens)


def prepare(setup: EmulatorHome, check: ListCheck) -> None:
    """Sync the list's prerequisites without faults (they must succeed), then its own set-up step."""
    for name in check.prerequisites:
        outcome = run_list(setup, name, **check_for(name).options)
        assert outcome.ok, f"prerequisite {name} of {check.name}: {outcome.describe()}"
    if check.after_prerequisites is not None:
        check.after_prerequisites(setup)


def latest_run(setup: EmulatorHome, list_name: str) -> SyncRun:
    with SyncContext.open(setup.home):
        return (SyncRun.select().where(SyncRun.list_name == list_name)
                .order_by(SyncRun.id.desc()).get())


def assert_correct_or_cleanly_failed(
    setup: EmulatorHome, check: ListCheck, before: Rows, outcome: Outcome
) -> None:
    """The fault matrix's verdict: the truth, or a recorded reason and no false or lost data."""
    after = check.stored(setup)
    truth = check.truth(setup)
    run = latest_run(setup, check.name)
    if outcome.ok and outcome.summary is not None and outcome.summary.extras.get("reposts_skipped"):
        # The documented way to end without an admin-level-3 token (e.g. it was revoked during the admin-level
        # probe): reposts skipped with a warning in the result, stored reposts left as they were.
        assert outcome.summary.extras.get("warning"), "reposts were skipped without a warning"
        reposts = {row for row in truth | after | before if row[2] == "repost"}
        assert after & reposts == before & reposts, "skipped reposts changed the stored reposts"
        truth, after = truth - reposts, after - reposts
    if outcome.ok:
        missing, extra = truth - after, after - truth
        assert not missing and not extra, (
            f"{check.name} reported {outcome.describe()} but differs from the truth: "
            f"{len(missing)} missing (e.g. {sorted(missing)[:3]}), "
            f"{len(extra)} extra (e.g. {sorted(extra)[:3]})"
        )
        assert run.status == outcome.summary.status  # type: ignore[union-attr]
        return
    assert run.status not in ("running", *OK_STATUSES), f"run row left as {run.status}"
    assert run.error, f"{check.name} ended {run.status} with no recorded reason"
    if outcome.summary is not None:
        assert outcome.summary.error, f"{check.name} ended {outcome.summary.status} with no reason"
    if check.unchanged_on_failure:
        assert after == before, f"{check.name} failed ({outcome.describe()}) but its stored data changed"
        return
    invented = after - before - truth
    dropped = (before & truth) - after
    assert not invented, f"{check.name} stored rows that are not true: {sorted(invented)[:3]}"
    assert not dropped, f"{check.name} dropped true rows silently: {sorted(dropped)[:3]}"


def start_small_world(emulator_factory: Callable[..., RunningEmulator], home: Home, *, seed: int = 1,
                      members: int = 3000, tuning: Tuning = FAST_TUNING) -> EmulatorHome:
    emulator = emulator_factory(world=World.generate(seed, small_world_spec(members)))
    setup = make_emulator_home(home, emulator)
    setup.configure(tuning=tuning)
    return setup
