"""The emulator served in-process for HTTP tests: a fake clock, token look-up, an httpx client over WSGI."""

from __future__ import annotations

from typing import Any

import httpx

from vksync_tui.emulator.app import EmulatorApp
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
