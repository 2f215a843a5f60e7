"""Fault matrix: every registered list × every fault kind the emulator injects, over real loopback HTTP.

Each case syncs the list's prerequisites fault-free on a small world, turns one fault on, runs the list once
and judges it (`list_runs.assert_correct_or_cleanly_failed`): equal to the emulator's truth, or ended with a
recorded reason and no invented or silently dropped rows (subscribers: nothing changed at all). Where one
token dies or spends a method's quota mid-run, the case also checks that it costs no more than its share
(`assert_not_asked_after_the_verdict`). The default run covers every list once (`DEFAULT_CASES`); the full
cross product is `slow` (`make test-all`).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.fault_kinds import (
    FAULT_KINDS,
    QUOTA_KIND,
    REVOKE_AFTER,
    TOKEN_ENDING_KINDS,
    TRANSIENT,
    revoked_label,
)
from tests.helpers.list_checks import ListCheck, check_for, registered_lists
from tests.helpers.list_runs import (
    Outcome,
    assert_correct_or_cleanly_failed,
    prepare,
    run_list,
    start_small_world,
)
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.home import Home

LISTS = registered_lists()
KINDS = list(FAULT_KINDS)
# The quick default run: every list once, each with a different kind of fault (a cheap one for the slow
# lists); the remaining cells of the matrix are `slow`.
DEFAULT_CASES = {
    ("subscribers", QUOTA_KIND), ("posts", "truncated_json"), ("authors", "error29"),
    ("interactions", "inner_false"), ("mailing", "captcha14"), ("mailing-analysis", "token_revoked_mid_run"),
    ("profiles", "all_tokens_of_kind_dead"),
}
MATRIX = [
    pytest.param(list_name, kind, id=f"{list_name}-{kind}",
                 marks=() if (list_name, kind) in DEFAULT_CASES else (pytest.mark.slow,))
    for list_name in LISTS
    for kind in KINDS
]


def fault_fired(setup: EmulatorHome, kind: str, outcome: Outcome) -> bool:
    """Whether the run met its fault. Transport faults leave no error code anywhere, but the seeded stream
    fails requests 1 and 2 of every faulted run (see `fault_kinds.py`), so two requests are proof enough."""
    stats = setup.stats()
    evidence = FAULT_KINDS[kind].evidence
    if evidence == TRANSIENT:
        return stats["requests"] >= 2
    seen = set(stats["errors_by_code"])
    if outcome.summary is not None:
        seen |= set(outcome.summary.errors_by_code)
    return bool(seen & set(evidence))


def assert_not_asked_after_the_verdict(setup: EmulatorHome, kind: str, check: ListCheck,
                                      outcome: Outcome) -> None:
    """A token VK said is dead is asked nothing more after that answer (requests already on their way when it
    came are all the emulator may see after it); a token VK said has spent its quota of the list's method is
    asked that method no more. The client's counts at the verdict equal its final counts and the
    emulator's."""
    label = revoked_label(setup, check)
    token = outcome.tokens[label]
    seen = setup.stats()["by_token"].get(label, {})
    if kind == QUOTA_KIND:
        method = check.quota_method
        assert method in token.asked_at_quota, f"{label} met 29 for {method} but the pool did not take it in"
        assert token.requests_by_method[method] == token.asked_at_quota[method], (
            f"{label} was asked {method} {token.requests_by_method[method]} time(s), "
            f"{token.asked_at_quota[method]} when its quota was spent")
        assert seen.get("requests_by_method", {}).get(method, 0) == token.requests_by_method[method]
        return
    assert token.calls_at_death is not None, f"{label} died at VK but the pool did not take it in"
    assert token.calls == token.calls_at_death, (
        f"{label} was sent {token.calls} request(s), {token.calls_at_death} when VK said it is dead")
    assert seen.get("requests", 0) == token.calls


def why_it_could_not_fire(setup: EmulatorHome, kind: str, check: ListCheck) -> str | None:
    """A small world gives some lists too little work for some faults: say so (a skip), never pass."""
    stats = setup.stats()
    if kind == "inner_false" and stats["inner_calls"] < 2:
        calls = stats["inner_calls"]
        return f"{check.name} made {calls} inner call(s); the seeded inner stream fails the 2nd"
    if kind in TOKEN_ENDING_KINDS:
        label = revoked_label(setup, check)
        token = stats["by_token"].get(label, {})
        used = token.get("by_method", {}).get(check.quota_method, 0) if kind == QUOTA_KIND else \
            token.get("requests", 0)
        if used <= REVOKE_AFTER:
            return f"{check.name} used {label} {used} time(s): it never outlived its allowance"
    return None


@pytest.mark.parametrize(("list_name", "kind"), MATRIX)
def test_list_under_fault_is_exact_or_fails_cleanly(
    list_name: str, kind: str, home: Home, emulator_factory: Callable[..., RunningEmulator]
) -> None:
    check = check_for(list_name)
    fault = FAULT_KINDS[kind]
    setup = start_small_world(emulator_factory, home, tuning=fault.tuning)
    prepare(setup, check)
    before = check.stored(setup)
    setup.set_faults(fault.spec(setup, check))
    setup.control("POST", "reset-stats")
    outcome = run_list(setup, list_name, **check.options)
    setup.set_faults("")
    if not fault_fired(setup, kind, outcome):
        reason = why_it_could_not_fire(setup, kind, check)
        if reason is not None:
            pytest.skip(reason)
        raise AssertionError(f"the {kind} fault never fired during {list_name} ({outcome.describe()})")
    assert_correct_or_cleanly_failed(setup, check, before, outcome)
    if kind in TOKEN_ENDING_KINDS:
        assert_not_asked_after_the_verdict(setup, kind, check, outcome)


def test_every_registered_list_has_a_truth_mapping() -> None:
    for list_name in LISTS:
        assert check_for(list_name).name == list_name
