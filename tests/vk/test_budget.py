"""The shared per-token request budget: one record per token that every limiter, thread and process consults.

Two `FileRateBudget`s on one folder hold separate descriptors, so their flocks exclude each other exactly as
two processes' would; the kill test uses a real second process.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.paths import REPO_ROOT
from vksync_tui.clock import ManualClock
from vksync_tui.config import TokenEntry, Tuning
from vksync_tui.vk.budget import (
    BudgetUnavailable,
    FileRateBudget,
    Grant,
    MemoryRateBudget,
    fingerprint,
)
from vksync_tui.vk.ratelimit import RateLimiter
from vksync_tui.vk.tokens import TokenPool

SECRET = "vk1.a.budget-test-secret-0123456789abcdef"
KEY = fingerprint(SECRET)
WINDOW = 1.1


def spend(budget: FileRateBudget | MemoryRateBudget, count: int = 3, *,
          in_flight: bool = False) -> list[Grant]:
    grants = [budget.try_grant(KEY, 3, WINDOW, in_flight=in_flight) for _ in range(count)]
    assert all(isinstance(grant, Grant) for grant in grants)
    return grants  # type: ignore[return-value]


def test_two_budgets_on_one_folder_share_each_tokens_window(tmp_path: Path) -> None:
    clock = ManualClock(100.0)
    dashboard, cron_job = FileRateBudget(tmp_path, clock), FileRateBudget(tmp_path, clock)
    spend(dashboard)
    assert cron_job.try_grant(KEY, 3, WINDOW, in_flight=False) == pytest.approx(WINDOW)
    assert cron_job.try_grant("another-token", 3, WINDOW, in_flight=False) != pytest.approx(WINDOW)
    clock.advance(WINDOW)
    spend(cron_job)
    assert dashboard.wait_hint(KEY, 3, WINDOW) == pytest.approx(WINDOW)  # cron's grants are in its view too


def test_limiters_of_two_pools_on_one_budget_never_burst_together(tmp_path: Path) -> None:
    """What a second process does: its own pool and limiters, the same budget folder."""
    clock = ManualClock()
    pools = [TokenPool([TokenEntry("u", SECRET)], Tuning(), budget=FileRateBudget(tmp_path, clock),
                       clock=clock) for _ in range(2)]
    grants: list[float] = []
    for index in range(12):
        pools[index % 2].get("u").limiter.acquire()  # type: ignore[union-attr]
        grants.append(clock.now())
    assert max(sum(1 for moment in grants if start <= moment < start + 1.0) for start in grants) == 3
    assert grants[-1] == pytest.approx(3 * WINDOW)  # and the budget is used fully: 3 per window


def test_a_request_in_flight_counts_from_when_it_was_sent(tmp_path: Path) -> None:
    clock = ManualClock()
    budget = FileRateBudget(tmp_path, clock)
    late, *_ = spend(budget, in_flight=True)
    clock.advance(2.0)  # the first request waited 2 s for the interpreter before its bytes left
    assert budget.wait_hint(KEY, 3, WINDOW) == pytest.approx(WINDOW)  # still on its way: counts as now
    budget.sent(late)
    assert budget.wait_hint(KEY, 3, WINDOW) == pytest.approx(WINDOW)
    clock.advance(WINDOW)
    assert budget.wait_hint(KEY, 3, WINDOW) == 0.0


def test_sending_marks_a_request_sent_once_whatever_happens(tmp_path: Path) -> None:
    clock = ManualClock()
    budget = MemoryRateBudget(clock)
    limiter = RateLimiter(1, clock, budget=budget, key=KEY, slack=0.0)
    with pytest.raises(ValueError), limiter.sending():
        clock.advance(5.0)
        raise ValueError("the request failed before it was sent")
    assert budget.wait_hint(KEY, 1, 1.0) == pytest.approx(1.0)  # counted from the failure, conservatively
    with limiter.sending() as sent:
        sent()
        clock.advance(0.5)
        sent()  # a second mark changes nothing
    assert budget.wait_hint(KEY, 1, 1.0) == pytest.approx(0.5)


HOLDER = """
import sys, time
from pathlib import Path
from vksync_tui.vk.budget import FileRateBudget
budget = FileRateBudget(Path(sys.argv[1]))
for _ in range(3):
    budget.try_grant(sys.argv[2], 3, 1.1, in_flight=True)
with budget._record(sys.argv[2]):
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_process_killed_holding_the_budget_stalls_nobody_beyond_one_window(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path), KEY], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    holder.stdout.close()
    killed_at = time.monotonic()
    budget = FileRateBudget(tmp_path, lock_timeout=5.0)  # its lock died with it: no time-out here
    wait = budget.wait_hint(KEY, 3, WINDOW)
    assert wait <= WINDOW - (time.monotonic() - killed_at) + 0.01  # its 3 unsent grants count from grant
    assert isinstance(budget.try_grant(KEY, 4, WINDOW, in_flight=False), Grant)


def test_a_garbled_record_counts_as_a_full_window_just_spent(tmp_path: Path) -> None:
    clock = ManualClock(50.0)
    (tmp_path / f"{KEY}.budget").write_bytes(b"not a budget record at all")
    budget = FileRateBudget(tmp_path, clock)
    assert budget.try_grant(KEY, 3, WINDOW, in_flight=False) == pytest.approx(WINDOW)
    clock.advance(WINDOW)
    assert isinstance(budget.try_grant(KEY, 3, WINDOW, in_flight=False), Grant)


def test_entries_from_before_a_reboot_are_forgotten(tmp_path: Path) -> None:
    before = FileRateBudget(tmp_path, ManualClock(1_000_000.0))
    spend(before)
    after_reboot = FileRateBudget(tmp_path, ManualClock(30.0))  # the monotonic clock started again
    assert after_reboot.wait_hint(KEY, 3, WINDOW) == 0.0


def test_files_are_private_and_named_by_fingerprint(tmp_path: Path) -> None:
    budget = FileRateBudget(tmp_path / "rate-budget")
    spend(budget)
    names = [path.name for path in (tmp_path / "rate-budget").iterdir()]
    assert f"{KEY}.budget" in names and not any(SECRET in name for name in names)
    assert (tmp_path / "rate-budget").stat().st_mode & 0o777 == 0o700
    for path in (tmp_path / "rate-budget").iterdir():
        assert path.stat().st_mode & 0o777 == 0o600
        assert SECRET.encode() not in path.read_bytes()


def test_an_unusable_folder_is_a_clear_error_not_unbudgeted_requests(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(BudgetUnavailable, match=r"rate-budget.*sends no request it cannot count"):
        FileRateBudget(blocker / "rate-budget")


def test_a_lock_held_too_long_is_a_clear_error(tmp_path: Path) -> None:
    holder = FileRateBudget(tmp_path)
    waiting = FileRateBudget(tmp_path, lock_timeout=0.05)
    with holder._record(KEY), pytest.raises(BudgetUnavailable, match="stayed locked"):
        waiting.try_grant(KEY, 3, WINDOW, in_flight=False)


PACKAGE = REPO_ROOT / "vksync_tui"


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _names_secret(node: ast.AST) -> bool:
    return any(isinstance(part, ast.Attribute) and part.attr == "secret" for part in ast.walk(node))


def test_no_request_goes_around_a_tokens_budget() -> None:
    """Only a `PooledToken` (which waits for its budget) hands a token to a client, and only the session makes
    clients: a check, a look-up or a demo action that called VK directly would spend a token unbudgeted."""
    sends, clients = [], []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("emulator/"):
            continue  # the emulator is VK's side
        for call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if name in ("call", "execute") and any(_names_secret(argument) for argument in call.args):
                sends.append(f"{relative}:{call.lineno}")
            if name == "VkClient":
                clients.append(f"{relative}:{call.lineno}")
    assert sends and all(place.startswith("vk/tokens.py:") for place in sends), sends
    assert clients and all(place.startswith("vk/session.py:") for place in clients), clients
