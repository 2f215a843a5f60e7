"""`fetch_one`: one API call as a one-chunk engine job (a recon, a probe of one token).

Through the engine, the call gets what every page gets — token fallback, the retry phase, cancellation and a
phase in the progress events — instead of a hand-made loop around `PooledToken.call`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vksync_tui.sync.engine import Chunk, FetchJob, FetchReport, PhasedFetch
from vksync_tui.vk.tokens import PooledToken


@dataclass(frozen=True)
class OneAnswer:
    """The job's report, and what `parse` made of VK's answer: None when no token got one (the report says
    why: `failed`, `rejected` or `cancelled`)."""

    report: FetchReport
    value: Any


def _answer_itself(chunk: Chunk, answer: Any) -> Any:
    return answer


def fetch_one(
    engine: PhasedFetch,
    chunk: Chunk,
    tokens: Sequence[PooledToken],
    *,
    job: str,
    phase: str,
    parse: Callable[[Chunk, Any], Any] = _answer_itself,
) -> OneAnswer:
    """Run `chunk` as a plain call (never inside `execute`) on `tokens`, as the job `job` in phase `phase`.

    `parse(chunk, answer)` runs on the worker thread like any `on_result` and may raise `TransientError`
    for a malformed answer, which is then asked again like a failed call."""
    answers: list[Any] = []

    def take(chunk: Chunk, answer: Any) -> None:
        answers.append(parse(chunk, answer))

    report = engine.run(FetchJob(job, [chunk], tokens, take, total_chunks=1, batchable=False, phase=phase))
    return OneAnswer(report, answers[0] if answers else None)
