"""Subscribers sync against the emulator at VK's real rate limits: how close to the rate-limit floor is it?

Default: a 1,000,000-member community, synced (baseline, applied) with 1 and then with 4 user tokens at the
emulator's real 3 requests/second per user token, every answer delayed by `--delay` s (VK-like latency).
For each run it prints the fetch phase's wall time ÷ the rate-limit floor, where

    floor = requests a perfect fetch needs ÷ (tokens × 3 rps)

("requests needed" = ceil(pages / 25) with the sync's page plan; the ratio against the requests actually made
is printed too), the number of error 6 answers (target: 0) and the whole run's wall time.

`--big` syncs a 10,000,000-member community with 4 user tokens and prints the peak RSS of the sync process
(sampled with psutil every 50 ms). The emulator runs in a separate process (`vksync-tui emulator`), so its
memory is not in that figure; its own peak RSS is printed separately.

Run: `.venv/bin/python bench/bench_subscribers.py [--members N] [--delay S] [--big]` (a few minutes at most).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import threading
import time
from pathlib import Path

import psutil
from emulator_process import EmulatorProcess

from vksync_tui.config import Community, Config, TokenEntry, Tuning, save_config
from vksync_tui.home import Home
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.registry import run_sync
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.subscribers import expected_requests

USER_RPS = 3.0
USER_TOKENS = ("user-admin", "user-editor", "user-moderator", "user-reader")


class PeakRss:
    """Samples a process's RSS in a daemon thread; `.peak` in bytes."""

    def __init__(self, process: psutil.Process, interval: float = 0.05) -> None:
        self.process = process
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            self._stop.wait(interval)


def configure(root: Path, emulator: EmulatorProcess, labels: tuple[str, ...]) -> Home:
    tokens = {t["label"]: t for t in emulator.get("tokens")["tokens"]}  # type: ignore[index]
    group = emulator.get("groups")["groups"][0]  # type: ignore[index]
    home = Home(root).ensure()
    config = Config(
        api_url=emulator.url,
        communities=[Community(int(group["id"]), group["screen_name"], group["name"])],
        tokens=[TokenEntry(label, tokens[label]["token"], "user") for label in labels],
        tuning=Tuning(user_rps=USER_RPS),
    )
    save_config(home.config_file, config)
    return home


def sync_once(home: Home, group_id: int) -> tuple[RunSummary, float, dict[str, float]]:
    started = time.perf_counter()
    with SyncContext.open(home) as ctx:
        summary = run_sync("subscribers", ctx, group_id, apply=True)
        from vksync_tui.store.models import SyncRun

        figures = SyncRun.get_by_id(summary.run_id).figures or {}
    phases = {phase["phase"]: phase["seconds"] for phase in figures.get("phases", [])}
    return summary, time.perf_counter() - started, phases


def run_case(members: int, delay: float, labels: tuple[str, ...], *, measure_rss: bool = False) -> None:
    emulator = EmulatorProcess("--members", str(members), delay=delay)
    try:
        group_id = int(emulator.get("groups")["groups"][0]["id"])  # type: ignore[index]
        with tempfile.TemporaryDirectory(prefix="bench-subscribers-") as folder:
            home = configure(Path(folder), emulator, labels)
            with PeakRss(psutil.Process(os.getpid())) as own, PeakRss(emulator.psutil) as emu:
                summary, wall, phases = sync_once(home, group_id)
        tokens = len(labels)
        fetch_seconds = phases.get("fetch", 0.0) + phases.get("fetch-retry", 0.0) + phases.get("bridge", 0.0)
        needed = expected_requests(members)
        fetch_requests = summary.requests - 1  # minus the recon call
        floor = needed / (tokens * USER_RPS)
        print(
            f"members={members:,} tokens={tokens} delay={delay}s status={summary.status} "
            f"fetched={summary.fetched:,}/{summary.expected:,}"
        )
        print(
            f"  fetch: {fetch_seconds:.2f} s for {fetch_requests} requests (perfect plan: {needed}); "
            f"floor {floor:.2f} s → ratio {fetch_seconds / floor:.3f} "
            f"(vs requests made: {fetch_seconds / (fetch_requests / (tokens * USER_RPS)):.3f})"
        )
        print(
            f"  error 6: {summary.errors_by_code.get('6', 0)}; errors: {summary.errors_by_code or 'none'}; "
            f"whole sync {wall:.2f} s (recon, fetch, index + diff, apply)"
        )
        if measure_rss:
            print(
                f"  peak RSS: sync process {own.peak / 2**20:.0f} MB; "
                f"emulator process (separate) {emu.peak / 2**20:.0f} MB"
            )
    finally:
        emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--delay", type=float, default=0.03, help="emulator answer delay in seconds")
    parser.add_argument("--big", action="store_true", help="10M members, 4 tokens, peak RSS")
    parser.add_argument("--tokens", type=int, choices=(1, 2, 3, 4), help="only this many tokens")
    args = parser.parse_args()
    if args.big:
        run_case(10_000_000, args.delay, USER_TOKENS, measure_rss=True)
        return
    for count in (args.tokens,) if args.tokens else (1, 4):
        run_case(args.members, args.delay, USER_TOKENS[:count], measure_rss=True)
    print(f"(page plan: {math.ceil(args.members / 992)} pages of 1000 ids overlapping by 8, 25 per execute)")


if __name__ == "__main__":
    main()
