"""TokenActivity: what one session did and is doing with each token, for a face to show beside it.

A `PooledToken` counts its calls for as long as its pool lives, and a session replaces its pool whenever the
tokens or the tuning change; the operator wants "requests made with this token today" across those pools.
So the session reads each pool's counters now and then (`account`), adds what is new to the day it is, and
forgets a pool's counters when the pool goes (`retire`). The status beside a token folds the config's
verdict, the checks under way and the states the running syncs report into one word, in that order of
precedence. Plain Python: the TUI's App holds one; nothing here knows about screens.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from vksync_tui.clock import WallClock
from vksync_tui.config import TokenEntry
from vksync_tui.vk.tokens import PooledToken


@dataclass(frozen=True)
class TokenFigures:
    """One token's line beside its config: `status` (ok / cooling / invalid / disabled / unchecked / checking)
    and the requests the session made with it today."""

    status: str
    calls_today: int


class TokenActivity:
    def __init__(self, wall_clock: WallClock = time.time) -> None:
        """`wall_clock` decides which day a request counts for (local calendar days, as the operator reads
        "today")."""
        self._wall_clock = wall_clock
        self._calls: dict[tuple[str, str], int] = {}
        self._seen: dict[str, int] = {}
        self._checking: set[str] = set()

    # --- requests per day ------------------------------------------------------------------------------

    def account(self, tokens: Iterable[PooledToken]) -> None:
        """Add the calls each token of the live pool made since the last look to today's totals."""
        today = self._today()
        for token in tokens:
            new_calls = token.calls - self._seen.get(token.label, 0)
            if new_calls > 0:
                self._calls[(today, token.label)] = self._calls.get((today, token.label), 0) + new_calls
            self._seen[token.label] = token.calls

    def retire(self, tokens: Iterable[PooledToken]) -> None:
        """The pool of `tokens` is being replaced: count what it did, then start over with the next pool's
        counters (which start at zero)."""
        self.account(tokens)
        self._seen.clear()

    def calls_today(self, label: str) -> int:
        """Requests made with this token today by syncs of this session, as of the last `account`."""
        return self._calls.get((self._today(), label), 0)

    def _today(self) -> str:
        return date.fromtimestamp(self._wall_clock()).isoformat()

    # --- checks and status -----------------------------------------------------------------------------

    def checks_started(self, labels: Iterable[str]) -> None:
        self._checking.update(labels)

    def check_ended(self, label: str) -> None:
        self._checking.discard(label)

    def status(self, entry: TokenEntry, live: Iterable[Mapping[str, str]]) -> str:
        """The word beside a token: a check under way first, then the config (disabled by the operator,
        rejected by VK), then what the running syncs report (`live`: each running sync's label → state),
        then whether it was ever checked."""
        if entry.label in self._checking:
            return "checking"
        if not entry.enabled:
            return "disabled"
        dead = entry.dead(self._wall_clock())
        if dead is not None:
            return dead
        reported = {states.get(entry.label) for states in live}
        if "disabled" in reported:
            return "disabled"
        if "cooling" in reported:
            return "cooling"
        return "ok" if entry.check.checked_at is not None else "unchecked"

    def figures(
        self, entries: Iterable[TokenEntry], live: Iterable[Mapping[str, str]]
    ) -> dict[str, TokenFigures]:
        """Every entry's `TokenFigures`, by label."""
        states = list(live)
        return {
            entry.label: TokenFigures(self.status(entry, states), self.calls_today(entry.label))
            for entry in entries
        }
