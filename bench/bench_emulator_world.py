"""Scale of the emulator world: generate a 10M-member community, report time and RSS, and time typical calls.

Run: `.venv/bin/python bench/bench_emulator_world.py [members]` (default 10_000_000); one line per figure.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import psutil

from vksync_tui.emulator.methods import call_method
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.world import World


def rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def timed(label: str, action: Callable[[], Any], repeat: int = 1) -> Any:
    start = time.perf_counter()
    for _ in range(repeat):
        result = action()
    elapsed = (time.perf_counter() - start) / repeat
    print(f"{label:<48} {elapsed * 1000:10.1f} ms   rss {rss_mib():7.0f} MiB")
    return result


def main() -> None:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    print(f"baseline rss {rss_mib():.0f} MiB; main community members = {members:,}")
    world = timed("World.generate", lambda: World.generate(1, WorldSpec.demo(members=members)))
    group_id = next(iter(world.communities))
    service = next(t for t in world.tokens if t.kind == "service")
    moderator = next(t for t in world.tokens if t.label == "user-moderator")

    def page(offset: int, fields: str = "", token: Any = service, sort: str = "id_asc") -> Any:
        params = {"group_id": str(group_id), "offset": str(offset), "count": "1000", "sort": sort}
        if fields:
            params["fields"] = fields
        return call_method(world, "groups.getMembers", params, token)

    timed("groups.getMembers 1000 ids (middle offset)", lambda: page(members // 2), repeat=50)
    timed("groups.getMembers 1000 users, 4 fields", lambda: page(members // 3, "sex,city,bdate,photo_100"),
          repeat=5)
    timed("wall.get 100 posts", lambda: call_method(
        world, "wall.get", {"owner_id": f"-{group_id}", "count": "100"}, service), repeat=5)
    timed("churn join 1000 / leave 1000", lambda: world.churn(group_id, join=1000, leave=1000))
    def newest_members() -> Any:
        return page(0, token=moderator, sort="time_desc")

    timed("groups.getMembers time_desc (after churn)", newest_members, repeat=5)
    print(f"final rss {rss_mib():.0f} MiB; members now {len(world.communities[group_id].members):,}")


if __name__ == "__main__":
    main()
