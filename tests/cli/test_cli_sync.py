"""`vksync-tui sync|diff|export` as the operator runs them: a real process, a real socket, a real database."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from tests.helpers.emulator_home import EmulatorHome
from vksync_tui.cli import main
from vksync_tui.config import Tuning
from vksync_tui.store.db import open_database
from vksync_tui.store.models import PendingDiff, PendingDiffItem, SyncRun
from vksync_tui.sync import diff, registry


def cli(setup: EmulatorHome, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VKSYNC_HOME": str(setup.home.root)}
    env.pop("VKSYNC_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "vksync_tui", *args], capture_output=True, text=True, env=env, timeout=300
    )


def last_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    return json.loads(result.stdout.strip().splitlines()[-1])


def one_community(setup: EmulatorHome, **kwargs: Any) -> None:
    setup.configure(communities=[setup.group_id], **kwargs)


def test_sync_yes_applies_and_prints_the_json_summary_last(configured_home: EmulatorHome) -> None:
    one_community(configured_home)
    result = cli(configured_home, "sync", "subscribers", "--yes", "--json")
    assert result.returncode == 0, result.stderr
    summary = last_json(result)
    truth = configured_home.truth_members()
    assert summary["status"] == "applied" and summary["fetched"] == len(truth) == summary["joined"]
    expected_keys = {
        "list", "group_id", "status", "expected", "fetched", "joined", "left", "verified_still_member",
        "failed_chunks", "retried_ok", "requests", "errors_by_code", "seconds",
    }
    assert expected_keys <= set(summary)
    assert "recon: started" in result.stderr and "finished: applied" in result.stderr  # plain lines: no TTY
    for token in configured_home.config.tokens:
        assert token.secret not in result.stdout + result.stderr

    exported = cli(configured_home, "export", "subscribers", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [int(row["user_id"]) for row in rows] == truth
    assert {row["status"] for row in rows} == {"member"}
    assert set(rows[0]) == {"user_id", "status", "joined_at", "left_at", "first_name", "last_name"}


def test_pending_diff_show_apply_and_export_all(configured_home: EmulatorHome, tmp_path: Any) -> None:
    one_community(configured_home)
    assert cli(configured_home, "sync", "subscribers", "--yes").returncode == 0
    changes = configured_home.churn(join=20, leave=15)
    result = cli(configured_home, "sync", "subscribers", "--json")
    assert result.returncode == 0, result.stderr
    assert last_json(result)["status"] == "pending"
    assert (last_json(result)["joined"], last_json(result)["left"]) == (20, 15)

    shown = cli(configured_home, "diff", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert sorted(p["user_id"] for p in view["joined"]) == sorted(changes["joined"])
    assert sorted(p["user_id"] for p in view["left"]) == sorted(changes["left"])
    text = cli(configured_home, "diff", "show")
    assert "joined 20, left 15" in text.stdout

    applied = cli(configured_home, "diff", "apply", "--json")
    assert applied.returncode == 0 and json.loads(applied.stdout)["left"] == 15
    assert cli(configured_home, "diff", "apply").returncode == 1  # nothing pending any more

    out = tmp_path / "members.jsonl"
    exported = cli(configured_home, "export", "subscribers", "--all", "--format", "jsonl", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    members = sorted(row["user_id"] for row in rows if row["status"] == "member")
    assert members == configured_home.truth_members()
    left = [row for row in rows if row["status"] == "left"]
    assert sorted(row["user_id"] for row in left) == sorted(changes["left"])
    assert all(row["left_at"] for row in left)


def test_discard_keeps_members(configured_home: EmulatorHome) -> None:
    one_community(configured_home)
    assert cli(configured_home, "sync", "subscribers").returncode == 0
    discarded = cli(configured_home, "diff", "discard", "--json")
    assert discarded.returncode == 0 and json.loads(discarded.stdout)["discarded"]
    exported = cli(configured_home, "export", "subscribers", "--format", "jsonl")
    assert exported.stdout == ""


def test_threshold_abort_exits_3(emulator_home_factory: Any) -> None:
    setup: EmulatorHome = emulator_home_factory(members=60_000, faults="sticky=0.1")
    one_community(
        setup,
        labels=["group-demo_community"],
        tuning=Tuning(execute_batch=5, retry_pause=0.01, retry_attempts=1),
    )
    result = cli(setup, "sync", "subscribers", "--yes", "--json")
    assert result.returncode == 3, result.stderr
    summary = last_json(result)
    assert summary["status"] == "aborted" and summary["failed_chunks"]
    assert "safety threshold" in result.stderr


def test_bad_input_exits_2(configured_home: EmulatorHome) -> None:
    unknown = cli(configured_home, "sync", "subscribers", "--group", "999999")
    assert unknown.returncode == 2 and "999999" in unknown.stderr
    several = cli(configured_home, "sync", "subscribers")
    assert several.returncode == 2 and "--group" in several.stderr
    configured_home.configure(labels=["service"], communities=[configured_home.group_id])
    no_token = cli(configured_home, "sync", "subscribers")
    assert no_token.returncode == 2 and "user token or a community token" in no_token.stderr


def test_ctrl_c_during_diff_apply_lets_the_transaction_finish_and_says_so(
    configured_home: EmulatorHome, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Closing the writer would run a queued apply anyway: claiming "nothing changed" would be a lie."""
    one_community(configured_home)
    assert cli(configured_home, "sync", "subscribers", "--yes").returncode == 0
    configured_home.churn(join=5, leave=5)
    assert cli(configured_home, "sync", "subscribers").returncode == 0
    real_apply = diff.apply_pending

    def apply_with_ctrl_c(ctx: Any, group_id: int) -> Any:
        signal.raise_signal(signal.SIGINT)  # the operator presses Ctrl-C while the apply runs
        return real_apply(ctx, group_id)

    monkeypatch.setattr(diff, "apply_pending", apply_with_ctrl_c)
    monkeypatch.delenv("VKSYNC_API_URL", raising=False)
    capfd.readouterr()
    code = main(["--home", str(configured_home.home.root), "diff", "apply"])
    out, err = capfd.readouterr()
    assert code == 0 and "5 joined, 5 left" in out, err
    assert "this is one transaction; it finishes first" in err
    assert cli(configured_home, "diff", "apply").returncode == 1  # nothing pending any more


def test_a_cli_sync_runs_with_the_start_up_heap_frozen_and_gives_it_back(
    configured_home: EmulatorHome, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The collector does not walk the modules and objects start-up made while the sync allocates its rows
    (vksync_tui/heap.py); once the sync is over they are the collector's again."""
    one_community(configured_home)
    real_run_sync = registry.run_sync
    frozen_during_sync: list[int] = []

    def recording_run_sync(list_name: str, ctx: Any, group_id: int, **options: Any) -> Any:
        frozen_during_sync.append(gc.get_freeze_count())
        return real_run_sync(list_name, ctx, group_id, **options)

    monkeypatch.setattr(registry, "run_sync", recording_run_sync)
    monkeypatch.delenv("VKSYNC_API_URL", raising=False)
    frozen_before = gc.get_freeze_count()
    code = main(["--home", str(configured_home.home.root), "sync", "subscribers", "--yes", "--json"])
    capfd.readouterr()
    assert code == 0
    assert frozen_during_sync and frozen_during_sync[0] > frozen_before + 10_000  # the imported modules
    assert gc.get_freeze_count() == frozen_before


def test_a_run_that_changes_nothing_saves_no_pending_diff(
    configured_home: EmulatorHome, capsys: pytest.CaptureFixture[str]
) -> None:
    one_community(configured_home)
    home = ["--home", str(configured_home.home.root)]
    assert main([*home, "sync", "subscribers", "--yes"]) == 0
    # A stale diff from an earlier run (never reviewed) that claims someone left.
    db = open_database(configured_home.home.db_path)
    with db.atomic():
        stale = SyncRun.create(
            list_name="subscribers", community_id=configured_home.group_id, status="pending", started_at=0
        )
        PendingDiff.create(run_id=stale.id, community_id=configured_home.group_id, created_at=0, fetched=0,
                           joined=0, left=1, still_member=0)
        PendingDiffItem.create(run_id=stale.id, user_id=configured_home.truth_members()[0], kind="left")
    db.close()
    capsys.readouterr()
    assert main([*home, "sync", "subscribers", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["status"], summary["joined"], summary["left"]) == ("done", 0, 0)
    assert main([*home, "diff", "show"]) == 1
    assert "no pending diff" in capsys.readouterr().err
    db = open_database(configured_home.home.db_path)
    statuses = [run.status for run in SyncRun.select().order_by(SyncRun.id)]
    items = PendingDiffItem.select().count()
    db.close()
    assert statuses == ["applied", "superseded", "done"] and items == 0
