"""Posts sync benchmark: a full and an incremental pass over a 20,000-post wall, against the rate-limit floor.

    .venv/bin/python bench/bench_posts.py                     # 20,000 posts, 5 user tokens at 3 rps
    .venv/bin/python bench/bench_posts.py --posts 50000 --delay 0.05

A real loopback emulator, a real SQLite file in a temporary home. Printed: requests (from the emulator's
stats), wall time, the floor (requests ÷ the tokens' summed rps: what the rate limit alone would cost) and
their ratio (target ≤ 1.2), pages per execute, and the incremental pass's figures after 150 new posts.
The posts and authors stored are checked against the emulator's truth (a wrong result is not a benchmark).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from vksync_tui.config import Community, Config, TokenEntry, Tuning
from vksync_tui.emulator.server import start_emulator
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.world import World
from vksync_tui.home import Home
from vksync_tui.store.models import Author, Post
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.registry import run_sync

GROUP_ID = 212345678


def world(posts: int) -> World:
    spec = WorldSpec(communities=[CommunitySpec(id=GROUP_ID, screen_name="bench_wall", name="Bench wall",
                                                members=100_000, posts=posts, popular_posts=300)])
    return World.generate(1, spec)


def user_config(url: str, tokens: list[dict[str, Any]], rps: float) -> Config:
    return Config(
        api_url=url,
        communities=[Community(GROUP_ID, "bench_wall", "Bench wall")],
        tokens=[TokenEntry(label=t["label"], secret=t["token"], kind=t["kind"]) for t in tokens
                if t["kind"] == "user"],
        tuning=Tuning(user_rps=rps),
    )


def measured(base: str, ctx: SyncContext, label: str, ceiling: float, **options: Any) -> None:
    httpx.post(f"{base}/_emu/reset-stats")
    started = time.perf_counter()
    summary = run_sync("posts", ctx, GROUP_ID, **options)
    seconds = time.perf_counter() - started
    requests = httpx.get(f"{base}/_emu/stats").json()["requests"]
    floor = requests / ceiling
    print(f"{label}: status {summary.status}, fetched {summary.fetched} of {summary.expected}, "
          f"{requests} requests in {seconds:.2f} s; floor {floor:.2f} s at {ceiling:g} rps "
          f"→ ratio {seconds / floor:.2f}; errors {dict(summary.errors_by_code)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--rps", type=float, default=3.0, help="per user token (emulator and client)")
    parser.add_argument("--delay", type=float, default=0.0, help="emulator latency per request, seconds")
    args = parser.parse_args()
    generated = time.perf_counter()
    with start_emulator(world(args.posts), faults=f"delay={args.delay}" if args.delay else None,
                        rps={"user": int(args.rps)}) as emulator:
        print(f"world: {args.posts} posts, generated in {time.perf_counter() - generated:.1f} s")
        base = emulator.base_url
        tokens = httpx.get(f"{base}/_emu/tokens").json()["tokens"]
        config = user_config(emulator.url, tokens, args.rps)
        ceiling = args.rps * len(config.tokens)
        with tempfile.TemporaryDirectory() as root, SyncContext.open(Home(Path(root)), config=config) as ctx:
            measured(base, ctx, "full", ceiling)
            params = {"group_id": GROUP_ID}
            truth = httpx.get(f"{base}/_emu/truth/posts", params=params, timeout=120).json()
            stored = [post_id for (post_id,) in Post.select(Post.post_id).order_by(Post.post_id).tuples()]
            authors = httpx.get(f"{base}/_emu/truth/authors", params=params, timeout=120).json()
            assert stored == truth["ids"], "posts differ from the truth"
            assert Author.select().count() == authors["count"], "authors differ from the truth"
            print(f"posts and {authors['count']} authors equal the truth")
            httpx.post(f"{base}/_emu/churn", json={"group_id": GROUP_ID, "posts": 150})
            measured(base, ctx, "incremental after 150 new posts", ceiling)


if __name__ == "__main__":
    main()
