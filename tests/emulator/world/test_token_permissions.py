"""account.getAppPermissions / groups.getTokenPermissions: how real clients learn scopes and rights."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vksync_tui.emulator.errors import EmuApiError
from vksync_tui.emulator.methods import call_method
from vksync_tui.emulator.methods_tokens import RIGHT_BITS, SCOPE_BITS
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.world import World


def test_user_token_scopes_come_back_as_a_bitmask(world: World, tokens: dict[str, TokenInfo]) -> None:
    token = tokens["user-admin"]
    mask = call_method(world, "account.getAppPermissions", {}, token)
    assert isinstance(mask, int)
    assert sorted(name for name, bit in SCOPE_BITS.items() if mask & bit) == sorted(token.scopes)


def test_community_token_rights_validate_against_the_schema(
    world: World, tokens: dict[str, TokenInfo], validate: Callable[[str, str, Any], None]
) -> None:
    token = tokens["group-demo_community"]
    answer = call_method(world, "groups.getTokenPermissions", {}, token)
    validate("groups", "groups_getTokenPermissions_response", answer)
    named = {item["name"] for item in answer["permissions"]}
    assert named == (set(token.rights) & set(RIGHT_BITS)) - {"messages"}
    assert sorted(name for name, bit in RIGHT_BITS.items() if answer["mask"] & bit) == sorted(token.rights)
    assert answer["mask"] & RIGHT_BITS["messages"]  # in the mask, not in the list: as a real answer


@pytest.mark.parametrize(
    ("method", "label", "code"),
    [
        ("account.getAppPermissions", "group-demo_community", 27),
        ("account.getAppPermissions", "service", 28),
        ("groups.getTokenPermissions", "user-admin", 15),
        ("groups.getTokenPermissions", "service", 28),
    ],
)
def test_wrong_token_kinds_are_refused(
    world: World, tokens: dict[str, TokenInfo], method: str, label: str, code: int
) -> None:
    with pytest.raises(EmuApiError) as caught:
        call_method(world, method, {}, tokens[label])
    assert caught.value.code == code
