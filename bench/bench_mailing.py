"""Mailing analysis of 20,000 dialogs against the emulator at VK's real community-token limit (20 rps).

The emulator runs in its own process (`vksync-tui emulator --world …`) with a main community of
`--members` members and `--dialogs` dialogs, every answer delayed `--delay` s (VK-like latency). The bench
first runs the mailing sync (its figures are printed, with its own floor: requests ÷ 20 rps), then the
analysis, and prints

    floor = ceil(dialogs / batch) requests ÷ (community tokens × 20 rps)

next to the analysis phase's wall time (and the whole run's, which adds the token probe), the ratio of the
two (target ≤ 1.2), the requests made and every error code seen (error 6 must stay at 0). The mailing line
also gives the CPU seconds the sync process and the emulator process spent on it: on a shared 2-core machine
those are steadier than wall time.

Run: `.venv/bin/python bench/bench_mailing.py [--dialogs N] [--batch 20] [--delay S]` (~1-2 minutes).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from emulator_process import EmulatorProcess

from vksync_tui.config import Community, Config, TokenEntry, Tuning, save_config
from vksync_tui.home import Home
from vksync_tui.store.models import SyncRun
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.registry import run_sync
from vksync_tui.sync.runs import RunSummary

GROUP_RPS = 20.0
GROUP_ID = 212345678


def world_spec(members: int, dialogs: int) -> str:
    return (
        "[[communities]]\n"
        f'id = {GROUP_ID}\nscreen_name = "bench_community"\nname = "Bench"\n'
        f"members = {members}\ndialogs = {dialogs}\nposts = 10\n"
    )


def configure(root: Path, emulator: EmulatorProcess, batch: int) -> Home:
    """Every token of the world: the sync must pick the community token with the messages right itself."""
    home = Home(root).ensure()
    tokens = [t for t in emulator.get("tokens")["tokens"] if t["kind"] in ("user", "group")]
    config = Config(
        api_url=emulator.url,
        communities=[Community(GROUP_ID, "bench_community", "Bench")],
        tokens=[
            TokenEntry(
                t["label"], t["token"], t["kind"], group_id=t["owner_id"] if t["kind"] == "group" else None
            )
            for t in tokens
        ],
        tuning=Tuning(group_rps=GROUP_RPS, execute_batch=max(batch, 25)),
    )
    save_config(home.config_file, config)
    return home


def run(home: Home, list_name: str, **options: Any) -> tuple[RunSummary, dict[str, Any], float]:
    started = time.perf_counter()
    with SyncContext.open(home) as ctx:
        summary = run_sync(list_name, ctx, GROUP_ID, **options)
        figures = SyncRun.get_by_id(summary.run_id).figures or {}
    return summary, figures, time.perf_counter() - started


def phase_seconds(figures: dict[str, Any], phase: str) -> float:
    """The job's own phases (parallel rounds and retries), without the token probe."""
    return sum(p["seconds"] for p in figures.get("phases", []) if str(p["phase"]).startswith(phase))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--dialogs", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=20, help="getHistory calls per execute (≤ 25)")
    parser.add_argument("--delay", type=float, default=0.05, help="emulator answer delay, seconds")
    parser.add_argument("--mailing-only", action="store_true", help="skip the analysis (~1 minute)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mailing-") as folder:
        world_file = Path(folder) / "world.toml"
        world_file.write_text(world_spec(args.members, args.dialogs))
        emulator = EmulatorProcess("--world", str(world_file), delay=args.delay)
        try:
            home = configure(Path(folder) / "home", emulator, args.batch)
            sync_cpu, emulator_cpu = time.process_time(), emulator.cpu()
            mailing, mailing_figures, mailing_wall = run(home, "mailing")
            sync_cpu, emulator_cpu = time.process_time() - sync_cpu, emulator.cpu() - emulator_cpu
            mailing_fetch = phase_seconds(mailing_figures, "fetch")
            mailing_floor = mailing.requests / (len(mailing_figures.get("tokens", [])) * GROUP_RPS)
            print(
                f"mailing: {mailing.status} {mailing.fetched:,}/{mailing.expected:,} dialogs, "
                f"{mailing.requests} requests (batch {mailing_figures.get('batch_size')}), "
                f"{mailing_wall:.2f} s, fetch phases {mailing_fetch:.2f} s; floor {mailing_floor:.2f} s "
                f"→ ratio {mailing_fetch / mailing_floor:.2f}; errors {mailing.errors_by_code or 'none'}; "
                f"CPU: sync {sync_cpu:.2f} s, emulator {emulator_cpu:.2f} s"
            )
            if args.mailing_only:
                return
            emulator.post("reset-stats")
            summary, figures, wall = run(home, "mailing-analysis", batch=args.batch)
            stats = emulator.get("stats")
        finally:
            emulator.stop()
    tokens = figures.get("tokens", [])
    needed = math.ceil(args.dialogs / args.batch)
    floor = needed / (len(tokens) * GROUP_RPS)
    fetch = phase_seconds(figures, "analyse")
    per_token = {label: s["max_rps"] for label, s in stats["by_token"].items()}
    emulator_error6 = stats["errors_by_code"].get("6", 0)
    print(
        f"mailing-analysis: {summary.status} {summary.fetched:,}/{summary.expected:,} dialogs with "
        f"{len(tokens)} community token(s) {tokens}, batch {args.batch}, delay {args.delay}s"
    )
    print(
        f"  fetch phases {fetch:.2f} s for {summary.requests} requests (perfect plan {needed} + "
        f"{len(tokens)} probe); floor {floor:.2f} s → ratio {fetch / floor:.3f}; "
        f"whole run {wall:.2f} s → ratio {wall / floor:.3f}"
    )
    print(
        f"  error 6: {summary.errors_by_code.get('6', 0)} (emulator saw {emulator_error6}); "
        f"errors {summary.errors_by_code or 'none'}; max rps per token at the emulator {per_token}; "
        f"stagger {figures.get('stagger_seconds')} s, workers {figures.get('workers')}"
    )


if __name__ == "__main__":
    main()
