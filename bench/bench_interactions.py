"""Interactions sync benchmark: fast + deep scan of a wall with popular posts, against the rate-limit floor.

    .venv/bin/python bench/bench_interactions.py                            # 5,000 posts, 100 deep, 3 rps
    .venv/bin/python bench/bench_interactions.py --posts 20000 --popular 300 --rps 10

The wall is synced first (not timed); then the interactions run is timed over a real loopback emulator with
its per-token rate limit equal to the client's. Reposts may only use admin-level-3 tokens, so the floor is
max(all requests ÷ Σ rps of the user tokens, repost-token requests ÷ their rps). Printed: requests per token
and method, wall time, floor, ratio (target ≤ 1.2), deep-scanned posts; the interactions are checked
against the emulator's truth (a wrong result is not a benchmark).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from vksync_tui.config import Community, Config, TokenEntry, Tuning
from vksync_tui.emulator.server import start_emulator
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.world import World
from vksync_tui.home import Home
from vksync_tui.store.models import Interaction
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.registry import run_sync

GROUP_ID = 212345678


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5_000)
    parser.add_argument("--popular", type=int, default=100, help="posts needing a deep scan")
    parser.add_argument("--rps", type=float, default=3.0, help="per user token (emulator and client)")
    args = parser.parse_args()
    community = CommunitySpec(id=GROUP_ID, screen_name="bench_wall", name="Bench wall", members=100_000,
                              posts=args.posts, popular_posts=args.popular)
    spec = WorldSpec(communities=[community])
    with start_emulator(World.generate(1, spec), rps={"user": int(args.rps)}) as emulator:
        base = emulator.base_url
        tokens = httpx.get(f"{base}/_emu/tokens").json()["tokens"]
        config = Config(
            api_url=emulator.url,
            communities=[Community(GROUP_ID, "bench_wall", "Bench wall")],
            tokens=[TokenEntry(label=t["label"], secret=t["token"], kind=t["kind"]) for t in tokens
                    if t["kind"] == "user"],
            tuning=Tuning(user_rps=args.rps),
        )
        with tempfile.TemporaryDirectory() as root, SyncContext.open(Home(Path(root)), config=config) as ctx:
            assert run_sync("posts", ctx, GROUP_ID).status == "done"
            httpx.post(f"{base}/_emu/reset-stats")
            started = time.perf_counter()
            summary = run_sync("interactions", ctx, GROUP_ID)
            seconds = time.perf_counter() - started
            stats = httpx.get(f"{base}/_emu/stats").json()
            by_token = {label: figures["requests"] for label, figures in stats["by_token"].items()}
            repost_labels = [label for label, figures in stats["by_token"].items()
                             if "wall.getReposts" in figures["by_method"]]
            repost_requests = sum(by_token[label] for label in repost_labels)
            floor = max(stats["requests"] / (args.rps * len(config.tokens)),
                        repost_requests / (args.rps * max(1, len(repost_labels))))
            print(f"interactions of {args.posts} posts ({args.popular} popular): status {summary.status}, "
                  f"{stats['requests']} requests in {seconds:.1f} s; floor {floor:.1f} s → ratio "
                  f"{seconds / floor:.2f}; deep-scanned posts {summary.extras['deep_scanned_posts']}")
            print(f"requests per token: {by_token}; repost tokens: {repost_labels}; "
                  f"errors {dict(summary.errors_by_code)}; retried ok {summary.retried_ok}")
            kinds = ("likes", "comments", "reposts")
            print("stored: " + ", ".join(f"{summary.extras[kind]} {kind}" for kind in kinds))
            truth = httpx.get(f"{base}/_emu/truth/interactions", params={"group_id": GROUP_ID}, timeout=300)
            expected = sorted(tuple(item) for item in truth.json()["items"])
            stored = sorted(Interaction.select(Interaction.post_id, Interaction.user_id, Interaction.kind)
                            .distinct().tuples())
            assert stored == expected, "interactions differ from the truth"
            print(f"{len(stored)} interactions equal the truth")


if __name__ == "__main__":
    main()
