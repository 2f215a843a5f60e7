"""VK emulator benchmark: execute of 25 × groups.getMembers(count=1000) over real HTTP, 10M-member world.

    .venv/bin/python bench/bench_emulator.py                  # 10M members, 40 executes (about a minute)
    .venv/bin/python bench/bench_emulator.py --members 1000000 --executes 100

Prints the world's generation time and memory (RSS via psutil, before and after), then the latency of one
execute (25 000 member ids) from a keep-alive httpx client over a loopback socket: median, p90, max. Target:
median < 100 ms. Offsets are spread over the whole member list so the deep pages are measured too. A second
figure runs 4 clients at once, to show what the threaded server does with a parallel sync on 2 shared cores.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import httpx
import psutil

from vksync_tui.emulator.server import start_emulator
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.world import World

CALLS_PER_EXECUTE = 25
PAGE = 1000
SEED = 1


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def members_script(group_id: int, first_offset: int) -> str:
    calls = ", ".join(
        f'API.groups.getMembers({{"group_id": {group_id}, "offset": {offset}, "count": {PAGE}}})'
        for offset in range(first_offset, first_offset + CALLS_PER_EXECUTE * PAGE, PAGE)
    )
    return f"return [{calls}];"


def timed_executes(url: str, token: str, group_id: int, offsets: list[int]) -> list[float]:
    """Seconds per execute; every answer must carry 25 full pages (a wrong answer is not a benchmark)."""
    latencies = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for offset in offsets:
            started = time.perf_counter()
            code = members_script(group_id, offset)
            response = client.post("execute", data={"v": "5.199", "access_token": token, "code": code})
            latencies.append(time.perf_counter() - started)
            pages = response.json()["response"]
            assert len(pages) == CALLS_PER_EXECUTE and all(len(page["items"]) == PAGE for page in pages)
    return latencies


def describe(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return (
        f"median {statistics.median(ordered) * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms, "
        f"max {ordered[-1] * 1000:.1f} ms over {len(ordered)} executes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000_000)
    parser.add_argument("--executes", type=int, default=40)
    args = parser.parse_args()

    before = rss_mb()
    started = time.perf_counter()
    world = World.generate(SEED, WorldSpec.demo(args.members))
    generated = time.perf_counter() - started
    after = rss_mb()
    group = world.groups_summary()[0]
    group_id, member_count = int(group["id"]), int(group["members_count"])
    print(f"world: {member_count:,} members in the main community, generated in {generated:.1f} s")
    print(f"RSS: {before:.0f} MiB before, {after:.0f} MiB after (world ≈ {after - before:.0f} MiB)")

    token = next(info.token for info in world.tokens if info.label == f"group-{group['screen_name']}")
    last_start = max(0, member_count - CALLS_PER_EXECUTE * PAGE)
    step = max(1, last_start // max(1, args.executes - 1))
    offsets = [min(last_start, i * step) for i in range(args.executes)]

    with start_emulator(world, rps={"group": 1_000_000}) as emulator:
        timed_executes(emulator.url, token, group_id, offsets[:3])  # warm-up: script compile cache, sockets
        sequential = timed_executes(emulator.url, token, group_id, offsets)
        print(f"one client, {CALLS_PER_EXECUTE} × getMembers(count={PAGE}) per call: {describe(sequential)}")
        verdict = "OK" if statistics.median(sequential) < 0.1 else "ABOVE TARGET"
        print(f"target median < 100 ms: {verdict}")

        parallel: list[float] = []
        lock = threading.Lock()

        def client_run(share: list[int]) -> None:
            latencies = timed_executes(emulator.url, token, group_id, share)
            with lock:
                parallel.extend(latencies)

        threads = [threading.Thread(target=client_run, args=(offsets[i::4],)) for i in range(4)]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall
        ids_per_second = len(parallel) * CALLS_PER_EXECUTE * PAGE / wall
        print(f"four clients at once: {describe(parallel)}; {ids_per_second:,.0f} member ids/s overall")
    print(f"RSS at the end: {rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
