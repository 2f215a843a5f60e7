"""One token of three answering an error about itself (expired, its owner deactivated) never ends a run as a
refusal of the community: the other tokens make the calls (real HTTP, real SQLite, the CLI)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.list_checks import check_for
from vksync_tui.cli import main
from vksync_tui.config import Tuning
from vksync_tui.store.models import Membership
from vksync_tui.sync.context import SyncContext

USER_TOKENS = ["user-admin", "user-editor", "user-reader"]
DEAD = USER_TOKENS[0]  # the first token: the recon call goes to it first


def stored_members(setup: EmulatorHome) -> list[int]:
    with SyncContext.open(setup.home):
        current = (Membership.community_id == setup.group_id) & (Membership.is_current == True)  # noqa: E712
        return sorted(uid for (uid,) in Membership.select(Membership.user_id).where(current).tuples())


@pytest.mark.parametrize(
    ("faults", "codes_by_run"),
    [(f"expire={DEAD}@0", [{"1117"}]), (f"deactivate={DEAD}@0", [{"3610"}]),
     (f"expire={DEAD}@0,deactivate={DEAD}@1", [{"1117"}, {"3610"}])],
    ids=["expired", "owner-deactivated", "expired-then-deactivated"],
)
def test_a_subscribers_sync_with_one_dead_token_of_three_exits_0_and_equals_the_truth(
    faults: str, codes_by_run: list[set[str]], emulator_home_factory: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each run asks the dead token once (VK's answer disables it for the rest of the run), so a token that
    expired and then lost its owner answers 1117 to one run and 3610 to the next."""
    setup: EmulatorHome = emulator_home_factory(members=5000, faults=faults)
    setup.configure(labels=USER_TOKENS, communities=[setup.group_id], tuning=Tuning(retry_pause=0.05))
    for codes in codes_by_run:
        setup.control("POST", "reset-stats")
        exit_code = main(["sync", "subscribers", "--yes", "--json"])
        summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert exit_code == 0 and summary["status"] in ("applied", "done"), summary  # done: nobody moved
        assert stored_members(setup) == setup.truth_members()
        assert codes <= set(summary["errors_by_code"])  # the dead token was asked, and answered as VK does
        assert setup.stats()["by_token"][DEAD]["requests"] == 1  # once: never again after VK's answer


def test_a_posts_sync_whose_first_token_is_dead_exits_0_and_equals_the_truth(
    emulator_home_factory: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dead token is asked once (the wall's first page) and then left out, its admin level included: the
    level of a token that cannot be asked is no part of the run's work."""
    dead = "user-editor"
    setup: EmulatorHome = emulator_home_factory(members=500, faults=f"expire={dead}@0")
    setup.configure(labels=[dead, "user-reader", "user-admin"], communities=[setup.group_id],
                    tuning=Tuning(retry_pause=0.05))
    exit_code = main(["sync", "posts", "--full", "--json"])
    out, err = capsys.readouterr()
    assert exit_code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["status"] == "done"
    check = check_for("posts")
    assert check.stored(setup) == check.truth(setup)
    assert setup.stats()["by_token"][dead]["requests"] == 1
