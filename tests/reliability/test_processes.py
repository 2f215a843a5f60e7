"""Several vksync-tui processes on one home and the same tokens: the way operators run it (the dashboard and a
cron job, or commands typed back to back) must never draw error 6.

Every request of every process waits for its token's budget in the home (`vk/budget.py`). The emulator runs
in a process of its own and stamps arrivals with the kernel's receive time, so its per-token `max_rps` is
what VK would count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

from tests.helpers.emulator_home import EmulatorHome, EmulatorSubprocess, make_emulator_home
from tests.helpers.list_checks import check_for, small_world_spec
from vksync_tui.config import Tuning
from vksync_tui.emulator.limits import DEFAULT_RPS
from vksync_tui.emulator.spec import CommunitySpec
from vksync_tui.home import Home

USER_TOKENS = ("user-admin", "user-editor")
SECOND_GROUP = 212345679
# Small execute batches: many requests per token from every process, so a shared budget is what keeps
# them apart (one 25-call execute each would never meet in a second).
BUSY_TUNING = Tuning(execute_batch=2, retry_pause=0.1)
PROCESS_TIMEOUT = 240


def start_cli(home: Home, *args: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "VKSYNC_HOME": str(home.root)}
    return subprocess.Popen([sys.executable, "-m", "vksync_tui", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment)


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=PROCESS_TIMEOUT)
    return process.returncode, out, err


def run_cli(home: Home, *args: str) -> tuple[int, str, str]:
    return finish(start_cli(home, *args))


def assert_no_token_over_its_limit(setup: EmulatorHome, kinds: dict[str, str]) -> None:
    stats = setup.stats()
    drawn = stats["errors_by_code"]
    assert "6" not in drawn, f"error 6 drawn: {drawn}; {stats['by_token']}"
    over = {label: token["max_rps"] for label, token in stats["by_token"].items()
            if token["max_rps"] > DEFAULT_RPS[kinds[label]]}
    assert not over, f"tokens over their per-second limit: {over}"


def emulator_home(home: Home, start: Callable[..., EmulatorSubprocess], members: int) -> EmulatorHome:
    setup = make_emulator_home(home, start(small_world_spec(members)))
    setup.configure(labels=USER_TOKENS, tuning=BUSY_TUNING)
    return setup


def test_commands_typed_back_to_back_draw_no_error_6(
    home: Home, emulator_process_factory: Callable[..., EmulatorSubprocess]
) -> None:
    """One token, so every command's requests land in the same window of 3: a check asks 3 questions
    (with a community configured), and the look-up and the sync follow within the second."""
    spec = small_world_spec(20_000)
    spec.communities.append(CommunitySpec(id=SECOND_GROUP, screen_name="second_club", name="Second",
                                          members=500, posts=5, dialogs=5))
    setup = make_emulator_home(home, emulator_process_factory(spec))
    secret = next(token["token"] for token in setup.tokens if token["label"] == "user-admin")
    setup.configure(labels=[], communities=[setup.group_id], tuning=BUSY_TUNING)
    setup.control("POST", "reset-stats")
    assert run_cli(home, "tokens", "add", secret, "--label", "user-admin")[0] == 0
    assert run_cli(home, "tokens", "check")[0] == 0
    assert run_cli(home, "group", "add", str(SECOND_GROUP))[0] == 0
    code, out, err = run_cli(home, "sync", "subscribers", "--group", str(setup.group_id), "--yes", "--json")
    assert code == 0, err
    assert json.loads(out.splitlines()[-1])["status"] == "applied"
    assert_no_token_over_its_limit(setup, {"user-admin": "user"})
    assert check_for("subscribers").stored(setup) == check_for("subscribers").truth(setup)


def test_three_syncs_started_at_once_on_one_home_share_each_tokens_budget(
    home: Home, emulator_process_factory: Callable[..., EmulatorSubprocess]
) -> None:
    setup = emulator_home(home, emulator_process_factory, members=20_000)
    assert run_cli(home, "sync", "subscribers", "--yes")[0] == 0  # the members whose profiles are fetched
    setup.control("POST", "reset-stats")
    commands: Sequence[tuple[str, ...]] = (
        ("sync", "subscribers", "--yes", "--json"),
        ("sync", "posts", "--full", "--json"),
        ("sync", "profiles", "--scope", "subscribers", "--json"),
    )
    processes = [start_cli(home, *command) for command in commands]
    results = [finish(process) for process in processes]
    for command, (code, out, err) in zip(commands, results, strict=True):
        assert code == 0, f"{command}: exit {code}: {err}"
        assert json.loads(out.splitlines()[-1])["status"] in ("applied", "done"), out
    assert_no_token_over_its_limit(setup, {label: "user" for label in USER_TOKENS})
    busy = {label: token["requests"] for label, token in setup.stats()["by_token"].items()}
    assert all(busy.get(label, 0) >= 5 for label in USER_TOKENS), f"the tokens were not shared: {busy}"
    for name in ("subscribers", "posts", "profiles"):
        check = check_for(name)
        stored, truth = check.stored(setup), check.truth(setup)
        assert stored == truth, f"{name}: {len(truth - stored)} missing, {len(stored - truth)} extra"
