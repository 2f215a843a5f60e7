"""Profile refresh of 1,000,000 stored users against the emulator: whole CLI runs against the floor.

Setup (untimed): the emulator in its own process with a `--members`-member main community (answers delayed
`--delay` s), and a subscribers sync that stores every member id. Then `vksync-tui sync profiles --scope
subscribers --json` refreshes them all (users.get, 1000 ids per call, `USERS_GET_BATCH` calls per execute),
run as the operator runs it, in its own process (`cli_run`), once per token set:

- `one user token` (3 rps) — the case where VK's limit should be the bottleneck;
- `all tokens` (5 user tokens at 3 rps + 4 community tokens at 20 rps, split sessions) — on this machine
  the emulator has to build and serialise every profile on the same cores, so this run is bounded by the
  two processes' CPU long before VK's limit; what carries over to real VK is the client's CPU per profile
  and its peak RSS (the answers the workers hold at once).

For each: the refresh phase and the whole run against their floors (ceil(calls / batch) requests, plus the
run's other requests for the whole run, ÷ Σ rps), the client CPU per profile (the process's user + system
time less a bare CLI start), the process's peak RSS, the emulator's CPU, error 6 answers, and whether the
stored profiles equal the emulator's truth for a sample of ids.

Run: `.venv/bin/python bench/bench_profiles.py [--members N] [--delay S]` (~2-4 minutes for 1M).
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import httpx
from cli_run import CliRun, Floor, bare_start_cpu, print_case, run_sync_cli
from emulator_process import EmulatorProcess

from vksync_tui.config import Community, Config, TokenEntry, Tuning, save_config
from vksync_tui.home import Home
from vksync_tui.sync.users_refresh import USERS_GET_BATCH, USERS_PER_CALL

RPS = {"user": 3.0, "group": 20.0}
SAMPLE = 2000  # profiles compared field by field with the emulator's truth


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


def verdict(home: Home, emulator: EmulatorProcess, group_id: int) -> str:
    """Stored names, cities and last-seen times of a random sample of users against the emulator's truth."""
    with sqlite3.connect(home.db_path) as db:
        ids = [user_id for (user_id,) in db.execute("SELECT user_id FROM membership WHERE community_id = ?",
                                                     (group_id,))]
        sample = random.Random(1).sample(ids, min(SAMPLE, len(ids)))
        marks = ",".join("?" * len(sample))
        stored = {row[0]: row[1:] for row in db.execute(
            f"SELECT id, first_name, last_name, city, last_seen FROM user WHERE id IN ({marks})", sample)}
    truth = httpx.get(
        f"{emulator.base_url}/_emu/truth/profiles",
        params={"group_id": group_id, "ids": ",".join(map(str, sample))}, timeout=120,
    ).json()
    expected = {int(p["id"]): (p.get("first_name"), p.get("last_name"), _inner(p, "city", "title"),
                               _inner(p, "last_seen", "time")) for p in truth["items"]}
    return "sample equals the truth" if stored == expected else "sample DIFFERS from the truth"


def _inner(profile: dict[str, Any], name: str, field: str) -> Any:
    value = profile.get(name)
    return value.get(field) if isinstance(value, dict) else None


def refresh(
    home: Home, emulator: EmulatorProcess, group_id: int, labels: list[str], title: str, bare_cpu: float
) -> CliRun:
    entries = configure(home, emulator, labels)
    emulator_cpu = emulator.cpu()
    run = run_sync_cli(home.root, "profiles", "--scope", "subscribers")
    emulator_cpu = emulator.cpu() - emulator_cpu
    users = int(run.summary.get("expected") or 0)
    needed = math.ceil(math.ceil(users / USERS_PER_CALL) / USERS_GET_BATCH)
    floor = Floor(needed, needed, sum(RPS[entry.kind] for entry in entries))
    print_case(
        "profiles_" + title.replace(" ", "_"), f"profiles {users:,}, {title}", run, floor,
        fetch_seconds=run.phase_seconds("refresh"), work=users,
        unit="profiles", bare_cpu=bare_cpu, verdict=verdict(home, emulator, group_id),
    )
    print(f"  emulator CPU {emulator_cpu:.1f} s; {len(entries)} token(s), workers "
          f"{run.figures.get('workers')}, batch {run.figures.get('batch_size')}")
    return run


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
            bare_cpu = bare_start_cpu(Path(folder) / "bare")
            print(f"(a bare CLI start: {bare_cpu:.2f} CPU s; delay {args.delay} s)")
            home = Home(Path(folder) / "home").ensure()
            configure(home, emulator, [label for label in all_labels if label.startswith("group-")])
            setup = run_sync_cli(home.root, "subscribers", "--yes")
            fetched = setup.summary.get("fetched") or 0
            status = setup.summary.get("status")
            print(f"setup: subscribers {status}, {fetched:,} members in {setup.wall:.1f} s")
            refresh(home, emulator, group_id, ["user-admin"], "one user token", bare_cpu)
            refresh(home, emulator, group_id, all_labels, "all tokens", bare_cpu)
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
