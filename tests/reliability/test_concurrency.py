"""Concurrency: every registered list syncing at once in one process, on one SyncContext (jobs made with
`ctx.for_job`, as the TUI does), sharing the same tokens.

Lists run in two waves: first those that need nothing stored before them, then those that work on what the
first wave stored (profiles of the subscribers, interactions of the posts, ...). Each list must end equal to
the emulator's truth — the same data a run on its own produces — and the emulator's per-token `max_rps`
(requests counted on arrival in any one-second window) must stay within VK's limit for every token.

Known result: in about one run in four on the shared 2-core machine a user token shows 4 arrivals in one
second (and the emulator answers one error 6): the emulator shares the process (and the GIL) with seven
jobs, and the delay between the limiter's grant and the request's arrival then exceeds the limiter's 30 ms
slack. The limiter widens its slack after that error 6, as designed, and the data stay exact. The test is
`slow` (run by `make test-all`) so that `make test` is not flaky; it stays strict.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import EmulatorHome
from tests.reliability.harness import start_small_world
from tests.reliability.lists import OK_STATUSES, check_for, registered_lists
from vksync_tui.emulator.limits import DEFAULT_RPS
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.home import Home
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.events import discard
from vksync_tui.sync.registry import run_sync
from vksync_tui.sync.runs import RunSummary

JOB_TIMEOUT_SECONDS = 240


def waves() -> list[list[str]]:
    """Lists with no prerequisite but themselves first, then the lists that build on them."""
    first, second = [], []
    for name in registered_lists():
        check = check_for(name)
        (first if set(check.prerequisites) <= {name} else second).append(name)
    return [first, second]


def run_together(ctx: SyncContext, group_id: int, names: list[str]) -> dict[str, RunSummary]:
    def job(name: str) -> RunSummary:
        return run_sync(name, ctx.for_job(discard), group_id, **check_for(name).options)

    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="list-job") as pool:
        futures = {name: pool.submit(job, name) for name in names}
        return {name: future.result(timeout=JOB_TIMEOUT_SECONDS) for name, future in futures.items()}


@pytest.mark.slow  # strict, and it does catch a 4th request in a window now and then (see the docstring)
def test_all_lists_at_once_stay_under_every_token_limit_and_equal_the_truth(
    home: Home, emulator_factory: Callable[..., RunningEmulator]
) -> None:
    setup: EmulatorHome = start_small_world(emulator_factory, home, members=6000)
    setup.control("POST", "reset-stats")
    with SyncContext.open(setup.home) as ctx:
        for wave in waves():
            summaries = run_together(ctx, setup.group_id, wave)
            for name, summary in summaries.items():
                assert summary.status in OK_STATUSES, f"{name}: {summary.status} {summary.error}"
    for name in registered_lists():
        check = check_for(name)
        stored, truth = check.stored(setup), check.truth(setup)
        assert stored == truth, f"{name}: {len(truth - stored)} missing, {len(stored - truth)} extra"
    kinds = {token.label: token.kind for token in setup.config.tokens}
    by_token = setup.stats()["by_token"]
    assert by_token, "no token made a request"
    over = {label: (stats["max_rps"], DEFAULT_RPS[kinds[label]]) for label, stats in by_token.items()
            if stats["max_rps"] > DEFAULT_RPS[kinds[label]]}
    assert not over, f"tokens over their per-second limit (seen, limit): {over}; {by_token}"
    busy = [label for label, stats in by_token.items() if stats["requests"] > 1]
    assert len(busy) >= 3, f"the lists did not share the tokens: {by_token}"
