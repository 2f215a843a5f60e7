"""PhasedFetch with a scripted fetcher: the engine's own rules, without HTTP (the end-to-end tests add that).

The token pool, limiter and clock are the real ones (a ManualClock makes every wait instant); only the
fetcher — the piece that would talk HTTP — is scripted per (token, call).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.helpers.scripted_engine import INNER_FALSE, Inner, Script, chunk, collect_job, echo, make_engine
from vksync_tui.clock import ManualClock
from vksync_tui.config import TokenEntry, Tuning
from vksync_tui.sync.engine import (
    ANSWER_MEMORY_BUDGET,
    MAX_RATE_REQUEUES,
    Chunk,
    FetchJob,
    memory_capped_workers,
    workers_for,
)
from vksync_tui.sync.events import ChunkFailed, ChunkRetried, PhaseFinished
from vksync_tui.vk.budget import MemoryRateBudget
from vksync_tui.vk.errors import (
    AccessDenied,
    AuthError,
    InternalError,
    RuntimeError_,
    TooManyRequests,
    TransientError,
    UnreadableAnswer,
)
from vksync_tui.vk.execute import ApiCall, Projected, Projection
from vksync_tui.vk.tokens import TokenPool


def test_all_units_go_out_in_execute_sized_batches() -> None:
    engine, pool, fetcher, events = make_engine(echo, workers=2)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(100)], results, total_chunks=100))
    assert results == {n: n for n in range(100)}
    assert report.requests == 4 and report.calls_ok == 100 and not report.failed
    assert sorted(len(ns) for _, ns in fetcher.requests) == [25, 25, 25, 25]
    assert [e.phase for e in events if isinstance(e, PhaseFinished)] == ["parallel"]


def test_a_failing_token_hands_the_whole_batch_to_the_next_one() -> None:
    def script(label: str, call: ApiCall, size: int) -> Any:
        return TransientError("HTTP 500") if label == "t0" else call.params["n"]

    engine, pool, fetcher, _ = make_engine(script, tokens=3)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(10)], results))
    assert results == {n: n for n in range(10)}
    assert fetcher.requests[:2] == [("t0", list(range(10))), ("t1", list(range(10)))]
    assert report.fell_back == 1 and report.errors_by_code == {"transient": 1}


def test_inner_false_retries_only_those_calls_on_a_token_they_have_not_tried() -> None:
    def script(label: str, call: ApiCall, size: int) -> Any:
        n = call.params["n"]
        if label == "t0" and n in (3, 7):
            return INNER_FALSE
        if label == "t1" and n == 7:
            return INNER_FALSE
        return n

    engine, pool, fetcher, _ = make_engine(script, tokens=3)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(10)], results))
    assert results == {n: n for n in range(10)}
    assert fetcher.requests == [("t0", list(range(10))), ("t1", [3, 7]), ("t2", [7])]
    assert report.errors_by_code["inner_false"] == 3 and report.retried_ok == 0


def test_calls_no_token_could_do_go_to_the_sequential_retry_phase() -> None:
    attempts: dict[int, int] = {}

    def script(label: str, call: ApiCall, size: int) -> Any:
        n = call.params["n"]
        if n == 4:
            attempts[n] = attempts.get(n, 0) + 1
            return INNER_FALSE if attempts[n] <= 3 else n
        return n

    engine, pool, fetcher, events = make_engine(script, tokens=2)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(6)], results))
    assert results == {n: n for n in range(6)}
    assert report.retried_ok == 1 and not report.failed
    # parallel: the batch on t0, the false call on t1; retry phase: t0 (false again), then t1 succeeds
    assert fetcher.requests == [("t0", list(range(6))), ("t1", [4]), ("t0", [4]), ("t1", [4])]
    assert [e.chunk for e in events if isinstance(e, ChunkFailed)] == ["n=4"]
    assert [(e.chunk, e.ok) for e in events if isinstance(e, ChunkRetried)] == [("n=4", True)]
    assert [e.phase for e in events if isinstance(e, PhaseFinished)] == ["parallel", "retry"]


def test_a_batch_every_token_refused_with_error_6_goes_back_to_the_queue_not_to_the_retry_phase() -> None:
    refusals: dict[str, int] = {}

    def script(label: str, call: ApiCall, size: int) -> Any:
        if call.params["n"] == 0 and refusals.get(label, 0) < 1:
            refusals[label] = refusals.get(label, 0) + 1
            return TooManyRequests(6, "Too many requests per second")
        return call.params["n"]

    engine, pool, fetcher, events = make_engine(script, tokens=2, batch=3)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(6)], results))
    assert results == {n: n for n in range(6)}
    assert report.rate_requeued == 3 and report.retried_ok == 0 and not report.failed
    assert [e.phase for e in events if isinstance(e, PhaseFinished)] == ["parallel"]
    assert not [e for e in events if isinstance(e, ChunkFailed)]
    # both tokens refused the first batch, it went out again once they had cooled down
    assert fetcher.requests == [("t0", [0, 1, 2]), ("t1", [0, 1, 2]), ("t0", [0, 1, 2]), ("t0", [3, 4, 5])]


def test_a_batch_refused_with_error_6_again_and_again_ends_in_the_retry_phase() -> None:
    refusals = 0

    def script(label: str, call: ApiCall, size: int) -> Any:
        nonlocal refusals
        if call.params["n"] == 0 and refusals <= MAX_RATE_REQUEUES:  # the first request + every requeue
            refusals += 1
            return TooManyRequests(6, "Too many requests per second")
        return call.params["n"]

    engine, pool, fetcher, events = make_engine(script, tokens=1, batch=2)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(2)], results))
    assert results == {0: 0, 1: 1}
    assert report.rate_requeued == 2 * MAX_RATE_REQUEUES
    assert report.retried_ok == 2 and not report.failed
    assert len(fetcher.requests) == 1 + MAX_RATE_REQUEUES + 1
    assert [e.phase for e in events if isinstance(e, PhaseFinished)] == ["parallel", "retry"]


def test_a_permanently_failing_call_is_reported_by_key_after_bounded_attempts() -> None:
    def script(label: str, call: ApiCall, size: int) -> Any:
        n = call.params["n"]
        return InternalError(10, "Internal server error") if n == 2 else n

    engine, pool, fetcher, _ = make_engine(script, tokens=2, batch=1)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(4)], results))
    assert results == {0: 0, 1: 1, 3: 3}
    assert report.failed_keys == ["n=2"]
    # 2 tokens in the parallel phase, then 3 retry attempts × 2 tokens
    assert sum(1 for _, ns in fetcher.requests if ns == [2]) == 2 + 3 * 2


def test_a_call_every_token_refuses_is_rejected_without_a_retry_phase() -> None:
    def script(label: str, call: ApiCall, size: int) -> Any:
        n = call.params["n"]
        return AccessDenied(15, "Access denied") if n == 1 else n

    engine, pool, fetcher, _ = make_engine(script, tokens=2, batch=1)
    rejected: list[str] = []
    results: dict[int, Any] = {}
    job = collect_job(
        pool, [chunk(n) for n in range(3)], results, on_rejected=lambda work, error: rejected.append(work.key)
    )
    report = engine.run(job)
    assert rejected == ["n=1"] and [f.chunk.key for f in report.rejected] == ["n=1"]
    assert sorted(label for label, ns in fetcher.requests if ns == [1]) == ["t0", "t1"]  # each token once
    assert not report.failed and results == {0: 0, 2: 2}


@pytest.mark.parametrize("inner", [False, True], ids=["whole-request", "inner-call"])
def test_one_tokens_refusal_goes_on_to_a_token_that_can_make_the_call(inner: bool) -> None:
    """A closed wall, a hidden member list: a token whose owner lacks access is refused; another token may
    not be, and the job must not drop the call (or end the run) on the first token's word."""

    def script(label: str, call: ApiCall, size: int) -> Any:
        n = call.params["n"]
        if label == "t0" and n == 1:
            refusal = AccessDenied(15, "Access denied: this wall available only for community members")
            return Inner(refusal) if inner else refusal
        return n

    engine, pool, fetcher, _ = make_engine(script, tokens=2, batch=25 if inner else 1)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(3)], results))
    assert results == {0: 0, 1: 1, 2: 2} and not report.rejected and not report.failed
    assert [label for label, ns in fetcher.requests if 1 in ns] == ["t0", "t1"]


def test_follow_ups_returned_by_on_result_are_fetched_too() -> None:
    engine, pool, _, _ = make_engine(echo, workers=3)
    seen: list[int] = []
    lock = threading.Lock()

    def next_page(work: Chunk, value: Any) -> list[Chunk]:
        with lock:
            seen.append(value)
        return [chunk(value + 10)] if value + 10 < 100 else []

    report = engine.run(FetchJob("pages", [chunk(n) for n in range(10)], pool.eligible(), next_page))
    assert sorted(seen) == list(range(100))
    assert report.calls_ok == 100 and not report.failed


def test_error_13_halves_the_batch_size_for_the_rest_of_the_job() -> None:
    def script(label: str, call: ApiCall, size: int) -> Any:
        if size > 6:
            return RuntimeError_(
                13, "Runtime error occurred during code invocation: response size is too big"
            )
        return call.params["n"]

    engine, pool, fetcher, _ = make_engine(script, tokens=2, batch=25)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(60)], results))
    assert results == {n: n for n in range(60)}
    assert report.batch_size == 6 and not report.failed
    sizes = [len(ns) for _, ns in fetcher.requests]
    assert sizes[:4] == [25, 12, 6, 6]  # 13 is not the token's fault: no fallback, the batch is split
    assert max(sizes[3:]) <= 6


def html_page_over(limit: int) -> Script:
    """VK's front end for an oversized answer: a batch of more than `limit` calls gets an HTML 404 page."""

    def script(label: str, call: ApiCall, size: int) -> Any:
        if size > limit:
            return UnreadableAnswer("execute: HTTP 404 with an HTML page (162 bytes) instead of JSON")
        return call.params["n"]

    return script


def test_an_html_page_repeated_for_a_batch_splits_it_for_the_rest_of_the_job() -> None:
    engine, pool, fetcher, _ = make_engine(html_page_over(6), tokens=2, batch=25)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(60)], results))
    assert results == {n: n for n in range(60)}
    assert report.batch_size == 6 and not report.failed
    sizes = [len(ns) for _, ns in fetcher.requests]
    # The first page may be passing trouble: the next token gets the batch; the repeat splits it, and chunks
    # that already met a page split their batch at the first page again.
    assert sizes[:5] == [25, 25, 12, 6, 6]
    assert max(sizes[4:]) <= 6


def test_a_lone_token_splits_a_batch_down_to_one_call_before_its_units_count_as_failed() -> None:
    """With one token the repeat comes in the retry phase; a split spends none of its attempts."""
    engine, pool, fetcher, _ = make_engine(html_page_over(1), tokens=1, batch=25)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(30)], results))
    assert results == {n: n for n in range(30)} and not report.failed
    assert report.batch_size == 1
    sizes = [len(ns) for _, ns in fetcher.requests]
    # The parallel phase (25 and the rest, each a first page), then the retry phase halving on every repeat.
    assert sizes[:6] == [25, 5, 25, 12, 6, 3]
    assert set(sizes[6:]) == {1}


def test_a_single_call_answered_with_a_page_fails_after_its_attempts() -> None:
    engine, pool, _, _ = make_engine(html_page_over(0), tokens=2, batch=25)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(3)], results))
    assert not results and sorted(report.failed_keys) == ["n=0", "n=1", "n=2"]
    assert report.batch_size == 1


def test_cancellation_stops_at_a_batch_boundary() -> None:
    cancel = threading.Event()
    engine, pool, fetcher, _ = make_engine(echo, workers=2, batch=5, cancel=cancel)
    results: dict[int, Any] = {}

    def on_result(work: Chunk, value: Any) -> None:
        results[value] = value
        if len(results) == 12:
            cancel.set()

    report = engine.run(collect_job(pool, [chunk(n) for n in range(200)], results, on_result=on_result))
    assert report.cancelled
    assert len(results) < 30 and len(fetcher.requests) < 6


def test_a_crash_in_on_result_stops_the_job_and_is_raised() -> None:
    engine, pool, _, _ = make_engine(echo, workers=2, batch=2)

    def on_result(work: Chunk, value: Any) -> None:
        if value == 5:
            raise ValueError("disk full")

    with pytest.raises(ValueError, match="disk full"):
        engine.run(collect_job(pool, [chunk(n) for n in range(50)], {}, on_result=on_result))


def test_revoked_token_is_disabled_and_the_others_finish() -> None:
    def script(label: str, call: ApiCall, size: int) -> Any:
        if label == "t0" and sum(1 for used, _ in fetcher.requests if used == "t0") > 2:
            return AuthError(5, "User authorization failed: invalid access_token (4).")
        return call.params["n"]

    engine, pool, fetcher, _ = make_engine(script, tokens=2, workers=1, batch=5)
    results: dict[int, Any] = {}
    report = engine.run(collect_job(pool, [chunk(n) for n in range(100)], results))
    assert results == {n: n for n in range(100)} and not report.failed
    revoked = pool.get("t0")
    assert revoked is not None and revoked.state == "disabled"
    assert report.errors_by_code == {"5": 1}
    assert [label for label, _ in fetcher.requests].count("t0") == 3  # never asked again once disabled


def test_a_one_batch_job_starts_on_the_first_token_of_its_list() -> None:
    """What the posts head scan relies on when it lists its admin tokens soonest-free first."""
    engine, pool, fetcher, _ = make_engine(echo, tokens=3)
    first, second, third = pool.eligible()
    for _ in range(first.limiter.capacity):  # a full window: their next grant waits
        first.limiter.acquire()
        third.limiter.acquire()
    ordered = sorted(pool.eligible(), key=lambda token: token.next_free)
    assert ordered[0] is second and first.next_free > second.next_free
    results: dict[int, Any] = {}
    engine.run(FetchJob("test", [chunk(1)], ordered, lambda work, value: results.update({1: value})))
    assert results == {1: 1} and fetcher.requests == [("t1", [1])]


def test_misaligned_projected_columns_are_asked_again_whole_never_delivered() -> None:
    """One rule for every list: a projected answer with columns of different lengths goes out again whole."""
    projection = Projection(("id", "date"), array="items")

    def script(label: str, call: ApiCall, size: int) -> Any:
        if call.projection is not None:
            return Projected(([1, 2], [10]))  # `date` lost an element
        return {"items": [{"id": 1, "date": 10}, {"id": 2, "date": 20}]}

    engine, pool, fetcher, _ = make_engine(script)
    delivered: list[tuple[str, Any]] = []
    job = FetchJob(
        "test",
        [Chunk("n=1", ApiCall("test.get", {"n": 1}, projection))],
        pool.eligible(),
        lambda work, value: delivered.append((work.key, projection.extract(value))),
    )
    report = engine.run(job)
    assert [key for key, _ in delivered] == ["n=1/whole"]
    assert delivered[0][1].columns == ([1, 2], [10, 20])
    assert report.errors_by_code["misaligned"] == 1 and not report.failed
    assert [len(ns) for _, ns in fetcher.requests] == [1, 1]


def test_worker_rule_is_rps_times_latency_plus_one_per_token() -> None:
    pool = TokenPool(
        [TokenEntry("u", "user-token-xxxxxxxx"), TokenEntry("g", "group-token-xxxxxxx", kind="group")],
        Tuning(user_rps=3.0, group_rps=20.0),
        budget=MemoryRateBudget(),
        clock=ManualClock(),
    )
    tokens = pool.eligible()
    assert workers_for(pool, tokens, latency=0.5) == (2 + 1) + (10 + 1)
    assert workers_for(pool, tokens, latency=0.01) == (1 + 1) + (1 + 1)
    assert workers_for(pool, tokens, latency=0.5, override=4) == 4


def test_answers_held_at_once_cap_the_workers_whatever_the_number_of_tokens() -> None:
    big_answer = ANSWER_MEMORY_BUDGET // 3
    assert memory_capped_workers(140, big_answer, batch_size=1) == 3
    assert memory_capped_workers(140, big_answer // 4, batch_size=4) == 3  # the bytes are per call
    assert memory_capped_workers(140, None, batch_size=25) == 140
    assert memory_capped_workers(140, ANSWER_MEMORY_BUDGET * 2, batch_size=1) == 1

    for answer_bytes, most in ((big_answer, 3), (None, 140)):
        engine, pool, _, _ = make_engine(echo, tokens=20, workers=0, batch=1)
        engine.latency.record(2.0)  # the rule: 20 tokens × (ceil(3 rps × 2 s) + 1) = 140 workers
        results: dict[int, Any] = {}
        job = collect_job(pool, [chunk(n) for n in range(200)], results, answer_bytes=answer_bytes)
        report = engine.run(job)
        assert len(results) == 200 and report.workers <= most
    assert report.workers > 3  # without answer sizes the rule alone decides


def test_progress_is_throttled_and_counts_requests_and_errors() -> None:
    def script(label: str, call: ApiCall, size: int) -> Any:
        return TransientError("timeout") if label == "t0" else call.params["n"]

    engine, pool, _, _ = make_engine(script, tokens=2, batch=1)
    engine.run(collect_job(pool, [chunk(n) for n in range(20)], {}))
    snapshot = engine._reporter.phase_snapshot("parallel")
    assert snapshot is not None
    assert snapshot.requests == 40 and snapshot.items == 20
    assert snapshot.errors_by_code == {"transient": 20}
