"""Key-press latency of the dashboard while a 1,000,000-member subscribers sync runs in the same app.

    .venv/bin/python bench/bench_key_latency.py [--members N] [--presses N]

The emulator runs in a child process (`vksync-tui emulator`, 30 ms answer delay) and the app syncs from it
with 4 user tokens at VK's 3 rps, exactly as the dashboard does it (`u`: a thread worker on the App, progress
events posted to the UI). Meanwhile a `tab` key is posted every 50 ms as a real `Key` event and the time until
focus has moved to the next card is measured — the whole path an operator's key press takes through the event
loop that is also rendering the sync panel. The same is measured with no sync running, for comparison.
The latency is the time until the key's action has run (polled every 1 ms on the event loop itself; a bare
`pilot.pause()` would wait for the whole process to look idle, which the sync's threads defeat); the screen
is then let settle before the next press. Target: p95 well under 100 ms, i.e. the UI never stalls.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench_subscribers import USER_TOKENS, configure
from emulator_process import EmulatorProcess
from textual import events
from textual.pilot import Pilot

from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.jobs import JobKey

POLL_SECONDS = 0.001
TIMEOUT = 10.0


async def one_press(app: VkSyncApp, pilot: Pilot[int]) -> float:
    """Post `tab` and wait until its action has run (focus moved), then let the screen settle."""
    before = app.focused
    started = time.perf_counter()
    app.post_message(events.Key("tab", "\t"))
    while app.focused is before:
        await asyncio.sleep(POLL_SECONDS)
        if time.perf_counter() - started > TIMEOUT:
            raise TimeoutError("the key press was not handled")
    latency = time.perf_counter() - started
    await pilot.pause(POLL_SECONDS)
    return latency


async def measure(home_root: Path, group_id: int, presses: int) -> tuple[list[float], list[float], str]:
    from vksync_tui.home import Home

    app = VkSyncApp(Home(home_root))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()  # the cards' first counts
        await pilot.pause(0.5)
        idle = [await one_press(app, pilot) for _ in range(presses)]
        key = JobKey("subscribers", group_id)
        app.post_message(events.Key("u", "u"))
        while key not in app.jobs or not app.jobs[key].view.phases:
            await pilot.pause(0.01)
        during: list[float] = []
        while app.jobs[key].view.status == "running" and len(during) < presses:
            during.append(await one_press(app, pilot))
            await pilot.pause(0.05)
        status = app.jobs[key].view.status
        app.exit(0)
    app.close()
    return idle, during, status


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(label: str, values: list[float]) -> None:
    ms = [value * 1000 for value in values]
    print(f"{label}: {len(ms)} presses, p50 {statistics.median(ms):.1f} ms, "
          f"p95 {percentile(ms, 0.95):.1f} ms, max {max(ms):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    emulator = EmulatorProcess("--members", str(args.members), delay=0.03)
    try:
        with tempfile.TemporaryDirectory() as root:
            home = configure(Path(root), emulator, USER_TOKENS)
            group_id = int(emulator.get("groups")["groups"][0]["id"])
            idle, during, status = asyncio.run(measure(home.root, group_id, args.presses))
    finally:
        emulator.stop()
    report("idle", idle)
    report(f"during a {args.members:,}-member subscribers sync ({status} at the end)", during)


if __name__ == "__main__":
    main()
