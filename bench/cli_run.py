"""A sync as the operator runs it: `vksync-tui sync LIST --json` in its own process, measured from outside.

What the benchmarks report for a whole run comes from here:
- wall seconds of the whole process (start-up, recon, fetch, diff, apply, commit, exit);
- client CPU: the process's own user + system seconds (`wait4`), less a bare start of the CLI (the same
  interpreter importing the same command modules, then exiting) — so the figure is the sync's work, and the
  emulator's CPU, in its own process on the same cores, is not in it. This is the figure that carries over to
  real VK, whose servers are not on the operator's machine;
- peak RSS of the process (`ru_maxrss`);
- the run's phases, read from its `sync_run` row (the fetch phase's seconds give the fetch ratio).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent


@dataclass
class CliRun:
    exit_code: int
    wall: float
    cpu: float  # user + system seconds of the whole process
    rss_mb: float
    summary: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""

    def phase_seconds(self, *prefixes: str) -> float:
        """Summed seconds of the run's phases whose name starts with one of `prefixes`."""
        return sum(
            float(phase["seconds"])
            for phase in self.figures.get("phases", [])
            if str(phase["phase"]).startswith(prefixes)
        )


def _cli(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "vksync_tui", "--home", str(home), *args]


def run_measured(argv: list[str]) -> tuple[int, float, float, float, str, str]:
    """Run `argv` to its end; (exit code, wall s, user+sys s, peak RSS MB, stdout, stderr), from `wait4`."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda name=name, pipe=pipe: chunks.__setitem__(name, pipe.read()))
        for name, pipe in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return (
        process.returncode,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        chunks.get("out", b"").decode(errors="replace"),
        chunks.get("err", b"").decode(errors="replace"),
    )


def bare_start_cpu(home: Path, runs: int = 3) -> float:
    """CPU seconds of a CLI start that imports the sync command's modules and exits (the median of `runs`)."""
    argv = _cli(home, "sync", "subscribers", "--help")
    return statistics.median(run_measured(argv)[2] for _ in range(runs))


def run_sync_cli(home: Path, list_name: str, *options: str) -> CliRun:
    """`vksync-tui --home HOME sync LIST OPTIONS --json`, measured; its summary and its run's figures."""
    code, wall, cpu, rss, out, err = run_measured(_cli(home, "sync", list_name, *options, "--json"))
    lines = [line for line in out.splitlines() if line.startswith("{")]
    summary: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    figures: dict[str, Any] = {}
    if summary.get("run_id") is not None:
        with sqlite3.connect(home / "vksync.db") as db:
            found = db.execute("SELECT figures FROM sync_run WHERE id = ?", (summary["run_id"],)).fetchone()
        figures = json.loads(found[0]) if found and found[0] else {}
    return CliRun(code, wall, cpu, rss, summary, figures, err)


@dataclass(frozen=True)
class Floor:
    """The rate-limit floor of a run: requests a perfect plan needs ÷ the summed rps of the tokens doing them,
    for the fetch phase alone and for the whole run (which adds recon, probes, verification)."""

    fetch_requests: int
    whole_requests: int
    rps: float

    @property
    def fetch_seconds(self) -> float:
        return self.fetch_requests / self.rps

    @property
    def whole_seconds(self) -> float:
        return self.whole_requests / self.rps


def print_case(
    key: str, title: str, run: CliRun, floor: Floor, *, fetch_seconds: float, work: int, unit: str,
    bare_cpu: float, verdict: str,
) -> None:
    """The lines `bench/report.py` reads for one whole run, under `[key]` (keep the two in step)."""
    summary = run.summary
    errors = summary.get("errors_by_code") or {}
    client_cpu = max(0.0, run.cpu - bare_cpu)
    print(f"[{key}] {title}: {summary.get('status')} (exit {run.exit_code}), {verdict}")
    print(
        f"  work {work:,} {unit}; requests {summary.get('requests')} (perfect plan {floor.whole_requests}); "
        f"error 6: {errors.get('6', 0)}; errors {errors or 'none'}"
    )
    print(
        f"  fetch {fetch_seconds:.2f} s, floor {floor.fetch_seconds:.2f} s → fetch ratio "
        f"{fetch_seconds / floor.fetch_seconds:.3f}"
    )
    print(
        f"  whole run {run.wall:.2f} s, floor {floor.whole_seconds:.2f} s → whole ratio "
        f"{run.wall / floor.whole_seconds:.3f}"
    )
    print(
        f"  client CPU {client_cpu:.2f} s = {client_cpu / max(work, 1) * 1e6:.2f} µs per {unit.rstrip('s')} "
        f"(process {run.cpu:.2f} s less a bare start {bare_cpu:.2f} s); peak RSS {run.rss_mb:.0f} MB"
    )
    if run.exit_code != 0:
        print("  stderr: " + " | ".join(run.stderr.strip().splitlines()[-3:]))
