"""TokenActivity: requests per token and day across the pools a session goes through, and the status word."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vksync_tui.clock import ManualClock
from vksync_tui.config import TokenCheck, TokenEntry, Tuning
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.vk.activity import TokenActivity, TokenFigures
from vksync_tui.vk.budget import MemoryRateBudget
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.tokens import TokenPool

NOON = 1_767_268_800.0  # 2026-01-01 12:00 UTC: the same calendar day in every time zone from UTC-11 to UTC+11
DAY = 86_400.0


class Session:
    """A pool of two of the emulator's user tokens on a manual clock, asking the emulator over real HTTP (an
    emulator that allows many requests per second: the manual clock lets the pool send them back to back)."""

    def __init__(self, emulator: RunningEmulator) -> None:
        secrets = {info.label: info.token for info in emulator.world.tokens}
        self.entries = [TokenEntry(label, secrets[label], "user") for label in ("user-admin", "user-reader")]
        self.clock = ManualClock()
        self.budget = MemoryRateBudget(self.clock)
        self.client = VkClient(emulator.url)
        self.pool = self.new_pool()

    def new_pool(self) -> TokenPool:
        """What a session does when the settings change: a fresh pool (counters at zero), same budget."""
        self.pool = TokenPool(self.entries, Tuning(), budget=self.budget, clock=self.clock)
        return self.pool

    def ask(self, label: str, times: int = 1) -> None:
        token = next(token for token in self.pool if token.label == label)
        for _ in range(times):
            token.call(self.client, "users.get", {"user_ids": "1"})


@pytest.fixture
def session(emulator_factory: Callable[..., RunningEmulator]) -> Session:
    made = Session(emulator_factory(members=1000, rps={"user": 1000}))
    yield made  # type: ignore[misc]
    made.client.close()


def test_calls_are_counted_once_per_day_across_pool_replacements(session: Session) -> None:
    now = [NOON]
    activity = TokenActivity(wall_clock=lambda: now[0])
    session.ask("user-admin", 2)
    session.ask("user-reader")
    activity.account(session.pool)
    activity.account(session.pool)  # nothing new since the last look: nothing added
    assert (activity.calls_today("user-admin"), activity.calls_today("user-reader")) == (2, 1)

    session.ask("user-admin")
    activity.retire(session.pool)  # the settings changed: the old pool's last calls count, then it goes
    session.new_pool()
    session.ask("user-admin")  # the new pool counts from zero again
    activity.account(session.pool)
    assert activity.calls_today("user-admin") == 4

    now[0] += DAY
    assert activity.calls_today("user-admin") == 0  # a new day starts at zero
    session.ask("user-admin", 3)
    activity.account(session.pool)
    assert activity.calls_today("user-admin") == 3
    now[0] -= DAY
    assert activity.calls_today("user-admin") == 4  # yesterday's total is kept as it was


def test_status_puts_checks_first_then_the_config_then_the_running_syncs() -> None:
    activity = TokenActivity(wall_clock=lambda: NOON)
    checked = TokenCheck(checked_at=NOON)
    entry = TokenEntry("a", "vk1.a.activity-test-0123456789abcdef", "user", check=checked)
    never_checked = TokenEntry("b", "vk1.a.activity-test-fedcba9876543210", "user")

    assert activity.status(entry, []) == "ok"
    assert activity.status(never_checked, []) == "unchecked"
    assert activity.status(entry, [{"a": "ok"}, {"a": "cooling"}]) == "cooling"
    assert activity.status(entry, [{"a": "cooling"}, {"a": "disabled"}]) == "disabled"
    assert activity.status(entry, [{"b": "disabled"}]) == "ok"  # another token's state says nothing

    entry.check = TokenCheck(checked_at=NOON, invalid=True)
    assert activity.status(entry, [{"a": "cooling"}]) == "invalid"
    entry.check = TokenCheck(checked_at=NOON, invalid=True, expired=True)
    assert activity.status(entry, [{"a": "cooling"}]) == "expired"
    entry.check, entry.expires_at = checked, NOON - 1  # the expiry the login recorded has passed
    assert activity.status(entry, []) == "expired"
    entry.enabled = False
    assert activity.status(entry, []) == "disabled"

    activity.checks_started(["a", "b"])
    assert activity.status(entry, []) == "checking" and activity.status(never_checked, []) == "checking"
    activity.check_ended("a")
    assert activity.figures([entry, never_checked], [{"a": "cooling"}]) == {
        "a": TokenFigures("disabled", 0),
        "b": TokenFigures("checking", 0),
    }
