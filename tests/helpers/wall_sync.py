"""Small wall worlds for the posts, authors and interactions syncs: one community, few posts, fast tokens.

Three popular posts need deep scans; the emulator's rate limit is raised (and `FAST` tuning matches it) so the
tests stay fast.
"""

from __future__ import annotations

from vksync_tui.config import Tuning
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.world import World

GROUP_ID = 212345678
FAST = Tuning(user_rps=200.0, group_rps=200.0, retry_pause=0.05)


def wall_world(posts: int, popular: int = 3, members: int = 5000) -> World:
    spec = WorldSpec(communities=[
        CommunitySpec(id=GROUP_ID, screen_name="wall_test", name="Wall test", members=members, posts=posts,
                      popular_posts=popular, dialogs=10),
    ])
    return World.generate(1, spec)
