"""Peer comparison: the simplest well-known way to fetch a community's 1,000,000 members, for the README.

The approach most scripts use (it is what `vk_api.VkTools.get_all` does): one token, `execute` with 25 ×
`groups.getMembers(count=1000)` per request, one request at a time, 0.34 s apart to stay under 3 requests per
second. Plain httpx, no pool, no parallelism, no coverage proof. It runs against the same emulator setup as
`bench_subscribers.py` (separate process, answers delayed `--delay` s), so its time compares directly with
ours (1 and 4 tokens, printed by that bench).

    .venv/bin/python bench/bench_peer.py [--members N] [--delay S]

Printed: members fetched (and whether they equal the emulator's truth), requests, wall time, the rate-limit
floor for one token (requests ÷ 3 rps), the ratio, and error 6 answers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_subscribers import USER_RPS
from emulator_process import EmulatorProcess

PAUSE_SECONDS = 0.34
PAGE = 1000
CALLS = 25


def fetch_all(url: str, token: str, group_id: int) -> tuple[set[int], int, int]:
    """(member ids, requests, error 6 answers): offset paging, 25 pages per execute, one request at a time."""
    members: set[int] = set()
    requests = errors6 = 0
    offset, count = 0, None
    with httpx.Client(timeout=60) as client:
        while count is None or offset < count:
            calls = ",".join(
                f'API.groups.getMembers({{"group_id": {group_id}, "offset": {offset + i * PAGE}, '
                f'"count": {PAGE}, "sort": "id_asc"}})'
                for i in range(CALLS)
            )
            answer = client.post(
                url + "execute", data={"code": f"return [{calls}];", "access_token": token, "v": "5.199"}
            ).json()
            requests += 1
            time.sleep(PAUSE_SECONDS)
            if "error" in answer:
                errors6 += answer["error"]["error_code"] == 6
                continue  # retry the same offset after the pause
            for page in answer["response"]:
                if page:
                    count = page["count"]
                    members.update(page["items"])
            offset += CALLS * PAGE
    return members, requests, errors6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--delay", type=float, default=0.03, help="emulator answer delay in seconds")
    args = parser.parse_args()
    emulator = EmulatorProcess("--members", str(args.members), delay=args.delay)
    try:
        group_id = int(emulator.get("groups")["groups"][0]["id"])  # type: ignore[index]
        token = next(
            t["token"]
            for t in emulator.get("tokens")["tokens"]  # type: ignore[index]
            if t["label"] == "user-admin"
        )
        started = time.perf_counter()
        members, requests, errors6 = fetch_all(emulator.url, token, group_id)
        seconds = time.perf_counter() - started
        truth = httpx.get(
            f"{emulator.base_url}/_emu/truth/members", params={"group_id": group_id}, timeout=300
        ).json()["ids"]
    finally:
        emulator.stop()
    floor = requests / USER_RPS
    verdict = "equal the truth" if members == set(truth) else f"DIFFER from the truth ({len(truth):,})"
    print(f"peer (sequential execute, 1 token, {PAUSE_SECONDS} s apart): members={len(members):,} {verdict}")
    print(
        f"  fetch: {seconds:.2f} s for {requests} requests; floor {floor:.2f} s → ratio {seconds / floor:.3f}"
    )
    print(f"  error 6: {errors6}")


if __name__ == "__main__":
    main()
