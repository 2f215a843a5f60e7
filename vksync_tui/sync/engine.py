"""PhasedFetch: the one fetch mechanism every list sync runs on.

A job is a stream of chunks (an `ApiCall` with a key that names it in reports), the tokens allowed to do
them, and `on_result(chunk, value) -> follow-up chunks`. The engine runs it in two phases:

1. **parallel**: a pool of worker threads takes batches of up to `execute_batch` chunks and sends each batch
   as ONE `execute` (a single chunk, or a job that cannot be batched, goes out as a plain call). When a token
   fails the whole batch (a network or HTTP fault, a garbled answer, any error about the token or the
   moment), `TokenPool.with_fallback` moves the batch to the next eligible token that can call its methods
   (not dead, no spent daily quota of one of them); inner `false` results re-run only those chunks, on a
   token they have not tried yet. A call VK refused (access denied, a bad parameter) goes on to the job's
   other tokens as well and is rejected only when they refuse it too. A batch every tried token answered
   with error 6 ("too many requests per second": VK did not run it) goes back to the queue, to go out when a
   token has cooled down — a rate-limit hiccup is not a failure of the batch, and parking it for the retry
   phase would cost `retry_pause` per batch (at most `MAX_RATE_REQUEUES` times per chunk, then it does count
   as failed). A chunk no token could do is kept in `failed`, never dropped. An answer too big for VK halves
   the batch size for the rest of the job: error 13 ("response size is too big"), or the HTML page or cut
   body VK's front end sends instead of it, once a batch's chunks meet one for the second time (retry-phase
   attempts are not spent on it, so a batch is split down to one call before its chunks count as failed).
   Successes go to `on_result`, whose follow-ups (next pages, deep scans, bridging pages) join the queue.
2. **retry**: the chunks still failing are retried one request at a time, `retry_pause` apart, at most
   `retry_attempts` times each; what still fails is reported by key. Follow-ups found in the retry phase
   start another parallel round, so deep pagination behind a recovered page is not lost.

Worker count: each token can have at most `rps × latency` requests in flight before its limiter, not the
network, is the bottleneck; one more keeps its next slot from idling while a response is parsed. So
`workers = Σ_tokens (ceil(rps × latency) + 1)`, with `latency` the measured duration of one request: the
larger of the smoothed latency and the last request's (a job with nothing measured yet fetches its first
batch before the pool starts, to measure it); the pool grows while the job's own requests prove slower than
the estimate. `tuning.workers > 0` overrides the rule. Each worker has a home token (the token it was counted
for, see `home_tokens`) that it tries first, so every token works its own share in parallel and a fast
community token gets more workers than a 3 rps user token; fallback still moves a batch on when its home
token fails.

Cancellation is checked at every batch boundary and inside every limiter wait; a cancelled job simply stops
(whatever `on_result` already stored stays stored; the caller decides what that means).
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from vksync_tui.clock import Clock
from vksync_tui.config import Tuning
from vksync_tui.sync.events import ITEM_UNIT_CALLS, ChunkFailed, ChunkRetried, PhaseProgress, ProgressReporter
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.errors import (
    REQUEST_ERROR_CODES,
    Cancelled,
    RuntimeError_,
    TooManyRequests,
    TransientError,
    UnreadableAnswer,
    VkApiError,
    VkError,
)
from vksync_tui.vk.execute import ApiCall, CallOutcome, Projected, build_script, map_results
from vksync_tui.vk.tokens import EXECUTE, AllTokensFailed, PooledToken, TokenPool, TokenUnusable

MAX_EXECUTE_CALLS = 25
MAX_RATE_REQUEUES = 3
# Decoded answers the workers of one job may hold at once (`FetchJob.answer_bytes`). A profiles refresh on 9
# tokens (95 rps) got ~90 workers when answers took ~1 s, each holding an answer of thousands of profiles
# (~10 MB decoded): the process peaked at 480-530 MB for 1M profiles (875 MB with the writer behind). 96 MB
# is ten 8,000-profile answers: ten requests in flight keep 95 rps busy while an answer takes up to 0.1 s.
ANSWER_MEMORY_BUDGET = 96 * 2**20


@dataclass(frozen=True)
class Chunk:
    """One API call of a job, with the key that names it in progress events, failure reports and SyncRun."""

    key: str
    call: ApiCall
    cost: float = 1.0  # the answer's estimated size, for jobs with a `batch_budget` (e.g. bytes)

    def int_param(self, name: str) -> int:
        """A whole-number parameter the call was planned with (an offset, a post or peer id)."""
        value = self.call.params[name]
        if not isinstance(value, int):
            raise TypeError(f"{self.key}: parameter {name} is {value!r}, not a whole number")
        return value

    def ids_param(self, name: str) -> list[int]:
        """A list of ids the call was planned with (`user_ids` of groups.isMember)."""
        value = self.call.params[name]
        if not isinstance(value, list):
            raise TypeError(f"{self.key}: parameter {name} is {value!r}, not a list of ids")
        return [int(item) for item in value]


@dataclass(frozen=True)
class FailedChunk:
    chunk: Chunk
    error: str


OnResult = Callable[[Chunk, Any], Iterable[Chunk] | None]


@dataclass
class FetchJob:
    """What to fetch, with which tokens, and where results go.

    `on_result` runs on a worker thread; it may raise `TransientError` for an answer that is malformed (a
    page without items, ids out of order): the call is then retried like an inner `false`.

    Progress figures (see `events.Progress` for what they count in): the parallel phase counts `items` in
    `item_unit` against `expected_items`. `count_items(chunk, value)` adds per answered call; `items_done()`,
    when given, is a gauge the job keeps (e.g. posts whose every call settled) read after each settled call
    instead. Without either, items are calls answered of calls planned (`calls`). Retry phases and later
    rounds count calls. `on_rejected` hears calls VK refused for a reason no token can fix (access denied,
    deleted user, bad parameter); by default they are only counted and listed in the report. `batch_size`
    caps `tuning.execute_batch` for jobs whose answers are large; `batchable=False` sends every call on its
    own. `stagger=True` starts the workers one request interval (1 / ceiling rps) apart, for lists whose
    first wave would otherwise hit error 6 at once.
    `phase` names the job's phases in progress events: `phase` for the parallel one, `phase-retry` after it
    (a sync made of several jobs — recon, fetch, verify — shows each by name).
    `batch_budget` caps the summed `cost` of a batch (a batch always holds at least one chunk): for jobs whose
    answers differ in size by orders of magnitude (a page of 1000 reposts vs. a page of 1000 like ids), so
    one `execute` stays under VK's response size cap without shrinking every batch to the worst case.
    `answer_bytes`: the memory one call's answer takes once decoded, for jobs whose answers are large (a page
    of 1000 profiles): the pool is then capped so that the answers its workers can hold at once stay within
    `ANSWER_MEMORY_BUDGET` (see `memory_capped_workers`), whatever the number of tokens.
    """

    name: str
    chunks: Iterable[Chunk]
    tokens: Sequence[PooledToken]
    on_result: OnResult
    total_chunks: int | None = None
    count_items: Callable[[Chunk, Any], int] | None = None
    on_rejected: Callable[[Chunk, VkApiError], None] | None = None
    batch_size: int | None = None
    batchable: bool = True
    stagger: bool = False
    phase: str = "parallel"
    batch_budget: float | None = None
    answer_bytes: int | None = None
    expected_items: int | None = None
    item_unit: str | None = None
    items_done: Callable[[], int] | None = None

    def unit_of_items(self) -> str:
        """The unit the parallel phase counts its items in: the job's own, else what its counting implies."""
        if self.item_unit is not None:
            return self.item_unit
        counted = self.count_items is not None or self.items_done is not None
        return "items" if counted else ITEM_UNIT_CALLS


@dataclass
class PhaseFigures:
    name: str
    seconds: float = 0.0
    requests: int = 0
    calls_ok: int = 0
    calls_failed: int = 0

    def as_dict(self) -> dict[str, int | float | str]:
        return {
            "phase": self.name,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "calls_ok": self.calls_ok,
            "calls_failed": self.calls_failed,
        }


@dataclass
class FetchReport:
    """What a job did; `failed` and `rejected` are what the caller must take into account."""

    calls_ok: int = 0
    items: int = 0
    requests: int = 0
    errors_by_code: Counter[str] = field(default_factory=Counter)
    failed: list[FailedChunk] = field(default_factory=list)
    rejected: list[FailedChunk] = field(default_factory=list)
    retried_ok: int = 0
    fell_back: int = 0
    rate_requeued: int = 0  # chunks sent back to the queue after error 6 from every token tried
    workers: int = 0
    batch_size: int = 0
    latency: float = 0.0
    cancelled: bool = False
    phases: list[PhaseFigures] = field(default_factory=list)

    @property
    def failed_keys(self) -> list[str]:
        return [failed.chunk.key for failed in self.failed]

    def merge(self, other: FetchReport) -> None:
        """Fold a later job's report into this one (a sync made of several jobs reports their sum)."""
        self.calls_ok += other.calls_ok
        self.items += other.items
        self.requests += other.requests
        self.errors_by_code.update(other.errors_by_code)
        self.failed.extend(other.failed)
        self.rejected.extend(other.rejected)
        self.retried_ok += other.retried_ok
        self.fell_back += other.fell_back
        self.rate_requeued += other.rate_requeued
        self.workers = max(self.workers, other.workers)
        self.batch_size = other.batch_size or self.batch_size
        self.latency = other.latency or self.latency
        self.cancelled = self.cancelled or other.cancelled
        self.phases.extend(other.phases)


class BatchFetcher(Protocol):
    """Sends a batch with one token and maps the answer to one outcome per call (in order).

    Raises a `VkError` when the token failed the whole batch; the engine hands it to the pool's fallback.
    """

    def fetch(
        self, token: PooledToken, calls: Sequence[ApiCall], batchable: bool, cancel: threading.Event
    ) -> list[CallOutcome]: ...


class LatencyMeter:
    """Smoothed duration of one HTTP request (without limiter waits): the input of the worker-count rule."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: float | None = None
        self._last: float | None = None

    @property
    def value(self) -> float | None:
        with self._lock:
            return self._value

    @property
    def last(self) -> float | None:
        with self._lock:
            return self._last

    def record(self, seconds: float) -> None:
        with self._lock:
            self._last = seconds
            self._value = seconds if self._value is None else 0.8 * self._value + 0.2 * seconds


class _TimedClient:
    """Wraps a VkClient so the meter sees network + server time only, not waits for a limiter slot."""

    def __init__(self, client: Any, meter: LatencyMeter) -> None:
        self._client = client
        self._meter = meter

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed(self._client.call, args, kwargs)

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed(self._client.execute, args, kwargs)

    def _timed(self, method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            self._meter.record(time.perf_counter() - started)


class ApiFetcher:
    """The real fetcher: a plain `token.call` for one call, one `token.execute` for a batch.

    `session_for(token)`, when given, returns the client (its own HTTP connection pool) of that token: a
    "split session", so each token works its share over its own connections and a connection that one token's
    requests broke does not stall the others. Without it every token shares `client`.
    """

    def __init__(
        self, client: Any, meter: LatencyMeter, session_for: Callable[[PooledToken], Any] | None = None
    ) -> None:
        self._client = _TimedClient(client, meter)
        self._meter = meter
        self._session_for = session_for

    def _client_for(self, token: PooledToken) -> VkClient:
        """The token's client, timed. `PooledToken` types the client it is given as a `VkClient`; the timed
        wrapper answers `call` and `execute` as one does."""
        if self._session_for is None:
            return cast("VkClient", self._client)
        return cast("VkClient", _TimedClient(self._session_for(token), self._meter))

    def fetch(
        self, token: PooledToken, calls: Sequence[ApiCall], batchable: bool, cancel: threading.Event
    ) -> list[CallOutcome]:
        client = self._client_for(token)
        if not is_batch(calls, batchable):
            call = calls[0]
            try:
                value = token.call(client, call.method, call.params, cancel)
            except VkApiError as error:
                if not is_request_error(error):
                    raise
                return [CallOutcome(call, False, None, error)]
            return [CallOutcome(call, True, value, None)]
        result = token.execute(client, build_script(calls), cancel=cancel, methods=[c.method for c in calls])
        return map_results(result, calls)


def is_batch(calls: Sequence[ApiCall], batchable: bool) -> bool:
    """Whether these calls go out as one `execute` (else: a plain call of the single call)."""
    return batchable and len(calls) > 1


def request_methods(calls: Sequence[ApiCall], batchable: bool) -> frozenset[str]:
    """The methods the request for these calls calls: the one method, or "execute" and its inner ones."""
    if not is_batch(calls, batchable):
        return frozenset({calls[0].method})
    return frozenset({EXECUTE, *(call.method for call in calls)})


def workers_for(pool: TokenPool, tokens: Sequence[PooledToken], latency: float, override: int = 0) -> int:
    """The module docstring's rule: Σ (ceil(rps × latency) + 1) over the job's tokens, or the override."""
    if override > 0:
        return override
    return max(1, sum(math.ceil(pool.ceiling_rps([token]) * latency) + 1 for token in tokens))


def memory_capped_workers(workers: int, answer_bytes: int | None, batch_size: int) -> int:
    """`workers`, or fewer when the answers they could hold at once (`answer_bytes` per call, `batch_size`
    calls a request) would pass `ANSWER_MEMORY_BUDGET`; never fewer than one."""
    if not answer_bytes:
        return workers
    return max(1, min(workers, ANSWER_MEMORY_BUDGET // (answer_bytes * max(1, batch_size))))


def home_tokens(pool: TokenPool, tokens: Sequence[PooledToken], latency: float, workers: int) -> list[int]:
    """The home token (index into `tokens`) of each of `workers` workers, interleaved across tokens.

    Token i gets `ceil(rps_i × latency) + 1` homes (the share `workers_for` counted for it), dealt round-robin
    so the first workers to start are spread over every token; an override worker count repeats the cycle.
    """
    if not tokens:
        return [0] * workers
    shares = [math.ceil(pool.ceiling_rps([token]) * latency) + 1 for token in tokens]
    order: list[int] = []
    for turn in range(max(shares)):
        order.extend(index for index, share in enumerate(shares) if share > turn)
    return [order[worker % len(order)] for worker in range(workers)]


def within_budget(cost: float, chunk: Chunk, budget: float | None) -> bool:
    """Whether `chunk` may join a batch whose chunks already cost `cost` (no budget: always)."""
    return budget is None or cost + chunk.cost <= budget


def error_key(error: BaseException) -> str:
    """How an error is counted in `errors_by_code`: the VK code, or the transport failure's kind."""
    if isinstance(error, VkApiError):
        return str(error.code)
    if isinstance(error, TransientError):
        return "transient"
    return type(error).__name__


def is_request_error(error: VkApiError) -> bool:
    """VK refused the call itself (access denied, deleted user, bad parameter): no token or retry can help.

    Everything else a call can fail with (token faults, server errors, a bare inner `false`, codes we do not
    know) is worth another token and the retry phase, which are both bounded.
    """
    return error.code in REQUEST_ERROR_CODES


class _ResponseTooBig(Exception):
    """A batch's answer was too big for VK: not the token's fault, so no fallback — split it."""


SPLIT = "response size is too big"  # a retry-phase chunk's error when its batch was split: not an attempt


class _ChunkQueue:
    """Chunks waiting to be fetched: follow-ups first, then the (lazy) source, so memory stays bounded."""

    def __init__(
        self, source: Iterator[Chunk], cancel: threading.Event, budget: float | None = None
    ) -> None:
        self._budget = budget
        self._cond = threading.Condition()
        self._ready: deque[Chunk] = deque()
        self._source = source
        self._cancel = cancel
        self._in_flight = 0
        self._closed = False

    def take(self, limit: int) -> list[Chunk] | None:
        """Up to `limit` chunks, or None once nothing is queued and nothing in flight can add more."""
        with self._cond:
            while True:
                if self._closed or self._cancel.is_set():
                    return None
                batch = self._fill(limit)
                if batch:
                    self._in_flight += 1
                    return batch
                if self._in_flight == 0:
                    self._closed = True
                    self._cond.notify_all()
                    return None
                # In-flight batches may still add follow-ups; the timeout bounds how late a cancel is seen.
                self._cond.wait(timeout=0.1)

    def done(self, requeue: Sequence[Chunk], follow_ups: Sequence[Chunk]) -> None:
        """A batch finished: chunks to try again go first (they are oldest), follow-ups after them."""
        with self._cond:
            self._ready.extendleft(reversed(requeue))
            self._ready.extend(follow_ups)
            self._in_flight -= 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def pending(self, lookahead: int) -> int:
        """Chunks waiting to be taken, drawing at most `lookahead` of them from the source to count them."""
        with self._cond:
            while len(self._ready) < lookahead:
                chunk = next(self._source, None)
                if chunk is None:
                    break
                self._ready.append(chunk)
            return len(self._ready)

    def _fill(self, limit: int) -> list[Chunk]:
        batch: list[Chunk] = []
        cost = 0.0
        while len(batch) < limit:
            chunk = self._ready.popleft() if self._ready else next(self._source, None)
            if chunk is None:
                break
            if batch and not within_budget(cost, chunk, self._budget):
                self._ready.appendleft(chunk)  # it opens the next batch
                break
            batch.append(chunk)
            cost += chunk.cost
        return batch


class PhasedFetch:
    """Runs FetchJobs: parallel phase with token fallback, then the sequential retry phase."""

    def __init__(
        self,
        pool: TokenPool,
        fetcher: BatchFetcher,
        tuning: Tuning,
        reporter: ProgressReporter,
        cancel: threading.Event,
        clock: Clock,
        meter: LatencyMeter | None = None,
    ) -> None:
        self._pool = pool
        self._fetcher = fetcher
        self._tuning = tuning
        self._reporter = reporter
        self._cancel = cancel
        self._clock = clock
        self._meter = meter or LatencyMeter()

    @property
    def latency(self) -> LatencyMeter:
        return self._meter

    def run(self, job: FetchJob) -> FetchReport:
        """Fetch everything the job describes; raises only what `on_result` raised (workers stopped first)."""
        run = _JobRun(self, job)
        return run.execute()


class _JobRun:
    """The state of one job while it runs (kept apart from PhasedFetch so the engine object is reusable)."""

    def __init__(self, engine: PhasedFetch, job: FetchJob) -> None:
        self.engine = engine
        self.job = job
        self.pool = engine._pool
        self.reporter = engine._reporter
        self.cancel = engine._cancel
        self.tokens = list(job.tokens)
        self.report = FetchReport()
        self.lock = threading.Lock()
        self.failed: list[FailedChunk] = []
        self.rate_requeues: Counter[str] = Counter()
        self.unreadable: Counter[str] = Counter()  # unreadable answers per chunk key (see `_too_big`)
        self.crash: BaseException | None = None
        self.threads: list[threading.Thread] = []
        self.finished: list[threading.Event] = []  # one per thread, set when its `_worker` returns
        limit = min(engine._tuning.execute_batch, job.batch_size or MAX_EXECUTE_CALLS, MAX_EXECUTE_CALLS)
        self.batch_size = max(1, limit if job.batchable else 1)
        self.phase: PhaseFigures = PhaseFigures("parallel")
        self.progress: PhaseProgress = PhaseProgress(
            "parallel", started=0.0, chunks_total=None, expected_items=None, item_unit=ITEM_UNIT_CALLS,
            ceiling=self.ceiling,
        )
        self.job_counting = True  # whether the running phase counts items the job's way (else: calls)

    # -- the job as a whole -------------------------------------------------------------------------------

    def ceiling(self) -> float:
        """The summed rate limit of this job's tokens that are not disabled: its phases' ceiling."""
        return self.pool.ceiling_rps(self.tokens)

    def execute(self) -> FetchReport:
        try:
            return self._phases()
        except BaseException:
            # Ctrl-C (or a crash) reached the calling thread: stop the workers before the exception reaches
            # the list's cleanup, or a page still being stored would land after its staging table is gone.
            self.cancel.set()
            self._join_workers()
            raise

    def _phases(self) -> FetchReport:
        chunks: Iterator[Chunk] = iter(self.job.chunks)
        total = self.job.total_chunks
        base = self.job.phase
        for round_number in itertools.count():
            suffix = "" if round_number == 0 else f"-{round_number + 1}"
            self._parallel_phase(f"{base}{suffix}", chunks, total, first_round=round_number == 0)
            if self.crash is not None:
                raise self.crash
            follow_ups: list[Chunk] = []
            if self.failed and not self.cancel.is_set():
                retry = f"retry{suffix}" if base == "parallel" else f"{base}-retry{suffix}"
                follow_ups = self._retry_phase(retry)
            if self.cancel.is_set():
                self.report.cancelled = True
                self.report.failed.extend(self.failed)
                break
            if not follow_ups:
                break
            chunks, total = iter(follow_ups), len(follow_ups)
        self.report.batch_size = self.batch_size
        self.report.latency = self.engine._meter.value or 0.0
        return self.report

    def _count_error(self, key: str) -> None:
        with self.lock:
            self.report.errors_by_code[key] += 1
        self.reporter.add(self.progress, error_code=key)

    # -- parallel phase -----------------------------------------------------------------------------------

    def _parallel_phase(
        self, name: str, chunks: Iterator[Chunk], total: int | None, *, first_round: bool
    ) -> None:
        self.phase = PhaseFigures(name)
        self.report.phases.append(self.phase)
        self.job_counting = first_round
        job = self.job
        self.progress = self.reporter.start_phase(
            name,
            chunks_total=total,
            expected_items=job.expected_items if first_round else None,
            item_unit=job.unit_of_items() if first_round else ITEM_UNIT_CALLS,
            ceiling=self.ceiling,
        )
        queue = _ChunkQueue(chunks, self.cancel, self.job.batch_budget)
        if self.engine._meter.value is None:
            first = queue.take(self.batch_size)
            if first is not None:
                self._process(queue, first, start=0)  # nothing measured yet: measure before sizing the pool
        self.threads, self.finished = [], []
        self._grow(queue)
        self._join_workers()
        self.phase.seconds = self.reporter.finish_phase(self.progress, self.phase.as_dict())

    def _join_workers(self) -> None:
        """Wait until every worker that began running has returned.

        Not `Thread.join()`/`is_alive()`: on CPython 3.11 a join interrupted by Ctrl-C can mark a thread that
        is still running as stopped (the interrupt handling of bpo-45274 releases the thread's own lock), and
        the worker then stored a page after cleanup had dropped its staging table (about 1 Ctrl-C in 12).
        A thread that never began running (its start was interrupted) has no ident and takes no work.
        """
        while True:
            with self.lock:
                pending = [done for thread, done in zip(self.threads, self.finished, strict=True)
                           if thread.ident is not None and not done.is_set()]
            if not pending:
                return
            for done in pending:
                done.wait()

    def _grow(self, queue: _ChunkQueue) -> None:
        """Start workers up to the count the rule gives for the latency measured so far.

        Called at the phase start and after every batch: the first estimate comes from a small call (recon),
        the job's own requests (25 pages in one execute) may take longer and so justify more workers.
        """
        meter = self.engine._meter
        latency = max(meter.value or 0.0, meter.last or 0.0)
        wanted = workers_for(self.pool, self.tokens, latency, self.engine._tuning.workers)
        wanted = memory_capped_workers(wanted, self.job.answer_bytes, self.batch_size)
        # No more workers than there are batches to take: a short job (7 requests at 20 rps with seconds of
        # latency) would otherwise start a hundred threads that only poll an empty queue.
        # (A job with an answer-size budget may fill batches with fewer chunks: count each chunk as a batch.)
        per_batch = self.batch_size if self.job.batch_budget is None else 1
        batches = math.ceil(queue.pending(wanted * per_batch) / per_batch)
        wanted = min(wanted, len(self.threads) + batches)
        interval = 1.0 / max(self.pool.ceiling_rps(self.tokens), 1e-9)
        with self.lock:
            if wanted <= len(self.threads) or self.cancel.is_set() or self.crash is not None:
                return
            homes = home_tokens(self.pool, self.tokens, latency, wanted)
            finished = [threading.Event() for _ in range(len(self.threads), wanted)]
            started = [
                threading.Thread(
                    target=self._worker,
                    args=(queue, homes[index], index * interval if self.job.stagger else 0.0,
                          finished[index - len(self.threads)]),
                    name=f"sync-{self.job.name}-{index}",
                    daemon=True,
                )
                for index in range(len(self.threads), wanted)
            ]
            self.threads.extend(started)
            self.finished.extend(finished)
            self.report.workers = max(self.report.workers, len(self.threads))
        for thread in started:
            thread.start()

    def _worker(self, queue: _ChunkQueue, home: int, delay: float, finished: threading.Event) -> None:
        try:
            if delay and self.engine._clock.wait(self.cancel, delay):
                return
            while True:
                batch = queue.take(self.batch_size)
                if batch is None:
                    return
                self._process(queue, batch, start=home)
                self._grow(queue)
        finally:
            finished.set()

    def _process(self, queue: _ChunkQueue, batch: list[Chunk], start: int) -> None:
        follow_ups: list[Chunk] = []
        requeue: list[Chunk] = []
        try:
            follow_ups, requeue = self._fetch_with_fallback(batch, start)
        except BaseException as error:  # a crash in on_result stops the job; re-raised by execute()
            with self.lock:
                self.crash = self.crash or error
            queue.close()
        finally:
            if follow_ups:
                self.reporter.add_chunks_total(self.progress, len(follow_ups))
            queue.done(requeue, follow_ups)

    def _fetch_with_fallback(
        self, batch: list[Chunk], start: int
    ) -> tuple[list[Chunk], list[Chunk]]:
        """Fetch a batch, moving unfinished chunks across tokens; returns (follow-ups, chunks to requeue).

        A call VK refused goes on to the job's other tokens too: it is rejected only when the last token that
        answered it refused it as well (the tokens agree), never on one token's missing access."""
        remaining = batch
        tried: set[str] = set()
        throttled: set[str] = set()
        refusals: dict[str, VkApiError] = {}  # chunk key → the refusal it last met
        follow_ups: list[Chunk] = []
        while remaining:
            if self.cancel.is_set():
                return follow_ups, []
            candidates = [token for token in self.tokens if token.label not in tried]
            if not candidates:
                self._give_up(remaining, refusals, "every eligible token failed these calls")
                return follow_ups, []
            try:
                outcomes = self._attempt(remaining, candidates, start, tried, throttled)
            except _ResponseTooBig:
                return follow_ups, self._split(remaining)
            except Cancelled:
                return follow_ups, []
            except AllTokensFailed as error:
                if not refusals and tried <= throttled and self._may_requeue(remaining):
                    return follow_ups, remaining
                self._give_up(remaining, refusals, str(error))
                return follow_ups, []
            except VkApiError as error:
                self._reject(remaining, error)
                return follow_ups, []
            if len(tried) > 1:
                with self.lock:
                    self.report.fell_back += 1
            remaining, found = self._absorb(remaining, outcomes, refusals)
            follow_ups.extend(found)
        return follow_ups, []

    def _give_up(self, chunks: list[Chunk], refusals: dict[str, VkApiError], error: str) -> None:
        """No token is left to try: the chunks the last answering token refused are rejected, the rest
        failed (for the retry phase)."""
        refused = [chunk for chunk in chunks if chunk.key in refusals]
        for chunk in refused:
            self._reject([chunk], refusals[chunk.key])
        self._fail([chunk for chunk in chunks if chunk.key not in refusals], error)

    def _attempt(
        self,
        chunks: list[Chunk],
        candidates: list[PooledToken],
        start: int,
        tried: set[str],
        throttled: set[str] | None = None,
    ) -> list[CallOutcome]:
        calls = [chunk.call for chunk in chunks]

        def send(token: PooledToken) -> list[CallOutcome]:
            tried.add(token.label)
            try:
                outcomes = self.engine._fetcher.fetch(token, calls, self.job.batchable, self.cancel)
            except TokenUnusable:
                raise  # nothing was sent
            except VkError as error:
                self._count_request()
                if isinstance(error, TooManyRequests) and throttled is not None:
                    throttled.add(token.label)
                self._count_error(error_key(error))
                if len(calls) > 1 and self._too_big(error, chunks):
                    raise _ResponseTooBig() from error
                raise
            self._count_request()
            return outcomes

        return self.pool.with_fallback(
            send, candidates, start=start % len(candidates), cancel=self.cancel,
            methods=request_methods(calls, self.job.batchable),
        )

    def _count_request(self) -> None:
        with self.lock:
            self.report.requests += 1
            self.phase.requests += 1
        self.reporter.add(self.progress, requests=1)

    def _may_requeue(self, chunks: list[Chunk]) -> bool:
        """Whether chunks refused with error 6 by every token go back to the queue (counted per chunk)."""
        with self.lock:
            if any(self.rate_requeues[chunk.key] >= MAX_RATE_REQUEUES for chunk in chunks):
                return False
            self.rate_requeues.update(chunk.key for chunk in chunks)
            self.report.rate_requeued += len(chunks)
        return True

    def _too_big(self, error: VkError, chunks: list[Chunk]) -> bool:
        """Whether a batch's failure says its answer was too big: error 13 "response size is too big", or an
        unreadable answer (an HTML 404/500 page, a cut body) to chunks that already had one. VK's front end
        answers an oversized execute that way (https://github.com/Dementiy/vkR/issues/23,
        https://github.com/negezor/vk-io/issues/436); a first one may be passing trouble, a repeat is not."""
        if isinstance(error, RuntimeError_):
            return "too big" in error.message.lower()
        if not isinstance(error, UnreadableAnswer):
            return False
        with self.lock:
            repeated = any(self.unreadable[chunk.key] for chunk in chunks)
            self.unreadable.update(chunk.key for chunk in chunks)
        return repeated

    def _split(self, chunks: list[Chunk]) -> list[Chunk]:
        """Halve the job's batch size (`_too_big`); the chunks go back to the queue, to go out smaller."""
        with self.lock:
            self.batch_size = max(1, min(self.batch_size, len(chunks)) // 2)
        return chunks

    def _absorb(
        self, chunks: list[Chunk], outcomes: list[CallOutcome], refusals: dict[str, VkApiError]
    ) -> tuple[list[Chunk], list[Chunk]]:
        """Hand successes to the job; return (chunks to try on another token, follow-ups). A refused chunk is
        tried on another token too, its refusal kept in `refusals` until another answer replaces it."""
        retry: list[Chunk] = []
        follow_ups: list[Chunk] = []
        for chunk, outcome in zip(chunks, outcomes, strict=True):
            refusals.pop(chunk.key, None)
            if self._settle(chunk, outcome, follow_ups, refusals) is not None:
                retry.append(chunk)
        return retry, follow_ups

    def _settle(self, chunk: Chunk, outcome: CallOutcome, follow_ups: list[Chunk],
                refusals: dict[str, VkApiError] | None = None) -> str | None:
        """Deliver a success or handle a refusal; for a call another token may still do, its error.

        A refusal is kept in `refusals` (when given) for the caller to ask another token; without it (the
        retry phase, where every token has had its say) the call is rejected at once."""
        if outcome.ok:
            if isinstance(outcome.value, Projected) and not outcome.value.aligned:
                # Columns of different lengths cannot be zipped into rows (VK dropping the elements that lack
                # a field instead of giving null): the same call asks again for whole objects, for every list.
                self._count_error("misaligned")
                follow_ups.append(Chunk(f"{chunk.key}/whole", chunk.call.unprojected(), chunk.cost))
                return None
            try:
                follow_ups.extend(self._deliver(chunk, outcome.value))
            except TransientError as malformed:
                self._count_error("malformed")
                return str(malformed)
            return None
        error = outcome.error
        if error is not None and is_request_error(error):
            self._count_error(error_key(error))
            if refusals is not None:
                refusals[chunk.key] = error
                return str(error)
            self._reject([chunk], error)
            return None
        self._count_error(error_key(error) if error is not None else "inner_false")
        return str(error) if error is not None else "inner call returned false"

    def _deliver(self, chunk: Chunk, value: Any) -> list[Chunk]:
        found = list(self.job.on_result(chunk, value) or ())
        items = self.job.count_items(chunk, value) if self.job.count_items else 1
        with self.lock:
            self.report.calls_ok += 1
            self.report.items += items
            self.phase.calls_ok += 1
        self.reporter.add(self.progress, items=self._phase_items(items), chunks_done=1)
        self._read_gauge()
        return found

    def _phase_items(self, items: int) -> int:
        """What an answered call adds to the phase's items: retry phases count calls, a job gauge is read."""
        if not self.job_counting:
            return 1
        return 0 if self.job.items_done is not None else items

    def _read_gauge(self) -> None:
        """A job that keeps its own item gauge (posts finished) has it read after every settled call."""
        if self.job_counting and self.job.items_done is not None:
            self.reporter.set_items(self.progress, self.job.items_done())

    def _fail(self, chunks: list[Chunk], error: str) -> None:
        with self.lock:
            self.failed.extend(FailedChunk(chunk, error) for chunk in chunks)
            self.phase.calls_failed += len(chunks)
        for chunk in chunks:
            self.reporter.emit(ChunkFailed(self.phase.name, chunk.key, error))
        self.reporter.add(self.progress, chunks_failed=len(chunks))

    def _reject(self, chunks: list[Chunk], error: VkApiError) -> None:
        with self.lock:
            self.report.rejected.extend(FailedChunk(chunk, str(error)) for chunk in chunks)
        for chunk in chunks:
            if self.job.on_rejected is not None:
                self.job.on_rejected(chunk, error)
        self._read_gauge()

    # -- retry phase --------------------------------------------------------------------------------------

    def _retry_phase(self, name: str) -> list[Chunk]:
        """Sequential: one request at a time, `retry_pause` apart; returns follow-ups of what recovered."""
        tuning = self.engine._tuning
        waiting: deque[tuple[Chunk, int]] = deque((failed.chunk, 0) for failed in self.failed)
        self.failed = []
        self.phase = PhaseFigures(name)
        self.report.phases.append(self.phase)
        self.job_counting = False
        self.progress = self.reporter.start_phase(name, chunks_total=len(waiting), ceiling=self.ceiling)
        follow_ups: list[Chunk] = []
        rotation = itertools.count()
        budget = self.job.batch_budget
        while waiting and not self.engine._clock.wait(self.cancel, tuning.retry_pause):
            batch = [waiting.popleft()]
            cost = batch[0][0].cost
            while waiting and len(batch) < self.batch_size and within_budget(cost, waiting[0][0], budget):
                cost += waiting[0][0].cost
                batch.append(waiting.popleft())
            errors = self._retry_once([chunk for chunk, _ in batch], next(rotation), follow_ups)
            for (chunk, attempts), error in zip(batch, errors, strict=True):
                if error is None:
                    continue
                if error == SPLIT:
                    waiting.append((chunk, attempts))
                    continue
                if attempts + 1 < tuning.retry_attempts:
                    waiting.append((chunk, attempts + 1))
                    continue
                self.report.failed.append(FailedChunk(chunk, error))
                self.phase.calls_failed += 1
                self.reporter.emit(ChunkRetried(chunk.key, False, error))
        self.failed.extend(FailedChunk(chunk, "cancelled before retry") for chunk, _ in waiting)
        self.phase.seconds = self.reporter.finish_phase(self.progress, self.phase.as_dict())
        return follow_ups

    def _retry_once(self, chunks: list[Chunk], start: int, follow_ups: list[Chunk]) -> list[str | None]:
        """One request for these chunks (every token in turn); per chunk None (settled) or its error."""
        try:
            outcomes = self._attempt(chunks, list(self.tokens), start, set())
        except _ResponseTooBig:
            self._split(chunks)
            return [SPLIT] * len(chunks)
        except Cancelled:
            return ["cancelled"] * len(chunks)
        except AllTokensFailed as error:
            return [str(error)] * len(chunks)
        except VkApiError as error:
            self._reject(chunks, error)
            return [None] * len(chunks)
        errors: list[str | None] = []
        for chunk, outcome in zip(chunks, outcomes, strict=True):
            unsettled = self._settle(chunk, outcome, follow_ups)
            if unsettled is None and outcome.ok:
                with self.lock:
                    self.report.retried_ok += 1
                self.reporter.add(self.progress, chunks_retried_ok=1)
                self.reporter.emit(ChunkRetried(chunk.key, True))
            errors.append(unsettled)
        return errors
