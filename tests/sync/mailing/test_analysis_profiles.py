"""Mailing analysis and profile refresh end to end over a real loopback socket, plus their CLI faces."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.helpers.default_world import COMMUNITY_TOKEN
from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.list_checks import expected_profiles, stored_analysis, truth_analysis
from tests.helpers.list_runs import sync
from vksync_tui.cli import main
from vksync_tui.config import Tuning
from vksync_tui.store.models import Mailing, SyncRun, User
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.users_refresh import PROFILE_FIELDS


def unix_time(iso: str) -> int:
    """An export's time (ISO 8601 UTC, `2025-01-31T12:00:00Z`) as unix seconds."""
    moment = datetime.fromisoformat(iso)
    assert moment.tzinfo == UTC
    return int(moment.timestamp())


def test_analysis_equals_the_truth_and_draws_no_error_6(configured_home: EmulatorHome) -> None:
    assert sync(configured_home, "mailing").status == "done"
    configured_home.control("POST", "reset-stats")
    summary = sync(configured_home, "mailing-analysis")
    assert summary.status == "done", summary.error
    truth = truth_analysis(configured_home)
    assert stored_analysis(configured_home) == truth
    by_community = sum(1 for _, _, from_id in truth if from_id < 0)
    assert 0 < by_community < len(truth)  # both kinds of initiator are in the world
    assert summary.extras["started_by_community"] == by_community
    stats = configured_home.stats()
    assert "6" not in stats["errors_by_code"] and "6" not in summary.errors_by_code
    token = stats["by_token"][COMMUNITY_TOKEN]
    assert token["by_method"]["messages.getHistory"] == len(truth)
    assert token["max_rps"] <= 20  # the emulator's real community-token limit
    assert not [label for label in stats["by_token"] if label.startswith("user-")]
    with SyncContext.open(configured_home.home):
        figures = SyncRun.get_by_id(summary.run_id).figures
    assert figures["batch_size"] == 20 and figures["stagger_seconds"] == pytest.approx(1 / 20)
    again = sync(configured_home, "mailing-analysis")
    assert again.status == "done" and again.expected == 0  # nothing left without an analysis
    assert sync(configured_home, "mailing-analysis", all_users=True).expected == len(truth)


def stored_profiles(setup: EmulatorHome, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    with SyncContext.open(setup.home):
        columns = [c for c in User._meta.sorted_fields if c.name != "refreshed_at"]
        rows = User.select(*columns).where(User.id.in_(ids)).tuples().iterator()
        return {row[0]: row for row in rows}


def test_profile_refresh_of_100k_users_equals_the_truth_under_faults(emulator_home_factory: Any) -> None:
    setup: EmulatorHome = emulator_home_factory(members=100_000)
    setup.configure(communities=[setup.group_id], tuning=Tuning(retry_pause=0.05, retry_attempts=6))
    assert sync(setup, "subscribers", apply=True).status == "applied"
    setup.set_faults("http500=0.03,error10=0.03,reset=0.01,truncate=0.01,inner_false=0.02")
    setup.control("POST", "reset-stats")
    summary = sync(setup, "profiles", scope="subscribers")
    assert summary.status == "done", summary.error
    members = setup.truth_members()
    assert summary.expected == len(members) == summary.fetched
    assert summary.retried_ok + sum(summary.errors_by_code.values()) > 0  # the faults were real
    assert stored_profiles(setup, members) == expected_profiles(setup, members)
    with SyncContext.open(setup.home):
        flagged = User.select().where(User.deactivated.is_null(False)).count()
    assert flagged == summary.extras["deactivated"] > 0  # deleted/banned kept and flagged
    stats = setup.stats()["by_token"]
    shares = {label: s["by_method"].get("users.get", 0) for label, s in stats.items()}
    eligible = [t.label for t in setup.config.tokens]
    assert all(shares.get(label, 0) > 0 for label in eligible), shares  # every token worked its share


# One users.get answer (1000 profiles, ~470 KB as whole objects) fits; two calls in an execute (~700 KB) not.
OVERSIZE_BYTES = 600_000


def test_a_profiles_sync_whose_large_answers_come_back_as_html_pages_stores_every_profile(
    emulator_home_factory: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """VK's front end answers an oversized execute with an HTML 404 page rather than error 13
    (https://github.com/Dementiy/vkR/issues/23): the CLI run splits its batches down to what passes."""
    setup: EmulatorHome = emulator_home_factory(members=20_000)
    setup.configure(communities=[setup.group_id], tuning=Tuning(retry_pause=0.05))
    assert sync(setup, "subscribers", apply=True).status == "applied"
    setup.set_faults(f"oversize_html={OVERSIZE_BYTES}")
    setup.control("POST", "reset-stats")
    code, out = run_cli(capsys, "sync", "profiles", "--scope", "subscribers", "--json")
    summary = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and summary["status"] == "done", summary
    members = setup.truth_members()
    assert summary["expected"] == summary["fetched"] == len(members)
    assert stored_profiles(setup, members) == expected_profiles(setup, members)
    assert setup.stats()["oversized_pages"] >= 2  # the pages were real, and repeated
    with SyncContext.open(setup.home):
        figures = SyncRun.get_by_id(summary["run_id"]).figures
    assert figures["batch_size"] == 1 and not summary["failed_chunks"]


def test_profiles_stalest_first_max_and_older_than(configured_home: EmulatorHome) -> None:
    assert sync(configured_home, "mailing").status == "done"
    first = sync(configured_home, "profiles", scope="mailing", max_users=150)
    assert first.status == "done" and first.expected == 150
    with SyncContext.open(configured_home.home) as ctx:
        dialogs = [uid for (uid,) in Mailing.select(Mailing.user_id).order_by(Mailing.user_id).tuples()]
        ctx.write(lambda: User.update(refreshed_at=1).where(User.id.in_(dialogs[:10])).execute())
    stalest = sync(configured_home, "profiles", scope="mailing", max_users=10)
    with SyncContext.open(configured_home.home):
        fresh = {uid for (uid,) in User.select(User.id).where(User.refreshed_at > 1).tuples()}
    assert stalest.expected == 10 and set(dialogs[:10]) <= fresh
    assert sync(configured_home, "profiles", scope="mailing", older_than_days=1).expected == 0


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_cli_sync_options_and_exports(
    configured_home: EmulatorHome, capsys: pytest.CaptureFixture[str]
) -> None:
    configured_home.configure(communities=[configured_home.group_id])
    assert run_cli(capsys, "sync", "mailing", "--json")[0] == 0
    code, out = run_cli(capsys, "sync", "profiles", "--scope", "mailing", "--max", "25", "--json")
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["expected"] == 25
    code, out = run_cli(capsys, "sync", "mailing-analysis", "--all", "--json")
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["status"] == "done"
    truth = truth_analysis(configured_home)
    code, out = run_cli(capsys, "export", "mailing-analysis", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == len(truth)
    assert [
        [int(r["user_id"]), unix_time(r["first_message_date"]), int(r["first_message_from_id"])] for r in rows
    ] == truth
    code, out = run_cli(capsys, "export", "mailing", "--format", "jsonl")
    mailing = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(mailing) == len(truth) and {"user_id", "can_write"} <= set(mailing[0])
    code, out = run_cli(capsys, "export", "profiles", "--format", "csv")
    profiles = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(profiles) == len(truth)  # the community's users: here, its mailing users
    assert {"user_id", "first_name", *[f for f in PROFILE_FIELDS if f != "city"], "city"} <= set(profiles[0])
