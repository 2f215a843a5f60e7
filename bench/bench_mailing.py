"""Mailing and mailing analysis of 20,000 dialogs against the emulator at VK's community-token limit (20 rps).

The emulator runs in its own process (`vksync-tui emulator --world …`) with a main community of
`--members` members and `--dialogs` dialogs, every answer delayed `--delay` s (VK-like latency). Each sync is
run as the operator runs it, `vksync-tui sync mailing --json` then `sync mailing-analysis --json`, in its own
process (`cli_run`). For each it prints the fetch phase and the whole run against their floors (requests of
a perfect plan ÷ (community tokens × 20 rps); the whole run adds the token probes), the client CPU per
dialog (the process's user + system time less a bare CLI start, so the emulator's CPU is not in it — on a
shared 2-core machine that is the figure that carries over to real VK), peak RSS, error 6 answers and the
emulator's CPU.

Run: `.venv/bin/python bench/bench_mailing.py [--dialogs N] [--delay S]` (~1-2 minutes).
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import tempfile
from pathlib import Path

import httpx
from cli_run import Floor, bare_start_cpu, print_case, run_sync_cli
from emulator_process import EmulatorProcess

from vksync_tui.config import Community, Config, TokenEntry, Tuning, save_config
from vksync_tui.home import Home
from vksync_tui.sync.mailing import PAGE_SIZE
from vksync_tui.sync.mailing_analysis import DEFAULT_BATCH

GROUP_RPS = 20.0
GROUP_ID = 212345678
USER_PEER_MAX = 2_000_000_000  # VK's chat peers start here


def world_spec(members: int, dialogs: int) -> str:
    return (
        "[[communities]]\n"
        f'id = {GROUP_ID}\nscreen_name = "bench_community"\nname = "Bench"\n'
        f"members = {members}\ndialogs = {dialogs}\nposts = 10\n"
    )


def configure(root: Path, emulator: EmulatorProcess) -> Home:
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
        tuning=Tuning(group_rps=GROUP_RPS),
    )
    save_config(home.config_file, config)
    return home


def verdict(home: Home, emulator: EmulatorProcess) -> str:
    """The stored dialogs' users against the emulator's truth (its user peers)."""
    url = f"{emulator.base_url}/_emu/truth/dialogs"
    peers = httpx.get(url, params={"group_id": GROUP_ID}, timeout=120).json()["ids"]
    expected = {peer for peer in peers if 0 < peer < USER_PEER_MAX}
    with sqlite3.connect(home.db_path) as db:
        query = "SELECT user_id FROM mailing WHERE community_id = ? AND has_dialog"
        stored = {user_id for (user_id,) in db.execute(query, (GROUP_ID,))}
    return "dialogs equal the truth" if stored == expected else "dialogs DIFFER from the truth"


def analysis_verdict(home: Home, emulator: EmulatorProcess) -> str:
    """Each analysed dialog's first message (date and author) against the emulator's truth."""
    url = f"{emulator.base_url}/_emu/truth/mailing-analysis"
    truth = httpx.get(url, params={"group_id": GROUP_ID}, timeout=120).json()["items"]
    expected = {(peer, date, author) for peer, date, author in truth if 0 < peer < USER_PEER_MAX}
    with sqlite3.connect(home.db_path) as db:
        query = ("SELECT user_id, first_message_date, first_message_from_id FROM mailing "
                 "WHERE community_id = ? AND analysed_at IS NOT NULL")
        stored = set(db.execute(query, (GROUP_ID,)))
    return "first messages equal the truth" if stored == expected else "first messages DIFFER from the truth"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--dialogs", type=int, default=20_000)
    parser.add_argument("--delay", type=float, default=0.05, help="emulator answer delay, seconds")
    parser.add_argument("--mailing-only", action="store_true", help="skip the analysis (~1 minute)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mailing-") as folder:
        world_file = Path(folder) / "world.toml"
        world_file.write_text(world_spec(args.members, args.dialogs))
        emulator = EmulatorProcess("--world", str(world_file), delay=args.delay)
        try:
            bare_cpu = bare_start_cpu(Path(folder) / "bare")
            print(f"(a bare CLI start: {bare_cpu:.2f} CPU s; delay {args.delay} s)")
            home = configure(Path(folder) / "home", emulator)
            emulator_cpu = emulator.cpu()
            mailing = run_sync_cli(home.root, "mailing")
            emulator_cpu = emulator.cpu() - emulator_cpu
            tokens = len(mailing.figures.get("tokens", [])) or 1
            pages = math.ceil(args.dialogs / PAGE_SIZE)
            fetch = math.ceil(pages / int(mailing.figures.get("batch_size") or 25))
            floor = Floor(fetch, fetch + tokens, tokens * GROUP_RPS)
            print_case(
                "mailing", f"mailing {args.dialogs:,} dialogs", mailing, floor,
                fetch_seconds=mailing.phase_seconds("fetch"), work=args.dialogs, unit="dialogs",
                bare_cpu=bare_cpu, verdict=verdict(home, emulator),
            )
            print(f"  emulator CPU {emulator_cpu:.2f} s")
            if args.mailing_only:
                return
            emulator.post("reset-stats")
            analysis = run_sync_cli(home.root, "mailing-analysis")
            stats = emulator.get("stats")
            analysed = analysis_verdict(home, emulator)
        finally:
            emulator.stop()
    tokens = len(analysis.figures.get("tokens", [])) or 1
    needed = math.ceil(args.dialogs / int(analysis.figures.get("batch_size") or DEFAULT_BATCH))
    floor = Floor(needed, needed + tokens, tokens * GROUP_RPS)
    emulator_error6 = stats["errors_by_code"].get("6", 0)
    print_case(
        "mailing_analysis", f"mailing-analysis {args.dialogs:,} dialogs", analysis, floor,
        fetch_seconds=analysis.phase_seconds("analyse"), work=args.dialogs, unit="dialogs", bare_cpu=bare_cpu,
        verdict=f"{analysed}; the emulator saw error 6: {emulator_error6}",
    )


if __name__ == "__main__":
    main()
