"""Scale of the emulator world: generate a 10M-member community, report time and RSS, and time typical calls.

Run: `.venv/bin/python bench/bench_emulator_world.py [members]` (default 10_000_000); one line per figure.
The last block is the CPU cost per object of the answers the syncs ask for, as sent (UTF-8 JSON bytes):
`time.process_time()`, best of several runs, so other work on the machine disturbs it little.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import psutil

from vksync_tui.emulator.methods import call_method, call_method_json
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.vkscript import run_script
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
    per_object_costs(world, group_id)
    print(f"rss after the per-object answers (memoised posts, comment trees) {rss_mib():.0f} MiB")


def cpu_per_object(label: str, action: Callable[[], Any], objects: int, repeat: int = 15) -> None:
    runs = []
    for _ in range(repeat):
        started = time.process_time()
        action()
        runs.append(time.process_time() - started)
    print(f"{label:<48} {min(runs) * 1e6 / objects:10.2f} µs/object CPU ({objects} objects)")


def per_object_costs(world: World, group_id: int) -> None:
    tokens = {token.label: token for token in world.tokens}
    service, admin = tokens["service"], tokens["user-admin"]
    community = world.communities[group_id]
    wall, owner = community.wall, str(-group_id)
    post = sorted(wall.popular)[0]

    def answer(method: str, params: dict[str, str], token: Any) -> Callable[[], bytes]:
        return lambda: call_method_json(world, method, params, token)

    ids = ",".join(map(str, community.members.ids[1000:2000]))
    fields = "photo_100,sex,city,bdate,domain,last_seen"
    profiles = {"user_ids": ids, "fields": fields}
    cpu_per_object("users.get 1000 profiles, 6 fields", answer("users.get", profiles, service), 1000)
    pages = [{"owner_id": owner, "offset": str(offset), "count": "100"}
             for offset in range(0, len(wall), 100)]
    started = time.process_time()
    for page in pages:
        call_method_json(world, "wall.get", page, admin)
    print(f"{'wall.get, first pass over the wall (cold)':<48} "
          f"{(time.process_time() - started) * 1e6 / len(wall):10.2f} µs/object CPU ({len(wall)} posts)")
    cpu_per_object("wall.get 100 posts (again)", answer("wall.get", pages[5], admin), 100)
    reposts = {"owner_id": owner, "post_id": str(post), "count": "1000"}
    cpu_per_object("wall.getReposts 1000 reposts", answer("wall.getReposts", reposts, admin),
                   len(call_method(world, "wall.getReposts", reposts, admin)["items"]))
    likes = {"type": "post", "owner_id": owner, "item_id": str(post), "count": "1000"}
    cpu_per_object("likes.getList 1000 likers", answer("likes.getList", likes, service), 1000)
    comments = {"owner_id": owner, "post_id": str(post), "count": "100", "offset": "100",
                "thread_items_count": "10", "sort": "asc"}
    shown = call_method(world, "wall.getComments", comments, service)["items"]
    cpu_per_object("wall.getComments 100 + 10 replies each", answer("wall.getComments", comments, service),
                   len(shown) + sum(len(item["thread"]["items"]) for item in shown))
    group = tokens[f"group-{community.screen_name}"]
    calls = ", ".join(f'API.messages.getHistory({{"group_id": {group_id}, "peer_id": {peer}, "count": 1, '
                      f'"rev": 1}})' for peer in community.dialogs.inbox[:20])

    def history_execute() -> None:
        def inner(method: str, params: Any) -> Any:
            return call_method(world, method, params, group)

        def inner_json(method: str, params: Any) -> bytes:
            return call_method_json(world, method, params, group)

        run_script(f"return [{calls}];", {}, inner, results_are_fresh=True, call_api_json=inner_json)

    cpu_per_object("execute: 20 × messages.getHistory (per call)", history_execute, 20)


if __name__ == "__main__":
    main()
