"""Interactions sync benchmark: fast + deep scan of a wall with popular posts, against the rate-limit floor.

    .venv/bin/python bench/bench_interactions.py                            # 5,000 posts, 100 deep
    .venv/bin/python bench/bench_interactions.py --posts 20000 --popular 300

The emulator runs in its own process (as in the other sync benchmarks: its CPU building answers is then not
this process's, and it never waits for our threads' GIL), with VK's limits (3 rps per user token) and a
VK-like answer delay (`--delay`). `--in-process` runs it in this process instead, as the benchmark did before
(for comparing with older figures). The wall is synced first (not timed); then the interactions run is timed.
Reposts may only use admin-level-3 tokens, so the floor is max(all requests ÷ Σ rps of the user tokens,
repost-token requests ÷ their rps). Printed: requests per token and method, wall time, floor, ratio (target
≤ 1.2), deep-scanned posts, each scan's phase time, and this process's CPU; the interactions are checked
against the emulator's truth (a wrong result is not a benchmark).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import tomli_w
from emulator_process import EmulatorProcess

from vksync_tui.config import Community, Config, TokenEntry, Tuning
from vksync_tui.emulator.server import start_emulator
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.world import World
from vksync_tui.home import Home
from vksync_tui.store.models import Interaction, SyncRun
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.registry import run_sync

GROUP_ID = 212345678
USER_RPS = 3.0  # the emulator's (VK's) limit per user token


@contextlib.contextmanager
def emulator_at(
    spec: WorldSpec, folder: Path, *, in_process: bool, delay: float
) -> Iterator[tuple[str, str]]:
    """(method URL, control base URL) of an emulator serving `spec` with seed 1."""
    if in_process:
        faults = f"delay={delay}" if delay else None
        with start_emulator(World.generate(1, spec), faults=faults) as running:
            yield running.url, running.base_url
        return
    world_file = folder / "world.toml"
    communities = [dataclasses.asdict(community) for community in spec.communities]
    world_file.write_text(tomli_w.dumps({"now": spec.now, "communities": communities}))
    process = EmulatorProcess("--world", str(world_file), "--seed", "1", delay=delay)
    try:
        yield process.url, process.base_url
    finally:
        process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5_000)
    parser.add_argument("--popular", type=int, default=100, help="posts needing a deep scan")
    parser.add_argument("--delay", type=float, default=0.05, help="emulator answer delay, seconds")
    parser.add_argument("--in-process", action="store_true", help="run the emulator in this process")
    args = parser.parse_args()
    community = CommunitySpec(id=GROUP_ID, screen_name="bench_wall", name="Bench wall", members=100_000,
                              posts=args.posts, popular_posts=args.popular)
    spec = WorldSpec(communities=[community])
    with tempfile.TemporaryDirectory() as root, emulator_at(
        spec, Path(root), in_process=args.in_process, delay=args.delay
    ) as (url, base):
        tokens = httpx.get(f"{base}/_emu/tokens").json()["tokens"]
        config = Config(
            api_url=url,
            communities=[Community(GROUP_ID, "bench_wall", "Bench wall")],
            tokens=[TokenEntry(label=t["label"], secret=t["token"], kind=t["kind"]) for t in tokens
                    if t["kind"] == "user"],
            tuning=Tuning(user_rps=USER_RPS),
        )
        with SyncContext.open(Home(Path(root) / "home"), config=config) as ctx:
            assert run_sync("posts", ctx, GROUP_ID).status == "done"
            httpx.post(f"{base}/_emu/reset-stats")
            cpu, started = time.process_time(), time.perf_counter()
            summary = run_sync("interactions", ctx, GROUP_ID)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            phases = (SyncRun.get_by_id(summary.run_id).figures or {}).get("phases", [])
            stats = httpx.get(f"{base}/_emu/stats").json()
            by_token = {label: figures["requests"] for label, figures in stats["by_token"].items()}
            repost_labels = [label for label, figures in stats["by_token"].items()
                             if "wall.getReposts" in figures["by_method"]]
            repost_requests = sum(by_token[label] for label in repost_labels)
            floor = max(stats["requests"] / (USER_RPS * len(config.tokens)),
                        repost_requests / (USER_RPS * max(1, len(repost_labels))))
            where = "in this process" if args.in_process else "in its own process"
            print(f"interactions of {args.posts} posts ({args.popular} popular), emulator {where}, "
                  f"delay {args.delay} s: status {summary.status}, {stats['requests']} requests in "
                  f"{seconds:.1f} s; floor {floor:.1f} s → ratio {seconds / floor:.2f}; deep-scanned posts "
                  f"{summary.extras['deep_scanned_posts']}")
            print(f"requests per token: {by_token}; repost tokens: {repost_labels}; "
                  f"errors {dict(summary.errors_by_code)}; retried ok {summary.retried_ok}")
            print("phases: " + "; ".join(f"{p['phase']} {p['requests']} requests in {p['seconds']:.1f} s"
                                         for p in phases) + f"; CPU of this process {cpu:.1f} s")
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
