"""Run a recorded request sequence in a child process (`PYTHONHASHSEED=0`: a user object's optional fields
follow string hashing) and compare each answer's digest with the recorded one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def assert_same_digests(sequence_module: str, expected: dict[str, str]) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    completed = subprocess.run(
        [sys.executable, "-m", sequence_module],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True,
    )
    actual = json.loads(completed.stdout)
    assert list(actual) == list(expected)
    changed = [step for step, digest in expected.items() if actual[step] != digest]
    assert not changed, f"answers changed: {changed}"
