"""Run a recorded request sequence in child processes and compare each answer's digest with the recorded one.

Two processes with different string-hash seeds: answers must not depend on the process that made them (a
user object's optional fields once followed the iteration order of a set of strings, i.e. string hashing).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.helpers.paths import REPO_ROOT

HASH_SEEDS = ("0", "4242")


def assert_same_digests(sequence_module: str, expected: dict[str, str]) -> None:
    for hash_seed in HASH_SEEDS:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        completed = subprocess.run(
            [sys.executable, "-m", sequence_module],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=True,
        )
        actual = json.loads(completed.stdout)
        assert list(actual) == list(expected)
        changed = [step for step, digest in expected.items() if actual[step] != digest]
        assert not changed, f"answers changed (PYTHONHASHSEED={hash_seed}): {changed}"
