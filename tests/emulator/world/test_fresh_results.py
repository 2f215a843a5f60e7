"""Every method builds a new answer per call, so `execute` may hand it to a script without a defensive copy.

A script can mutate what an inner call returned (`r.items.pop()`); if a handler returned a container kept in
the world, that would corrupt the world. The emulator therefore runs scripts with `results_are_fresh=True`
only because this test proves no two calls share a container.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.default_world import CASES, fill_params
from vksync_tui.emulator.methods import METHODS, call_method
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.world import World


def _containers(value: Any, seen: dict[int, Any]) -> None:
    if isinstance(value, dict | list):
        seen[id(value)] = value
        for item in value.values() if isinstance(value, dict) else value:
            _containers(item, seen)


EXTRA_CASES = [
    ("utils.resolveScreenName", {"screen_name": "demo_community"}, "service"),
    ("groups.getTokenPermissions", {}, "group-demo_community"),
]


def test_the_cases_cover_every_method_answering_a_container() -> None:
    scalar_answers = {"account.getAppPermissions"}  # a bare integer bitmask
    covered = {case[0] for case in CASES} | {case[0] for case in EXTRA_CASES}
    assert covered | scalar_answers == set(METHODS)


@pytest.mark.parametrize(("method", "params", "label"), [case[:3] for case in CASES] + EXTRA_CASES)
def test_two_calls_share_no_container(
    world: World, tokens: dict[str, TokenInfo], method: str, params: dict[str, str], label: str
) -> None:
    first: dict[int, Any] = {}
    second: dict[int, Any] = {}
    filled = fill_params(world, params)
    _containers(call_method(world, method, filled, tokens[label]), first)
    _containers(call_method(world, method, filled, tokens[label]), second)
    assert first, f"{method} returned no container; nothing was proved"
    assert not set(first) & set(second), f"{method} returns a container kept between calls"
