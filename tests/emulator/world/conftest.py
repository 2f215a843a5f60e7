"""Fixtures for the emulator world tests: one default world per module, tokens by label, schema validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.vk_schema import validate_response
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.world import World


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate(seed=1)


@pytest.fixture(scope="module")
def tokens(world: World) -> dict[str, TokenInfo]:
    return {token.label: token for token in world.tokens}


@pytest.fixture
def validate() -> Callable[[str, str, Any], None]:
    return validate_response
