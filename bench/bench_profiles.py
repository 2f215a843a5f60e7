"""Profile refresh of 1,000,000 stored users against the emulator: wall time ÷ rate-limit floor, and why.

Setup (untimed): the emulator in its own process with a `--members`-member main community (answers delayed
`--delay` s), and a subscribers sync that stores every member id. Then `sync profiles --scope subscribers`
refreshes them all (users.get, 1000 ids per call, `USERS_GET_BATCH` calls per execute), once per token set:

- `one user token` (3 rps) — the case where VK's limit should be the bottleneck;
- `all tokens` (5 user tokens at 3 rps + 4 community tokens at 20 rps, split sessions).

For each it prints the refresh phase's wall time, the floor = ceil(calls / batch) ÷ Σ rps, their ratio
(target ≤ 1.2), the requests made, each token's share (users.get calls the emulator saw per token), and the
CPU seconds the emulator process and this process spent — on one machine the emulator has to build and
serialise every profile, which bounds the run long before VK's rate limit does when many tokens are used —
and this process's CPU per profile, split into the store writer thread (SQLite upserts and commits) and the
rest (HTTP, JSON, rows, engine).

Run: `.venv/bin/python bench/bench_profiles.py [--members N] [--delay S]` (~3-5 minutes for 1M).
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
from vksync_tui.store.models import SyncRun
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.registry import run_sync
from vksync_tui.sync.users_refresh import USERS_GET_BATCH, USERS_PER_CALL

RPS = {"user": 3.0, "group": 20.0}


def configure(home: Home, emulator: EmulatorProcess, labels: list[str]) -> list[TokenEntry]:
    group = emulator.get("groups")["groups"][0]
    tokens = {t["label"]: t for t in emulator.get("tokens")["tokens"]}
    entries = [
        TokenEntry(
            label,
            tokens[label]["token"],
            tokens[label]["kind"],
            group_id=tokens[label]["owner_id"] if tokens[label]["kind"] == "group" else None,
        )
        for label in labels
    ]
    config = Config(
        api_url=emulator.url,
        communities=[Community(int(group["id"]), group["screen_name"], group["name"])],
        tokens=entries,
        tuning=Tuning(user_rps=RPS["user"], group_rps=RPS["group"]),
    )
    save_config(home.config_file, config)
    return entries


def own_cpu() -> float:
    times = psutil.Process(os.getpid()).cpu_times()
    return times.user + times.system


def thread_cpu(name: str) -> float:
    """CPU seconds of this process's running thread called `name` (0 if there is none)."""
    native_ids = {thread.native_id for thread in threading.enumerate() if thread.name == name}
    threads = psutil.Process(os.getpid()).threads()
    return sum(thread.user_time + thread.system_time for thread in threads if thread.id in native_ids)


def refresh(home: Home, emulator: EmulatorProcess, group_id: int, labels: list[str], title: str) -> None:
    entries = configure(home, emulator, labels)
    emulator.post("reset-stats")
    emulator_cpu, client_cpu, started = emulator.cpu(), own_cpu(), time.perf_counter()
    with SyncContext.open(home) as ctx:
        summary = run_sync("profiles", ctx, group_id, scope="subscribers")
        figures = SyncRun.get_by_id(summary.run_id).figures or {}
        store_cpu = thread_cpu("store-writer")  # the context's writer, alive until the context closes
    wall = time.perf_counter() - started
    emulator_cpu, client_cpu = emulator.cpu() - emulator_cpu, own_cpu() - client_cpu
    stats = emulator.get("stats")["by_token"]
    phase = sum(p["seconds"] for p in figures.get("phases", []) if str(p["phase"]).startswith("refresh"))
    ceiling = sum(RPS[entry.kind] for entry in entries)
    needed = math.ceil(math.ceil((summary.expected or 0) / USERS_PER_CALL) / USERS_GET_BATCH)
    floor = needed / ceiling
    shares = {label: s["by_method"].get("users.get", 0) for label, s in stats.items()}
    print(
        f"{title}: {summary.status} {summary.fetched:,}/{summary.expected:,} users, {len(entries)} token(s)"
    )
    print(
        f"  refresh phase {phase:.2f} s (whole run {wall:.2f} s) for {summary.requests} requests "
        f"(perfect plan {needed}, batch {figures.get('batch_size')}); floor {floor:.2f} s at {ceiling:g} rps "
        f"→ ratio {phase / floor:.2f}"
    )
    print(
        f"  CPU: emulator {emulator_cpu:.1f} s, sync process {client_cpu:.1f} s; "
        f"errors {summary.errors_by_code or 'none'}; deactivated {summary.extras.get('deactivated'):,}"
    )
    per_profile = 1e6 / max(1, summary.fetched or 0)
    print(
        f"  sync CPU per profile: {client_cpu * per_profile:.1f} µs (store writer thread "
        f"{store_cpu * per_profile:.1f} µs, the rest {(client_cpu - store_cpu) * per_profile:.1f} µs)"
    )
    print(f"  users.get calls per token: {shares}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--delay", type=float, default=0.05, help="emulator answer delay, seconds")
    args = parser.parse_args()
    emulator = EmulatorProcess("--members", str(args.members), delay=args.delay)
    try:
        group_id = int(emulator.get("groups")["groups"][0]["id"])
        all_labels = [t["label"] for t in emulator.get("tokens")["tokens"] if t["kind"] in ("user", "group")]
        with tempfile.TemporaryDirectory(prefix="bench-profiles-") as folder:
            home = Home(Path(folder)).ensure()
            configure(home, emulator, [label for label in all_labels if label.startswith("group-")])
            with SyncContext.open(home) as ctx:
                setup = run_sync("subscribers", ctx, group_id, apply=True)
            print(
                f"setup: subscribers {setup.status}, {setup.fetched:,} members in {setup.seconds:.1f} s"
            )
            refresh(home, emulator, group_id, ["user-admin"], "one user token")
            refresh(home, emulator, group_id, all_labels, "all tokens")
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
