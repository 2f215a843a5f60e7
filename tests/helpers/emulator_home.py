"""A home configured for a running emulator, and the emulator in a child process.

`EmulatorHome` writes config.toml for the emulator's communities and tokens and drives its `/_emu/` control
endpoints (truth, churn, faults, stats); the fixtures in `tests/conftest.py` hand them out.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import tomli_w

from vksync_tui.config import Community, Config, TokenEntry, Tuning, save_config
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.world import World
from vksync_tui.home import Home

DEFAULT_TEST_MEMBERS = 20_000


class ServedEmulator(Protocol):
    """What tests need of an emulator, wherever it runs: its URLs, its world (for truths the control
    endpoints do not serve) and a way to stop it."""

    url: str
    base_url: str
    world: World

    def stop(self) -> None: ...


class EmulatorSubprocess:
    """`vksync-tui emulator --world FILE --seed N` in a child process; `.world` is the same world, generated
    here from the same spec and seed (generation is deterministic), for truths computed locally."""

    def __init__(self, spec: WorldSpec, seed: int, folder: Path) -> None:
        world_file = folder / "world.toml"
        communities = [dataclasses.asdict(community) for community in spec.communities]
        world_file.write_text(tomli_w.dumps({"now": spec.now, "communities": communities}))
        command = [sys.executable, "-m", "vksync_tui", "emulator", "--port", "0", "--world", str(world_file),
                   "--seed", str(seed)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        first_line = self.process.stdout.readline().strip()
        if not first_line:
            self.process.kill()
            raise RuntimeError(f"the emulator process exited with {self.process.wait()} before serving")
        self.url = first_line.rsplit(" ", 1)[-1]
        self.base_url = self.url.removesuffix("/method/")
        self.world = World.generate(seed, spec)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@dataclass
class EmulatorHome:
    """A home whose config points at a running emulator, plus the emulator's control endpoints."""

    home: Home
    emulator: ServedEmulator
    groups: list[dict[str, Any]]
    tokens: list[dict[str, Any]]
    config: Config = field(default_factory=Config)

    @property
    def group_id(self) -> int:
        """The main (first, public) community of the world."""
        return int(self.groups[0]["id"])

    def configure(
        self,
        *,
        labels: Sequence[str] | None = None,
        tuning: Tuning | None = None,
        communities: Sequence[int] | None = None,
    ) -> Config:
        """Write config.toml: the chosen tokens (by label; default every user and community token)."""
        wanted = [t for t in self.tokens if t["kind"] in ("user", "group")] if labels is None else [
            next(t for t in self.tokens if t["label"] == label) for label in labels
        ]
        group_ids = list(communities) if communities is not None else [int(g["id"]) for g in self.groups]
        self.config = Config(
            api_url=self.emulator.url,
            communities=[
                Community(int(g["id"]), str(g["screen_name"]), str(g["name"]))
                for g in self.groups
                if int(g["id"]) in group_ids
            ],
            tokens=[
                TokenEntry(
                    label=t["label"],
                    secret=t["token"],
                    kind=t["kind"],
                    group_id=t["owner_id"] if t["kind"] == "group" else None,
                )
                for t in wanted
            ],
            tuning=tuning or Tuning(),
        )
        save_config(self.home.config_file, self.config)
        return self.config

    def control(self, verb: str, path: str, **kwargs: Any) -> Any:
        reply = httpx.request(verb, f"{self.emulator.base_url}/_emu/{path}", timeout=60, **kwargs)
        reply.raise_for_status()
        return reply.json()

    def truth_members(self, group_id: int | None = None) -> list[int]:
        answer = self.control("GET", "truth/members", params={"group_id": group_id or self.group_id})
        return sorted(int(user_id) for user_id in answer["ids"])

    def churn(self, *, join: int = 0, leave: int = 0, group_id: int | None = None) -> dict[str, list[int]]:
        body = {"group_id": group_id or self.group_id, "join": join, "leave": leave}
        return self.control("POST", "churn", json=body)

    def set_faults(self, spec: str) -> Any:
        return self.control("POST", "faults", content=spec.encode())

    def stats(self) -> Any:
        return self.control("GET", "stats")


def make_emulator_home(home: Home, emulator: ServedEmulator) -> EmulatorHome:
    """For tests that start their own emulator (other sizes, faults, scheduled churn)."""
    groups = httpx.get(f"{emulator.base_url}/_emu/groups", timeout=30).json()["groups"]
    tokens = httpx.get(f"{emulator.base_url}/_emu/tokens", timeout=30).json()["tokens"]
    configured = EmulatorHome(home, emulator, groups, tokens)
    configured.configure()
    return configured
