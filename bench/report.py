"""`make bench`: run every benchmark script as its author wrote it, collect their figures into one table and
`bench/results.json`.

The scripts print human-readable lines and have no machine-readable output, so each step here runs one
script in a subprocess (bounded by its own time cap, so the whole report stays under 15 minutes on the
2-core machine), keeps its full output in the JSON, and reads the figures out of the printed lines with the
small parsers below (`_figures` patterns). A figure a parser cannot find is recorded as null, never guessed;
a step that fails or hits its cap is recorded with its exit code and output.

Per list (subscribers, profiles, mailing: the sync run as the operator runs it, `vksync-tui sync … --json`
in its own process, see `cli_run.py`): work size, requests, the fetch phase's ratio to its rate-limit floor
(`fetch_ratio`), the whole run's seconds and its ratio to the whole floor (`whole_ratio`: every request of a
perfect plan ÷ Σ token rps), the client CPU per item (the sync process's user + system time less a bare CLI
start: the figure that carries over to real VK, whose servers are not on this machine), error 6 answers, peak
RSS of the sync process and whether the result equals the emulator's truth. Posts and interactions run in
the bench's own process and report their fetch phase. The machine is shared: the load average before and
after every step is recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_FILE = BENCH_DIR / "results.json"
NUMBER = r"([\d,]+(?:\.\d+)?)"

Figures = dict[str, dict[str, Any]]


def _number(text: str | None) -> float | None:
    return None if text is None else float(text.replace(",", ""))


def _search(pattern: str, text: str) -> float | None:
    found = re.search(pattern, text)
    return _number(found.group(1)) if found else None


def _error6(text: str) -> float | None:
    """Error 6 count from an `errors {'6': N, ...}` dict or an `error 6: N` figure; 0 when errors are none."""
    direct = _search(r"error 6: " + NUMBER, text)
    if direct is not None:
        return direct
    if re.search(r"errors (?:\{\}|none)", text):
        return 0.0
    return _search(r"'6': " + NUMBER, text) if "errors {" in text else None


def _blocks(output: str, header: str) -> list[str]:
    """The output cut into blocks, each starting at a line that matches `header`."""
    starts = [m.start() for m in re.finditer(header, output, flags=re.MULTILINE)]
    return [output[a:b] for a, b in zip(starts, [*starts[1:], len(output)], strict=True)]


CASE_HEADER = (
    r"^\[(?P<key>\w+)\] (?P<title>[^:\n]+): (?P<status>\w+) \(exit (?P<exit>-?\d+)\), (?P<verdict>.*)$"
)


def parse_cases(output: str, rss_mb: float | None) -> Figures:
    """The whole-run blocks `cli_run.print_case` prints: one row per `[key]`, with the fetch ratio, the whole
    run's ratio and the client CPU per item side by side."""
    figures: Figures = {}
    for block in _blocks(output, r"^\[\w+\] "):
        header = re.match(CASE_HEADER, block, flags=re.MULTILINE)
        if header is None:
            continue
        figures[header["key"]] = {
            "title": header["title"],
            "status": header["status"],
            "correct": "equal" in header["verdict"] and "DIFFER" not in header["verdict"],
            "work": _search(r"work " + NUMBER, block),
            "requests": _search(r"; requests (\d+)", block),
            "error6": _error6(block),
            "fetch_seconds": _search(r"fetch " + NUMBER + " s", block),
            "fetch_floor_seconds": _search(r"fetch [\d.]+ s, floor " + NUMBER, block),
            "fetch_ratio": _search(r"fetch ratio " + NUMBER, block),
            "whole_seconds": _search(r"whole run " + NUMBER + " s", block),
            "whole_floor_seconds": _search(r"whole run [\d.]+ s, floor " + NUMBER, block),
            "whole_ratio": _search(r"whole ratio " + NUMBER, block),
            "client_cpu_us_per_item": _search(r"= " + NUMBER + " µs per", block),
            "peak_rss_mb": _search(r"peak RSS " + NUMBER + " MB", block),
            "emulator_rss_mb": _search(r"emulator process \(separate\) peak RSS " + NUMBER, block),
        }
    return figures


def parse_peer(output: str, rss_mb: float | None) -> Figures:
    return {
        "peer_sequential_execute_1_token": {
            "work": _search(r"members=" + NUMBER, output),
            "requests": _search(r"for (\d+) requests", output),
            "whole_seconds": _search(r"fetch: " + NUMBER, output),
            "whole_floor_seconds": _search(r"floor " + NUMBER, output),
            "whole_ratio": _search(r"ratio " + NUMBER, output),
            "error6": _error6(output),
            "correct": "equal the truth" in output,
        }
    }


def _row(
    work: float | None,
    requests: float | None,
    seconds: float | None,
    floor: float | None,
    ratio: float | None,
    error6: float | None,
    rss_mb: float | None,
) -> dict[str, Any]:
    """A list measured inside the bench's own process (posts, interactions): its fetch phase only."""
    return {
        "work": work,
        "requests": requests,
        "fetch_seconds": seconds,
        "fetch_floor_seconds": floor,
        "fetch_ratio": ratio,
        "error6": error6,
        "peak_rss_mb": rss_mb,
    }


def parse_posts(output: str, rss_mb: float | None) -> Figures:
    figures: Figures = {}
    pattern = (
        r"^(?P<label>[^:\n]+): status \w+, fetched (?P<work>\d+) of \d+, (?P<requests>\d+) requests in "
        r"(?P<seconds>[\d.]+) s; floor (?P<floor>[\d.]+) s.*?ratio (?P<ratio>[\d.]+); (?P<errors>errors .*)$"
    )
    for match in re.finditer(pattern, output, flags=re.MULTILINE):
        key = "posts_" + re.sub(r"\W+", "_", match["label"].strip()).strip("_")
        figures[key] = _row(
            _number(match["work"]),
            _number(match["requests"]),
            _number(match["seconds"]),
            _number(match["floor"]),
            _number(match["ratio"]),
            _error6(match["errors"]),
            rss_mb,
        )
    return figures


def parse_interactions(output: str, rss_mb: float | None) -> Figures:
    return {
        "interactions": {
            **_row(
                _search(r"interactions of (\d+) posts", output),
                _search(r"(\d+) requests in", output),
                _search(r"requests in " + NUMBER + " s", output),
                _search(r"floor " + NUMBER, output),
                _search(r"ratio " + NUMBER, output),
                _error6(output),
                rss_mb,
            ),
            "correct": "equal the truth" in output,
        }
    }


def parse_store(output: str, rss_mb: float | None) -> Figures:
    figures: Figures = {
        "store_upsert_1M": {
            "upsert_vs_raw_ratio": _search(r"ratio .*? / .*?: fresh " + NUMBER, output),
            "upsert_vs_raw_conflict_ratio": _search(r"ratio .*? / .*?: fresh .*?conflict " + NUMBER, output),
            "peak_rss_mb": _search(r"peak RSS " + NUMBER + " MB \\(mostly", output),
        }
    }
    for block in _blocks(output, r"^staged subscribers diff"):
        members = _search(r"diff, " + NUMBER + " members", block)
        figures[f"store_diff_{int(members or 0) // 1_000_000}M"] = {
            "work": members,
            "seconds": _search(r"total " + NUMBER, block),
            "peak_rss_mb": _search(r"peak RSS " + NUMBER, block),
            "correct": "as expected" in block,
        }
    return figures


def parse_emulator(output: str, rss_mb: float | None) -> Figures:
    return {
        "emulator_execute": {
            "work": _search(r"world: " + NUMBER + " members", output),
            "median_ms": _search(r"per call: median " + NUMBER, output),
            "p90_ms": _search(r"per call: median .*?p90 " + NUMBER, output),
            "four_clients_median_ms": _search(r"four clients at once: median " + NUMBER, output),
            "world_rss_mb": _search(r"world ≈ " + NUMBER, output),
            "median_vs_100ms_target_ratio": (lambda m: None if m is None else round(m / 100, 3))(
                _search(r"per call: median " + NUMBER, output)
            ),
        }
    }


def parse_key_latency(output: str, rss_mb: float | None) -> Figures:
    figures: Figures = {}
    line = r"^(idle|during)[^:]*: (\d+) presses, p50 ([\d.]+) ms, p95 ([\d.]+) ms, max ([\d.]+) ms"
    for match in re.finditer(line, output, flags=re.MULTILINE):
        p95 = float(match[4])
        figures["ui_key_latency_" + ("idle" if match[1] == "idle" else "during_sync")] = {
            "presses": int(match[2]),
            "p50_ms": float(match[3]),
            "p95_ms": p95,
            "max_ms": float(match[5]),
            "p95_vs_100ms_target_ratio": round(p95 / 100, 3),
        }
    return figures


def parse_list_screens(output: str, rss_mb: float | None) -> Figures:
    figures: Figures = {}
    row = r"^(\S+)\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$"
    for match in re.finditer(row, output, flags=re.MULTILINE):
        opening = float(match[4])
        figures[f"ui_open_{match[1]}"] = {
            "rows": _number(match[2]),
            "open_seconds": opening,
            "end_seconds": float(match[5]),
            "open_vs_0_2s_target_ratio": round(opening / 0.2, 3),
        }
    return figures


@dataclass(frozen=True)
class Step:
    name: str
    argv: tuple[str, ...]
    cap_seconds: float
    parse: Callable[[str, float | None], Figures]


STEPS = (
    Step("subscribers", ("bench_subscribers.py",), 150, parse_cases),
    Step("peer", ("bench_peer.py",), 90, parse_peer),
    Step("posts", ("bench_posts.py",), 90, parse_posts),
    Step(
        "interactions",
        ("bench_interactions.py", "--posts", "2000", "--popular", "40"),
        120,
        parse_interactions,
    ),
    Step("mailing", ("bench_mailing.py",), 120, parse_cases),
    Step("profiles", ("bench_profiles.py",), 240, parse_cases),
    Step("emulator", ("bench_emulator.py", "--members", "1000000", "--executes", "40"), 60, parse_emulator),
    Step("list_screens", ("bench_list_screens.py",), 150, parse_list_screens),
    Step("key_latency", ("bench_key_latency.py",), 90, parse_key_latency),
    Step("subscribers_10M", ("bench_subscribers.py", "--big"), 240, parse_cases),
    Step("store", ("bench_store.py", "--big"), 300, parse_store),
)
# `make bench` must finish within 15 minutes: a step gets at most what is left of this budget, and a step
# with less than a minute left is recorded as skipped instead of being started.
BUDGET_SECONDS = 870
MIN_STEP_SECONDS = 60


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def run_step(step: Step, cap_seconds: float) -> dict[str, Any]:
    """Run one script within `cap_seconds`: exit code, seconds, output, figures, peak RSS (`wait4`)."""
    started = time.monotonic()
    load_before = os.getloadavg()
    process = subprocess.Popen(
        [sys.executable, str(BENCH_DIR / step.argv[0]), *step.argv[1:]],
        cwd=REPO_ROOT,
        start_new_session=True,  # its own process group: over the cap, its emulator child goes too
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    chunks: list[str] = []
    reader = threading.Thread(target=lambda: chunks.extend(process.stdout or []), daemon=True)
    reader.start()
    timer = threading.Timer(cap_seconds, _kill_group, args=(process.pid,))
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=10)
    seconds = time.monotonic() - started
    output = "".join(chunks)
    rss_mb = round(usage.ru_maxrss / 1024, 1)
    timed_out = seconds >= cap_seconds and process.returncode != 0
    return {
        "argv": list(step.argv),
        "exit_code": process.returncode,
        "seconds": round(seconds, 1),
        "timed_out": timed_out,
        "peak_rss_mb": rss_mb,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "figures": step.parse(output, rss_mb),
        "output": output.splitlines(),
    }


def peer_comparison(lists: Figures) -> dict[str, Any]:
    """Our whole run of 1M members on one token against the peer's plain sequential fetch (target ≤ 1.10)."""
    peer = lists.get("peer_sequential_execute_1_token", {}).get("whole_seconds")
    ours = {tokens: lists.get(f"subscribers_1M_{tokens}_first_sync", {}).get("whole_seconds")
            for tokens in ("1_token", "4_tokens")}
    return {
        "peer_seconds": peer,
        "ours_1_token_whole_seconds": ours["1_token"],
        "ours_4_tokens_whole_seconds": ours["4_tokens"],
        **{
            f"ours_{tokens}_whole_vs_peer_ratio": round(seconds / peer, 3) if peer and seconds else None
            for tokens, seconds in ours.items()
        },
    }


LIST_COLUMNS = (
    ("work", "work", ",.0f"),
    ("requests", "req.", ".0f"),
    ("fetch_ratio", "fetch ×", ".3f"),
    ("whole_seconds", "whole s", ".2f"),
    ("whole_floor_seconds", "floor s", ".2f"),
    ("whole_ratio", "whole ×", ".3f"),
    ("client_cpu_us_per_item", "CPU µs/item", ".2f"),
    ("error6", "err 6", ".0f"),
    ("peak_rss_mb", "RSS MB", ".0f"),
    ("correct", "exact", ""),
)


def _cell(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    return str(value).lower() if isinstance(value, bool) else format(value, spec)


def table(figures: Figures) -> str:
    """The lists as one table — fetch ratio, whole-run ratio and client CPU per item side by side — then the
    other figures one line each."""
    lists = {name: row for name, row in figures.items() if "fetch_ratio" in row or "whole_ratio" in row}
    lines = [f"{'case':40}" + "".join(f"{label:>13}" for _, label, _ in LIST_COLUMNS)]
    for name, row in lists.items():
        cells = ""
        for column, _, spec in LIST_COLUMNS:
            cells += f"{_cell(row.get(column), spec):>13}"
        lines.append(f"{name:40}" + cells)
    for name, row in figures.items():
        if name not in lists:
            lines.append(f"{name:40} " + ", ".join(f"{k}={v}" for k, v in row.items()))
    return "\n".join(lines)


def main(selected: list[str] | None = None) -> int:
    steps = [step for step in STEPS if not selected or step.name in selected]
    started = time.monotonic()
    results: dict[str, Any] = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(),
        },
        "steps": {},
    }
    figures: Figures = {}
    for step in steps:
        left = BUDGET_SECONDS - (time.monotonic() - started)
        if left < MIN_STEP_SECONDS:
            results["steps"][step.name] = {"argv": list(step.argv), "exit_code": None, "skipped": "budget"}
            print(f"skipping {step.name}: {left:.0f} s left of the {BUDGET_SECONDS} s budget", flush=True)
            continue
        cap = min(step.cap_seconds, left)
        print(f"running {step.name} (cap {cap:.0f} s) …", flush=True)
        outcome = run_step(step, cap)
        results["steps"][step.name] = outcome
        figures.update(outcome["figures"])
        print(f"  exit {outcome['exit_code']} in {outcome['seconds']} s", flush=True)
    results["figures"] = figures
    results["peer_comparison"] = peer_comparison(figures)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["total_seconds"] = round(time.monotonic() - started, 1)
    RESULTS_FILE.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(table({**figures, "peer_comparison": results["peer_comparison"]}))
    print(
        f"\n{len(steps)} benchmarks in {results['total_seconds']} s; load average at start "
        f"{results['machine']['load_average_at_start']}, at end {results['machine']['load_average_at_end']}; "
        f"written to {RESULTS_FILE.relative_to(REPO_ROOT)}"
    )
    failed = [name for name, step in results["steps"].items() if step["exit_code"] != 0]
    if failed:
        print(f"failed, over their time cap or skipped: {', '.join(failed)}")
    return 1 if failed else 0
