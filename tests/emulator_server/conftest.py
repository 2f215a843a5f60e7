"""Shared pieces for the emulator HTTP tests: a small real world, a fake clock, in-process clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from vksync_tui.emulator.app import EmulatorApp, make_app
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.world import World

MAIN_GROUP = 212345678
V = "5.199"


class FakeClock:
    """Time moves only when a test (or an emulated delay) moves it."""

    def __init__(self, start: float = 10_000.0) -> None:
        self.t = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


@pytest.fixture(scope="session")
def small_world_factory() -> Callable[[], World]:
    return lambda: World.generate(1, WorldSpec.demo(members=5000))


@pytest.fixture(scope="session")
def world(small_world_factory: Callable[[], World]) -> World:
    """Shared by every test that does not change the world (churn tests make their own)."""
    return small_world_factory()


def main_count(world: World) -> int:
    """Members of the main community (the world adds its token owners to the requested size)."""
    return int(world.groups_summary()[0]["members_count"])


def token_of(world: World, label: str) -> str:
    return next(info.token for info in world.tokens if info.label == label)


class Emu:
    """An app plus an httpx client over WSGITransport, with VK-call helpers."""

    def __init__(self, app: EmulatorApp, remote_addr: str = "127.0.0.1") -> None:
        self.app = app
        self.world = app.world
        self.http = httpx.Client(
            transport=httpx.WSGITransport(app=app, remote_addr=remote_addr), base_url="http://emu.test"
        )

    def token(self, label: str) -> str:
        return token_of(self.world, label)

    def call(self, method: str, label: str | None = "user-admin", **params: Any) -> dict[str, Any]:
        data = {"v": V, **{key: str(value) for key, value in params.items()}}
        if label is not None:
            data["access_token"] = self.token(label)
        response = self.http.post(f"/method/{method}", data=data)
        assert response.status_code == 200
        return response.json()


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
