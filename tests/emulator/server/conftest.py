"""Fixtures for the emulator HTTP tests: a small real world shared by the session, in-process clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers.emulator_http import Emu, FakeClock
from vksync_tui.emulator.app import make_app
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.world import World


@pytest.fixture(scope="session")
def small_world_factory() -> Callable[[], World]:
    return lambda: World.generate(1, WorldSpec.demo(members=5000))


@pytest.fixture(scope="session")
def world(small_world_factory: Callable[[], World]) -> World:
    """Shared by every test that does not change the world (churn tests make their own)."""
    return small_world_factory()


@pytest.fixture
def emu_factory(world: World) -> Iterator[Callable[..., Emu]]:
    made: list[Emu] = []

    def factory(*, own_world: World | None = None, **app_kw: Any) -> Emu:
        emu = Emu(make_app(own_world or world, **app_kw))
        made.append(emu)
        return emu

    yield factory
    for emu in made:
        emu.http.close()


@pytest.fixture
def emu(emu_factory: Callable[..., Emu]) -> Emu:
    return emu_factory(clock=FakeClock())
