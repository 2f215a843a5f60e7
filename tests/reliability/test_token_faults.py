"""Issue 17's acceptance scenario: three user tokens, one dead and one out of its daily quotas, and the runs
still end equal to the truth — without the faulty tokens costing more than their share.

The emulator runs in its own process (real HTTP over loopback, a real SQLite file, the real CLI). Of the three
user tokens of the home:
- `DEAD` answers 1117 "Access token has expired" to its first request and 3610 "User is deactivated" after;
- `THROTTLED` has spent its daily quota of every method the three syncs call (29 to each), and from its third
  request on answers 36 "Method execution was interrupted due to timeout" to everything, from its fifth 43
  "This section is temporary unavailable";
- `GOOD` (the community's administrator) works.
`sync subscribers`, `sync posts --full` and `sync profiles --scope subscribers` each run as an operator
would run them, one after the other, with small execute batches so that each makes a few dozen requests. The
same three runs on a home without `THROTTLED` (and a fresh emulator with the same faults for `DEAD`) are the
yardstick for what `THROTTLED` costs: counted in requests, not timed; the wall times are printed for the
record.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.emulator_home import EmulatorHome, EmulatorSubprocess, make_emulator_home
from tests.helpers.list_checks import check_for, small_world_spec
from vksync_tui.cli import main
from vksync_tui.config import Tuning
from vksync_tui.home import Home
from vksync_tui.vk.budget import fingerprint
from vksync_tui.vk.quotas import QUOTA_FILE

GOOD, DEAD, THROTTLED = "user-admin", "user-editor", "user-moderator"
# Every method the three syncs call (a quota of each spent: 29 on every call of the throttled token).
SYNC_METHODS = ("groups.getById", "groups.getMembers", "groups.isMember", "wall.get", "wall.getById",
                "users.get")
DEAD_FAULTS = f"expire={DEAD}@0,deactivate={DEAD}@1"
THROTTLED_FAULTS = ",".join([*(f"quota={THROTTLED}:{method}@0" for method in SYNC_METHODS),
                             f"error36={THROTTLED}@2", f"error43={THROTTLED}@4"])
RUNS: tuple[tuple[str, ...], ...] = (
    ("subscribers", "--yes"),
    ("posts", "--full"),
    ("profiles", "--scope", "subscribers"),
)
MEMBERS = 20_000
SMALL_BATCHES = Tuning(execute_batch=2, retry_pause=0.05)


@dataclass
class Run:
    """One sync as the emulator saw it: exit code, wall time, and per token what it was asked."""

    name: str
    exit_code: int
    seconds: float
    by_token: dict[str, dict[str, Any]] = field(default_factory=dict)

    def requests(self, label: str) -> int:
        return int(self.by_token.get(label, {}).get("requests", 0))

    def asked(self, label: str, method: str) -> int:
        return int(self.by_token.get(label, {}).get("requests_by_method", {}).get(method, 0))

    def errors(self, label: str) -> dict[str, int]:
        return dict(self.by_token.get(label, {}).get("errors_by_code", {}))


def run_scenario(home: Home, emulator: EmulatorSubprocess, labels: tuple[str, ...], faults: str,
                 capsys: pytest.CaptureFixture[str]) -> tuple[EmulatorHome, list[Run]]:
    setup = make_emulator_home(home, emulator)
    setup.configure(labels=labels, communities=[setup.group_id], tuning=SMALL_BATCHES)
    setup.set_faults(faults)
    runs = []
    for name, *options in RUNS:
        setup.control("POST", "reset-stats")
        started = time.perf_counter()
        exit_code = main(["--home", str(home.root), "sync", name, *options, "--json"])
        seconds = time.perf_counter() - started
        out, err = capsys.readouterr()
        assert exit_code == 0, f"sync {name} exited {exit_code}: {err}"
        assert json.loads(out.strip().splitlines()[-1])["status"] in ("applied", "done"), out
        check = check_for(name)
        stored, truth = check.stored(setup), check.truth(setup)
        assert stored == truth, f"{name}: {len(truth - stored)} missing, {len(stored - truth)} extra"
        runs.append(Run(name, exit_code, seconds, setup.stats()["by_token"]))
    return setup, runs


def quota_methods(home: Home, label: str, setup: EmulatorHome) -> set[str]:
    """The methods the home has written down as spent for the token `label` (what the client learned)."""
    path = home.root / QUOTA_FILE
    if not path.exists():
        return set()
    secret = next(token["token"] for token in setup.tokens if token["label"] == label)
    return set(json.loads(path.read_text()).get(fingerprint(secret), {}))


def test_one_dead_and_one_throttled_token_of_three_cost_no_more_than_their_share(
    home: Home, tmp_path: Path, emulator_process_factory: Callable[..., EmulatorSubprocess],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = small_world_spec(MEMBERS)
    setup, runs = run_scenario(home, emulator_process_factory(spec), (DEAD, THROTTLED, GOOD),
                               f"{DEAD_FAULTS},{THROTTLED_FAULTS}", capsys)
    yardstick_home = Home(tmp_path / "yardstick").ensure()
    _, yardstick = run_scenario(yardstick_home, emulator_process_factory(spec), (DEAD, GOOD), DEAD_FAULTS,
                                capsys)

    # The dead token: asked once per run (VK's answer disables it for the rest of the run), 1117 then 3610.
    assert [run.requests(DEAD) for run in runs] == [1, 1, 1]
    assert [run.errors(DEAD) for run in runs] == [{"1117": 1}, {"3610": 1}, {"3610": 1}]

    # The throttled token: each method VK said it has spent was asked at most once, in the run that learned
    # it, and never again (the home remembers it); then it answered 36 and 43, which only move calls on.
    spent = quota_methods(home, THROTTLED, setup)
    assert {"groups.getMembers"} <= spent, spent
    for method in spent:
        asked = [run.asked(THROTTLED, method) for run in runs]
        first = next(index for index, count in enumerate(asked) if count)
        assert asked[first] == 1 and not any(asked[first + 1:]), (method, asked)
    codes = {code for run in runs for code in run.errors(THROTTLED)}
    assert {"29", "36", "43"} <= codes, codes

    # Its share: the working token made no more requests than on the home without it, beyond one for each
    # request the throttled token failed (its calls then go out from the good token instead).
    for run, alone in zip(runs, yardstick, strict=True):
        assert run.requests(GOOD) <= alone.requests(GOOD) + run.requests(THROTTLED), (
            run.name, run.requests(GOOD), alone.requests(GOOD), run.requests(THROTTLED))
    with capsys.disabled():
        for run, alone in zip(runs, yardstick, strict=True):
            print(f"\n{run.name}: {run.seconds:.2f} s with {THROTTLED} ({run.requests(GOOD)} requests by "
                  f"{GOOD}, {run.requests(THROTTLED)} by {THROTTLED}, {run.requests(DEAD)} by {DEAD}); "
                  f"{alone.seconds:.2f} s without it ({alone.requests(GOOD)} by {GOOD})")
