"""PhasedFetch with a scripted fetcher: the real pool, limiter and clock (ManualClock), answers by a script.

Only the fetcher — the piece that would talk HTTP — is scripted per (token, call), so a test states what each
token answers and watches the engine's own rules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vksync_tui.clock import ManualClock
from vksync_tui.config import TokenEntry, Tuning
from vksync_tui.sync.engine import Chunk, FetchJob, PhasedFetch
from vksync_tui.sync.events import ProgressReporter, SyncEvent
from vksync_tui.vk.budget import MemoryRateBudget
from vksync_tui.vk.errors import VkApiError, VkError
from vksync_tui.vk.execute import ApiCall, CallOutcome
from vksync_tui.vk.tokens import PooledToken, TokenPool

# What the script answers for one call: a value, an Exception to fail the whole request with,
# INNER_FALSE for an execute slot that came back `false`, or Inner(error) for a `false` with its error.
INNER_FALSE = object()


@dataclass(frozen=True)
class Inner:
    error: VkApiError


Script = Callable[[str, ApiCall, int], Any]  # (token label, call, batch length) -> answer


class ScriptedFetcher:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[tuple[str, list[int]]] = []
        self._lock = threading.Lock()

    def fetch(
        self, token: PooledToken, calls: Sequence[ApiCall], batchable: bool, cancel: threading.Event
    ) -> list[CallOutcome]:
        with self._lock:
            self.requests.append((token.label, [int(call.params["n"]) for call in calls]))
        outcomes = []
        for call in calls:
            answer = self.script(token.label, call, len(calls))
            if isinstance(answer, VkError):
                token.record_failure(answer, call.method)
                raise answer
            if answer is INNER_FALSE:
                outcomes.append(CallOutcome(call, ok=False))
            elif isinstance(answer, Inner):
                outcomes.append(CallOutcome(call, ok=False, error=answer.error))
            else:
                outcomes.append(CallOutcome(call, ok=True, value=answer))
        return outcomes


def chunk(n: int) -> Chunk:
    return Chunk(f"n={n}", ApiCall("test.get", {"n": n}))


def make_engine(
    script: Script,
    *,
    tokens: int = 2,
    workers: int = 1,
    batch: int = 25,
    cancel: threading.Event | None = None,
) -> tuple[PhasedFetch, TokenPool, ScriptedFetcher, list[SyncEvent]]:
    clock = ManualClock()
    tuning = Tuning(workers=workers, execute_batch=batch, retry_pause=0.5, retry_attempts=3)
    entries = [TokenEntry(label=f"t{i}", secret=f"secret-token-{i}-xxxxxxxx") for i in range(tokens)]
    events: list[SyncEvent] = []
    pool = TokenPool(entries, tuning, clock=clock, budget=MemoryRateBudget(clock))
    fetcher = ScriptedFetcher(script)
    reporter = ProgressReporter(events.append, clock=clock.now)
    engine = PhasedFetch(pool, fetcher, tuning, reporter, cancel or threading.Event(), clock)
    return engine, pool, fetcher, events


def collect_job(pool: TokenPool, chunks: list[Chunk], results: dict[int, Any], **extra: Any) -> FetchJob:
    def on_result(work: Chunk, value: Any) -> None:
        results[int(work.call.params["n"])] = value

    return FetchJob("test", chunks, pool.eligible(), extra.pop("on_result", on_result), **extra)


def echo(label: str, call: ApiCall, size: int) -> Any:
    return call.params["n"]
