"""The mailing sync end to end: real loopback HTTP to the emulator, a real SQLite file in a temp home."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from typing import Any

from tests.helpers.default_world import COMMUNITY_TOKEN
from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.list_checks import stored_dialogs, truth_dialogs
from tests.helpers.list_runs import sync
from vksync_tui.config import Tuning
from vksync_tui.store.models import Mailing, Membership, MembershipEvent, SyncRun, User
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.events import Notice, SyncEvent

MANAGE_ONLY_TOKEN = "group-demo_community-manage-only"


def token_requests(setup: EmulatorHome) -> dict[str, int]:
    return {label: stats["requests"] for label, stats in setup.stats()["by_token"].items()}


def test_mailing_equals_the_truth_and_never_uses_a_user_token(configured_home: EmulatorHome) -> None:
    configured_home.control("POST", "reset-stats")
    events: list[SyncEvent] = []
    summary = sync(configured_home, "mailing", events)
    assert summary.status == "done", summary.error
    truth = truth_dialogs(configured_home)
    assert summary.expected == len(truth) == summary.fetched
    assert stored_dialogs(configured_home) == truth
    requests = token_requests(configured_home)
    assert requests[COMMUNITY_TOKEN] > 0
    assert not [
        label for label in requests if label.startswith("user-")
    ]  # every user token configured, none used
    notices = [e.text for e in events if isinstance(e, Notice)]
    assert any(MANAGE_ONLY_TOKEN in text for text in notices)  # probed, answered 15, dropped
    with SyncContext.open(configured_home.home):
        profiles = {user.id: user for user in User.select().where(User.id.in_(list(truth)))}
    assert len(profiles) == len(truth)
    world = configured_home.emulator.world
    for user_id in list(truth)[:50]:
        assert profiles[user_id].first_name == world.user(user_id)["first_name"]


def test_smart_upsert_keeps_membership_history_and_analysis(configured_home: EmulatorHome) -> None:
    assert sync(configured_home, "subscribers", apply=True).status == "applied"
    configured_home.churn(leave=3000)
    assert sync(configured_home, "subscribers", apply=True).status == "applied"
    truth = truth_dialogs(configured_home)
    with SyncContext.open(configured_home.home) as ctx:
        member = Membership.select().where(
            (Membership.community_id == configured_home.group_id) & Membership.user_id.in_(list(truth))
        )
        chosen = sorted({row.user_id for row in member})[:40]
        assert chosen

        def prepare() -> None:
            User.insert_many(
                [{"id": uid, "first_name": "Old", "last_name": "Name"} for uid in chosen]
            ).on_conflict(conflict_target=[User.id], preserve=[User.first_name, User.last_name]).execute()
            Mailing.insert_many(
                [
                    {
                        "community_id": configured_home.group_id,
                        "user_id": uid,
                        "first_message_date": 123,
                        "first_message_from_id": uid,
                        "analysed_at": 456,
                    }
                    for uid in chosen
                ]
            ).execute()

        ctx.write(prepare)
        membership_before = list(Membership.select().order_by(Membership.user_id).tuples())
        events_before = list(MembershipEvent.select().order_by(MembershipEvent.id).tuples())
    assert sync(configured_home, "mailing").status == "done"
    with SyncContext.open(configured_home.home):
        assert list(Membership.select().order_by(Membership.user_id).tuples()) == membership_before
        assert list(MembershipEvent.select().order_by(MembershipEvent.id).tuples()) == events_before
        world = configured_home.emulator.world
        for uid in chosen:
            user = User.get_by_id(uid)
            assert user.first_name == world.user(uid)["first_name"] != "Old"
            row = Mailing.get(community_id=configured_home.group_id, user_id=uid)
            assert (row.first_message_date, row.first_message_from_id, row.analysed_at) == (123, uid, 456)
            assert row.has_dialog and row.last_message_date == truth[uid][2]


def test_users_without_a_dialog_any_more_are_flagged_not_deleted(configured_home: EmulatorHome) -> None:
    gone = [1, 2, 3]
    with SyncContext.open(configured_home.home) as ctx:
        ctx.write(
            lambda: Mailing.insert_many(
                [
                    {"community_id": configured_home.group_id, "user_id": uid, "has_dialog": True}
                    for uid in gone
                ]
            ).execute()
        )
    summary = sync(configured_home, "mailing")
    assert summary.status == "done" and summary.extras["no_longer_dialog"] == len(gone)
    with SyncContext.open(configured_home.home):
        rows = {row.user_id: row.has_dialog for row in Mailing.select().where(Mailing.user_id.in_(gone))}
    assert rows == dict.fromkeys(gone, False)
    assert stored_dialogs(configured_home) == truth_dialogs(configured_home)


KILLABLE_RUN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from vksync_tui.home import Home
    from vksync_tui.sync.context import SyncContext
    from vksync_tui.sync.registry import run_sync

    with SyncContext.open(Home(Path(sys.argv[1]))) as ctx:
        run_sync("mailing", ctx, int(sys.argv[2]), page_size=10)
    """
)


def committed_dialogs(setup: EmulatorHome) -> int:
    with SyncContext.open(setup.home):
        return Mailing.select().where(Mailing.community_id == setup.group_id).count()


def test_a_killed_run_keeps_its_batches_and_the_next_run_resumes(emulator_home_factory: Any) -> None:
    setup: EmulatorHome = emulator_home_factory(faults="delay=0.02")
    setup.configure(labels=[COMMUNITY_TOKEN], tuning=Tuning(execute_batch=1, workers=1))
    process = subprocess.Popen(
        [sys.executable, "-c", KILLABLE_RUN, str(setup.home.root), str(setup.group_id)],
        env={**os.environ, "VKSYNC_HOME": str(setup.home.root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    total = len(truth_dialogs(setup))
    try:
        deadline = time.monotonic() + 120
        committed = 0
        while committed < 300 and process.poll() is None and time.monotonic() < deadline:
            committed = committed_dialogs(setup)
            time.sleep(0.05)  # polling an external process's database: nothing to await
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    kept = committed_dialogs(setup)
    assert 300 <= kept < total
    configured = setup.configure(labels=[COMMUNITY_TOKEN], tuning=Tuning())
    assert configured.tokens
    summary = sync(setup, "mailing")
    assert summary.status == "done", summary.error
    assert summary.extras["resumed"] is True
    with SyncContext.open(setup.home):
        run = SyncRun.get_by_id(summary.run_id)
        killed = SyncRun.select().where(SyncRun.id < summary.run_id, SyncRun.list_name == "mailing").get()
        assert killed.status == "interrupted"
        assert run.figures["pages_resumed"] * 10 >= kept - 10  # the next run skipped what was committed
    assert stored_dialogs(setup) == truth_dialogs(setup)
    assert committed_dialogs(setup) == total  # no duplicates, nothing missing
