"""`vksync-tui --demo`: the dashboard on the built-in VK emulator, with no real token and no network.

The emulator runs in-process on a free loopback port with the demo world (a ~100k-member community with a few
thousand posts, popular ones among them, and a few thousand dialogs). A temporary home gets a config whose
token pool is taken from the emulator's own token list (user tokens of several admin levels, the community's
token and the service key) and whose only community is the demo one. Everything is removed on exit, except
what the operator exports: that goes to a folder that stays (`listview.export_view.lasting_export_folder`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from vksync_tui.config import Community, Config, TokenEntry, save_config
from vksync_tui.emulator.server import RunningEmulator, start_emulator
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.world import World
from vksync_tui.home import Home

DEMO_SEED = 1
# The tokens an operator would plausibly have: admins of several levels, a reader, the bot and the app key.
DEMO_TOKEN_LABELS = ("user-admin", "user-editor", "user-moderator", "user-reader", "service")
CHURN_JOIN = 150
CHURN_LEAVE = 120


@dataclass
class DemoEnvironment:
    """A running emulator plus the temporary home configured to use it."""

    emulator: RunningEmulator
    home: Home
    group_id: int

    def churn(self, group_id: int, *, join: int = CHURN_JOIN, leave: int = CHURN_LEAVE) -> tuple[int, int]:
        """Ask the emulator, over its control endpoint, to let members join and leave."""
        response = httpx.post(
            f"{self.emulator.base_url}/_emu/churn",
            json={"group_id": group_id, "join": join, "leave": leave},
            timeout=30.0,
        )
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return len(answer.get("joined", [])), len(answer.get("left", []))


def demo_config(world: World, api_url: str, group_id: int) -> Config:
    community_spec = next(spec for spec in world.spec.communities if spec.id == group_id)
    tokens = [
        TokenEntry(label=info.label, secret=info.token, kind=info.kind, group_id=info.group_id)
        for info in world.tokens
        if info.label in DEMO_TOKEN_LABELS
        or (info.kind == "group" and info.label == f"group-{community_spec.screen_name}")
    ]
    return Config(
        api_url=api_url,
        communities=[
            Community(id=group_id, screen_name=community_spec.screen_name, title=community_spec.name)
        ],
        tokens=tokens,
    )


@contextmanager
def demo_environment(
    *, members: int | None = None, seed: int = DEMO_SEED, root: Path | None = None
) -> Iterator[DemoEnvironment]:
    """Start the emulator and write the demo home; `members` shrinks the world for tests and screenshots."""
    world = World.generate(seed, WorldSpec.demo(members=members))
    group_id = world.spec.communities[0].id
    temporary = root is None
    home_root = Path(tempfile.mkdtemp(prefix="vksync-demo-")) if root is None else root
    try:
        home = Home(home_root).ensure()
        with start_emulator(world) as emulator:
            save_config(home.config_file, demo_config(world, emulator.url, group_id))
            yield DemoEnvironment(emulator, home, group_id)
    finally:
        if temporary:
            shutil.rmtree(home_root, ignore_errors=True)
