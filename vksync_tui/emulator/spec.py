"""The small description a world is generated from: which communities, how big, which clock.

Defaults are the demo world: one big open community, one closed club and one small public page.
A TOML file can override any of it, e.g.::

    seed = 7
    now = 1767225600
    [[communities]]
    id = 212345678
    screen_name = "demo_community"
    name = "Demo"
    members = 10000000
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_NOW = 1_767_225_600  # 2026-01-01T00:00:00Z: the world's clock starts here, never at the host's time


@dataclass
class CommunitySpec:
    """One community. `is_closed`: 0 open, 1 closed, 2 private (VK's groups_group_is_closed)."""

    id: int
    screen_name: str
    name: str
    members: int = 100_000
    is_closed: int = 0
    type: str = "page"
    posts: int = 3000
    popular_posts: int = 3
    wall_open: bool = True
    dialogs: int = 2000
    age_days: int = 3 * 365


@dataclass
class WorldSpec:
    """Everything `World.generate` needs besides the seed."""

    communities: list[CommunitySpec] = field(default_factory=lambda: default_communities())
    now: int = DEFAULT_NOW
    seed: int | None = None

    @classmethod
    def demo(cls, members: int | None = None) -> WorldSpec:
        """The default demo world, optionally with a different size for the main community."""
        spec = cls()
        if members is not None:
            spec.communities[0].members = members
        return spec

    @classmethod
    def from_toml(cls, path: Path | str) -> WorldSpec:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "world spec") -> WorldSpec:
        """Build a spec from parsed TOML; unknown keys are an error so typos do not silently do nothing."""
        allowed = {"communities", "now", "seed", "members"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"{source}: unknown keys {sorted(unknown)}")
        spec = cls()
        if "now" in data:
            spec.now = int(data["now"])
        if "seed" in data:
            spec.seed = int(data["seed"])
        if "communities" in data:
            known = {f.name for f in fields(CommunitySpec)}
            communities = []
            for index, item in enumerate(data["communities"]):
                bad = set(item) - known
                if bad:
                    raise ValueError(f"{source}: communities[{index}] has unknown keys {sorted(bad)}")
                communities.append(CommunitySpec(**item))
            if not communities:
                raise ValueError(f"{source}: communities must not be empty")
            spec.communities = communities
        if "members" in data:
            spec.communities[0].members = int(data["members"])
        return spec


def default_communities() -> list[CommunitySpec]:
    return [
        CommunitySpec(id=212345678, screen_name="demo_community", name="Демо сообщество", members=100_000,
                      posts=3000, popular_posts=3, wall_open=True, dialogs=2000),
        CommunitySpec(id=212345679, screen_name="closed_club", name="Закрытый клуб", members=5000,
                      is_closed=1, type="group", posts=300, popular_posts=0, wall_open=True, dialogs=200),
        CommunitySpec(id=212345680, screen_name="small_public", name="Маленький паблик", members=1200,
                      posts=150, popular_posts=0, wall_open=False, dialogs=120),
    ]
