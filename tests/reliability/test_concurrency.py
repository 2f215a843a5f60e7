"""Concurrency: every registered list syncing at once in one process, on one SyncContext (jobs made with
`ctx.for_job`, as the TUI does), sharing the same tokens.

Lists run in two waves: first those that need nothing stored before them, then those that work on what the
first wave stored (profiles of the subscribers, interactions of the posts, ...). Each list must end equal to
the emulator's truth — the same data a run on its own produces — and the emulator's per-token `max_rps`
(requests counted on arrival in any one-second window) must stay within VK's limit for every token.

The emulator runs in a process of its own, as VK is another machine: sharing this process's GIL with seven
sync jobs, it stamped some arrivals tens of milliseconds late, and a 4th request then showed up in a user
token's one-second window about one run in four — a flaw of the set-up, not of the limiter. With the
emulator apart (stamping arrivals with the kernel's receive time) and the limiter's 10 % slack it passed
22 runs in 22 on the shared 2-core machine (load average 1–4.5), so it runs in `make test`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tests.helpers.emulator_home import EmulatorHome, EmulatorSubprocess, make_emulator_home
from tests.helpers.list_checks import OK_STATUSES, check_for, registered_lists, small_world_spec
from tests.helpers.list_runs import FAST_TUNING
from vksync_tui.emulator.limits import DEFAULT_RPS
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


def test_all_lists_at_once_stay_under_every_token_limit_and_equal_the_truth(
    home: Home, emulator_process_factory: Callable[..., EmulatorSubprocess]
) -> None:
    setup: EmulatorHome = make_emulator_home(home, emulator_process_factory(small_world_spec(6000)))
    setup.configure(tuning=FAST_TUNING)
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
