"""The engine's `batch_budget`: batches filled by estimated answer size (parallel and retry phase)."""

from __future__ import annotations

from typing import Any

from tests.helpers.scripted_engine import collect_job, echo, make_engine
from vksync_tui.sync.engine import Chunk
from vksync_tui.vk.errors import InternalError
from vksync_tui.vk.execute import ApiCall


def sized(n: int, cost: float) -> Chunk:
    return Chunk(f"n={n}", ApiCall("test.get", {"n": n}), cost)


def test_batches_stay_within_the_budget_and_an_oversized_unit_goes_alone() -> None:
    engine, pool, fetcher, _ = make_engine(echo, workers=1)
    costs = [10, 10, 10, 50, 100, 10, 10]
    results: dict[int, Any] = {}
    job = collect_job(pool, [sized(n, cost) for n, cost in enumerate(costs)], results, batch_budget=40)
    report = engine.run(job)
    assert results == {n: n for n in range(len(costs))} and not report.failed
    assert [ns for _, ns in fetcher.requests] == [[0, 1, 2], [3], [4], [5, 6]]


def test_the_retry_phase_keeps_to_the_budget_too() -> None:
    sent = {"requests": 0}

    def down_then_up(label: str, call: ApiCall, size: int) -> Any:
        if call.params["n"] in (0, 2):  # the first call of each batch: counts each request once
            sent["requests"] += 1
        # Both batches fail on both tokens in the parallel phase (4 requests), then VK is back.
        return InternalError(10, "down", "execute") if sent["requests"] <= 4 else call.params["n"]

    engine, pool, fetcher, _ = make_engine(down_then_up, workers=1)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [sized(n, 30) for n in range(4)], results, batch_budget=60))
    assert results == {n: n for n in range(4)} and not report.failed and report.retried_ok == 4
    assert [ns for _, ns in fetcher.requests] == [[0, 1]] * 2 + [[2, 3]] * 2 + [[0, 1], [2, 3]]
