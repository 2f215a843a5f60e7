"""Crash safety: `vksync-tui sync subscribers --yes` killed with SIGKILL at a seeded random point of its run.

The sync runs as a real subprocess against an emulator started by the test (real loopback socket). The kill
point is a request count drawn from the seed within the run's measured length; the test polls the
emulator's statistics until that many requests arrived (a bounded loop: there is nothing to await in
another process) and kills. Afterwards the database must open, pass `PRAGMA integrity_check`, hold either the
old membership or the complete new one (never half a diff), and the next run must end equal to the truth.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import peewee as pw
import pytest

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.list_runs import latest_run, run_list
from vksync_tui.config import Tuning
from vksync_tui.store.models import Membership, MembershipEvent, PendingDiff, PendingDiffItem, SyncRun
from vksync_tui.sync.context import SyncContext

KILL_SEEDS = [pytest.param(1, id="seed1"), *(pytest.param(s, id=f"seed{s}", marks=pytest.mark.slow)
                                             for s in (2, 3, 4, 5, 6))]
USER_TOKENS = ["user-admin", "user-editor", "user-moderator", "user-reader"]
POLL_SECONDS = 0.02
DEADLINE_SECONDS = 120.0


def spawn_cli(setup: EmulatorHome, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "vksync_tui", *args],
        env={**os.environ, "VKSYNC_HOME": str(setup.home.root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str]) -> bool:
    """Poll until `condition()` or the process ends; True if the condition was met while it still ran."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(POLL_SECONDS)  # another process's progress: nothing to await
    raise AssertionError("the sync neither reached the kill point nor ended in time")


def membership_state(setup: EmulatorHome) -> tuple[frozenset[int], int, int]:
    """(current members, membership events, pending diff items)."""
    with SyncContext.open(setup.home):
        current = Membership.select(Membership.user_id).where(
            (Membership.community_id == setup.group_id) & (Membership.is_current == True)  # noqa: E712
        )
        members = frozenset(user_id for (user_id,) in current.tuples())
        return members, MembershipEvent.select().count(), PendingDiffItem.select().count()


def integrity(setup: EmulatorHome) -> str:
    with sqlite3.connect(setup.home.db_path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.mark.parametrize("seed", KILL_SEEDS)
def test_sigkill_at_a_random_point_leaves_a_sound_database_and_the_next_run_finishes(
    seed: int, emulator_home_factory: Any
) -> None:
    setup: EmulatorHome = emulator_home_factory(members=10_000, faults="delay=0.02")
    setup.configure(labels=USER_TOKENS, tuning=Tuning(execute_batch=1))
    setup.control("POST", "reset-stats")
    assert run_list(setup, "subscribers", apply=True).ok
    run_length = setup.stats()["requests"]
    changes = setup.churn(join=200, leave=150)
    old_members, old_events, _ = membership_state(setup)
    new_members = frozenset(setup.truth_members())
    kill_at = random.Random(seed).randint(1, max(1, run_length - 2))

    setup.control("POST", "reset-stats")
    process = spawn_cli(setup, "sync", "subscribers", "--group", str(setup.group_id), "--yes", "--json")
    try:
        reached = wait_until(lambda: setup.stats()["requests"] >= kill_at, process)
        assert reached, f"the sync ended before request {kill_at}: {process.communicate()}"
        process.send_signal(signal.SIGKILL)
    finally:
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert integrity(setup) == "ok"
    members, events, pending_items = membership_state(setup)
    joined_and_left = len(changes["joined"]) + len(changes["left"])
    assert (members, events) in ((old_members, old_events), (new_members, old_events + joined_and_left)), (
        f"half-applied diff after a kill at request {kill_at}"
    )
    with SyncContext.open(setup.home):
        assert not PendingDiff.select().exists()  # --yes never leaves a pending diff to show or apply
        # A kill between the diff and its PendingDiff header may leave the killed run's items, which nothing
        # reads without a header; the next run of the list removes them (checked below).
        killed = SyncRun.select(pw.fn.MAX(SyncRun.id)).scalar()
        assert PendingDiffItem.select().where(PendingDiffItem.run_id != killed).count() == 0
    assert pending_items <= joined_and_left

    resumed = run_list(setup, "subscribers", apply=True)
    assert resumed.ok, resumed.describe()
    assert membership_state(setup)[0] == frozenset(setup.truth_members())
    assert membership_state(setup)[2] == 0  # neither the applied diff's items nor the killed run's are left
    assert latest_run(setup, "subscribers").id == resumed.summary.run_id  # type: ignore[union-attr]
    with SyncContext.open(setup.home):
        runs = SyncRun.select(SyncRun.status).where(SyncRun.list_name == "subscribers").order_by(SyncRun.id)
        statuses = [status for (status,) in runs.tuples()]
    assert statuses[-2] in ("interrupted", "applied"), statuses  # the killed run is never left `running`
    assert "running" not in statuses
