"""Subscribers sync against the emulator at VK's real rate limits: whole CLI runs against the floor.

Each case is `vksync-tui sync subscribers --yes --json` run as the operator runs it, in its own process
(`cli_run`), against the emulator in another process (answers delayed `--delay` s, VK-like latency), at the
real 3 requests/second per user token. Cases (1,000,000 members by default):

- `1 token, first sync` and `4 tokens, first sync` (the baseline: every member stored, no events);
- `4 tokens, resync`: after `--churn` of the members left and as many joined (half each; 5 % by default),
  the same community again — fetch, diff, re-check of every left candidate with `groups.isMember`, apply;
- `--big`: 10,000,000 members, 4 tokens, first sync (with the emulator's own peak RSS).

For each it prints the fetch phase against its floor (fetch requests of a perfect plan ÷ Σ rps), the whole
run against the whole floor (recon + fetch + verification requests ÷ Σ rps), the client CPU per member (the
process's user + system time less a bare CLI start, so the emulator's CPU is not in it) and the process's
peak RSS, error 6 answers (target 0), and whether the stored current members equal the emulator's truth.

Run: `.venv/bin/python bench/bench_subscribers.py [--members N] [--delay S] [--churn F] [--big]`.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import tempfile
from array import array
from pathlib import Path

import httpx
from cli_run import CliRun, Floor, bare_start_cpu, print_case, run_sync_cli
from emulator_process import EmulatorProcess

from vksync_tui.config import Community, Config, TokenEntry, Tuning, save_config
from vksync_tui.home import Home
from vksync_tui.sync.subscribers import IS_MEMBER_BATCH, expected_requests

USER_RPS = 3.0
USER_TOKENS = ("user-admin", "user-editor", "user-moderator", "user-reader")
EXACT_CHECK_MAX = 2_000_000  # above this only the count is compared (the truth's JSON would be ~100 MB)


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


def verdict(home: Home, emulator: EmulatorProcess, group_id: int) -> str:
    """Whether the stored current members are the emulator's members (exactly, or by count when huge)."""
    with sqlite3.connect(home.db_path) as db:
        current = "SELECT user_id FROM membership WHERE community_id = ? AND is_current ORDER BY user_id"
        rows = db.execute(current, (group_id,))
        stored = array("q", (user_id for (user_id,) in rows))
    size = int(emulator.get("groups")["groups"][0]["members_count"])  # type: ignore[index]
    if size > EXACT_CHECK_MAX:
        return "members count equals the truth" if len(stored) == size else f"count DIFFERS ({len(stored):,})"
    truth = httpx.get(
        f"{emulator.base_url}/_emu/truth/members", params={"group_id": group_id}, timeout=300
    ).json()["ids"]
    return "members equal the truth" if list(stored) == sorted(truth) else "members DIFFER from the truth"


def whole_floor(members: int, left_candidates: int, tokens: int) -> Floor:
    fetch = expected_requests(members)
    verify = math.ceil(math.ceil(left_candidates / IS_MEMBER_BATCH) / 25)
    return Floor(fetch, 1 + fetch + verify, tokens * USER_RPS)


def case(
    key: str, title: str, home: Home, emulator: EmulatorProcess, group_id: int, tokens: int, bare_cpu: float,
    *, left: int = 0,
) -> CliRun:
    run = run_sync_cli(home.root, "subscribers", "--yes")
    members = int(run.summary.get("expected") or 0)
    fetch = run.phase_seconds("fetch", "bridge")
    print_case(
        key, title, run, whole_floor(members, left, tokens), fetch_seconds=fetch, work=members,
        unit="members", bare_cpu=bare_cpu, verdict=verdict(home, emulator, group_id),
    )
    return run


def run_community(members: int, delay: float, churn: float, *, big: bool) -> None:
    emulator = EmulatorProcess("--members", str(members), delay=delay)
    try:
        group_id = int(emulator.get("groups")["groups"][0]["id"])  # type: ignore[index]
        with tempfile.TemporaryDirectory(prefix="bench-subscribers-") as folder:
            bare_cpu = bare_start_cpu(Path(folder) / "bare")
            print(f"(a bare CLI start: {bare_cpu:.2f} CPU s; members={members:,}, delay {delay} s)")
            if big:
                home = configure(Path(folder) / "big", emulator, USER_TOKENS)
                key = f"subscribers_{members // 1_000_000}M_4_tokens_first_sync"
                title = f"subscribers {members:,}, 4 tokens, first sync"
                case(key, title, home, emulator, group_id, 4, bare_cpu)
                print(f"  emulator process (separate) peak RSS {emulator.peak_rss_mb():.0f} MB")
                return
            size = f"{members // 1_000_000}M" if members >= 1_000_000 else f"{members // 1000}k"
            one = configure(Path(folder) / "one", emulator, USER_TOKENS[:1])
            case(f"subscribers_{size}_1_token_first_sync", f"subscribers {members:,}, 1 token, first sync",
                 one, emulator, group_id, 1, bare_cpu)
            four = configure(Path(folder) / "four", emulator, USER_TOKENS)
            case(f"subscribers_{size}_4_tokens_first_sync", f"subscribers {members:,}, 4 tokens, first sync",
                 four, emulator, group_id, 4, bare_cpu)
            changed = int(members * churn / 2)
            emulator.post("churn", {"group_id": group_id, "join": changed, "leave": changed})
            case(
                f"subscribers_{size}_4_tokens_resync",
                f"subscribers {members:,}, 4 tokens, resync ({changed:,} left, {changed:,} joined)",
                four, emulator, group_id, 4, bare_cpu, left=changed,
            )
    finally:
        emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--delay", type=float, default=0.03, help="emulator answer delay in seconds")
    parser.add_argument("--churn", type=float, default=0.05,
                        help="share of the members changed before the resync (half leave, as many join)")
    parser.add_argument("--big", action="store_true", help="10M members, 4 tokens, first sync")
    args = parser.parse_args()
    run_community(10_000_000 if args.big else args.members, args.delay, args.churn, big=args.big)


if __name__ == "__main__":
    main()
