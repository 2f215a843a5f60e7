"""The tokens' last grants, kept between runs: VK's per-token window outlives our process.

A limiter starts empty and may send a token's whole window at once. When the previous run on the same home
ended less than a second ago (`vksync-tui sync posts && vksync-tui sync authors`, a test's second sync),
VK still counts that run's last requests, and the burst would draw error 6. So a context saves each token's
last grants when it closes, and the next one feeds them to its limiters first.

The file (`rate-history.json` in the home, mode 0600) holds, per token, a fingerprint (the first 16 hex
digits of the secret's SHA-256, never the token) and its last grants as Unix times; only the last
`KEEP_SECONDS` matter. It is a courtesy, not state to protect: unreadable or corrupt, it is ignored (the
worst case is one error 6 and a cool-down); unwritable, the run still succeeds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vksync_tui.vk.tokens import TokenPool

FILE_NAME = "rate-history.json"
KEEP_SECONDS = 5.0  # more than any limiter window (1.1 s, 1.2 s widened)

logger = logging.getLogger(__name__)


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def restore(path: Path, pool: TokenPool, wall_clock: Callable[[], float] = time.time) -> None:
    """Feed each pool token's grants from the file (Unix times) to its limiter (clock times)."""
    history = _read(path)
    if not history:
        return
    shift = pool.clock.now() - wall_clock()
    for token in pool:
        grants = history.get(fingerprint(token.entry.secret))
        if isinstance(grants, list):
            token.limiter.remember([float(moment) + shift for moment in grants
                                    if isinstance(moment, int | float)])


def save(path: Path, pool: TokenPool, wall_clock: Callable[[], float] = time.time) -> None:
    """Write the pool tokens' last grants over their old entries; others' recent entries stay."""
    now = wall_clock()
    shift = now - pool.clock.now()
    history = {key: grants for key, grants in _read(path).items()
               if isinstance(grants, list) and any(_recent(moment, now) for moment in grants)}
    for token in pool:
        grants = [moment + shift for moment in token.limiter.recent_grants()]
        if any(_recent(moment, now) for moment in grants):
            history[fingerprint(token.entry.secret)] = grants
    try:
        _write(path, history)
    except OSError as exc:
        logger.warning("cannot save the tokens' rate history to %s: %s", path, exc.strerror or exc)


def _recent(moment: object, now: float) -> bool:
    return isinstance(moment, int | float) and now - moment < KEEP_SECONDS


def _read(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, history: dict[str, object]) -> None:
    handle, temp_name = tempfile.mkstemp(prefix=".rate-history-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(history, file)
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
