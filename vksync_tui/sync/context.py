"""SyncContext: everything a list sync needs, opened the same way by the CLI and the TUI.

One context owns the config, the database with its single `StoreWriter`, the `TokenPool` (so every job of a
session shares the tokens' rate limits — two jobs with separate pools would each use the full rps and earn
error 6), the `VkClient`, the clock and the latency meter. `for_job()` gives a concurrent job its own event
sink and cancel event on the same shared resources; the pool's token events reach every running job.
`engine(reporter, split_sessions=True)` gives each token its own `VkClient` (own HTTP connections), made
once per token and closed with the context. `reload_pool(config)` rebuilds the pool (and the clients, if
the API settings changed) after the tokens or the tuning changed, keeping the database and writer open.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import httpx
import peewee as pw

from vksync_tui.config import Config, load_config
from vksync_tui.home import Home
from vksync_tui.store.db import open_database
from vksync_tui.store.writer import StoreWriter
from vksync_tui.sync.engine import ApiFetcher, LatencyMeter, PhasedFetch
from vksync_tui.sync.events import EventSink, ProgressReporter, SyncEvent, TokenState, discard
from vksync_tui.vk import rate_history as rate_history_file
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.clock import Clock, SystemClock
from vksync_tui.vk.tokens import PooledToken, TokenPool

T = TypeVar("T")


class JobsRunning(RuntimeError):
    """`reload_pool` while jobs run: they hold the current pool, and a second pool would double the rates."""


class _TokenEventRouter:
    """The pool's `on_token_event`: forwards token health changes to the reporters of the running jobs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reporters: list[ProgressReporter] = []

    def __call__(self, label: str, state: str, reason: str) -> None:
        with self._lock:
            reporters = list(self._reporters)
        token_state: TokenState = state if state in ("ok", "cooling", "disabled") else "ok"  # type: ignore[assignment]
        for reporter in reporters:
            reporter.token_changed(label, token_state, reason)

    @property
    def running(self) -> int:
        """Jobs hearing token events now: from `job_reporter`'s start to its end, every running job."""
        with self._lock:
            return len(self._reporters)

    @contextlib.contextmanager
    def attached(self, reporter: ProgressReporter) -> Iterator[ProgressReporter]:
        with self._lock:
            self._reporters.append(reporter)
        try:
            yield reporter
        finally:
            with self._lock:
                self._reporters.remove(reporter)


@dataclass
class SyncContext:
    home: Home
    config: Config
    db: pw.Database
    writer: StoreWriter
    pool: TokenPool
    client: VkClient
    on_event: EventSink = discard
    cancel: threading.Event = field(default_factory=threading.Event)
    clock: Clock = field(default_factory=SystemClock)
    wall_clock: Callable[[], float] = time.time
    latency: LatencyMeter = field(default_factory=LatencyMeter)
    transport: httpx.BaseTransport | None = None
    rate_history: Path | None = None
    _router: _TokenEventRouter = field(default_factory=_TokenEventRouter)
    _sessions: dict[str, VkClient] = field(default_factory=dict)
    _sessions_lock: threading.Lock = field(default_factory=threading.Lock)
    _owner: bool = True

    @classmethod
    def open(
        cls,
        home: Home,
        *,
        on_event: EventSink = discard,
        transport: httpx.BaseTransport | None = None,
        cancel: threading.Event | None = None,
        clock: Clock | None = None,
        config: Config | None = None,
    ) -> SyncContext:
        """Load the config, open the database (migrating it) and build pool and client. Close when done.

        With the real clock, the tokens' last grants of the previous context on this home are restored
        into the limiters and saved again on close (`rate_history`)."""
        home.ensure()
        config = config or load_config(home.config_file)
        rate_history = home.root / rate_history_file.FILE_NAME if clock is None else None
        clock = clock or SystemClock()
        router = _TokenEventRouter()
        db = open_database(home.db_path)
        writer = StoreWriter(db)
        pool = TokenPool(config.tokens, config.tuning, clock=clock, on_token_event=router)
        if rate_history is not None:
            rate_history_file.restore(rate_history, pool)
        client = _make_client(config, transport)
        return cls(
            home=home,
            config=config,
            db=db,
            writer=writer,
            pool=pool,
            client=client,
            on_event=on_event,
            cancel=cancel or threading.Event(),
            clock=clock,
            transport=transport,
            rate_history=rate_history,
            _router=router,
        )

    def for_job(self, on_event: EventSink, cancel: threading.Event | None = None) -> SyncContext:
        """A view for one more concurrent job: own sink and cancel event, shared pool/db/writer/client."""
        return replace(self, on_event=on_event, cancel=cancel or threading.Event(), _owner=False)

    def emit(self, event: SyncEvent) -> None:
        self.on_event(event)

    def reload_pool(self, config: Config) -> None:
        """Adopt `config` (tokens added, removed, toggled; new rates) without reopening the database.

        A fresh pool replaces the old one, so its tokens' health and call counters start over, as on a reopen
        (their rate limits carry over: VK still counts their last second); a changed API URL, version or
        timeout also replaces the clients. Raises `JobsRunning` when a job of this context runs (it keeps
        using the old pool; two pools would each spend the full rates).
        Views made by `for_job` before the reload keep the old pool: call this from the owner, between jobs.
        """
        running = self._router.running
        if running:
            raise JobsRunning(f"cannot reload the token pool while {running} sync job(s) run; wait for them")
        pool = TokenPool(config.tokens, config.tuning, clock=self.clock, on_token_event=self._router,
                         replacing=self.pool)
        if _client_settings(config) != _client_settings(self.config):
            old_client, self.client = self.client, _make_client(config, self.transport)
            old_client.close()
            self._close_sessions()
        self.pool, self.config = pool, config

    @contextlib.contextmanager
    def job_reporter(self) -> Iterator[ProgressReporter]:
        """A fresh reporter for one job, hearing the pool's token events while the job runs."""
        reporter = ProgressReporter(self.on_event, clock=self.clock.now)
        for token in self.pool:
            reporter.set_token_state(token.label, token.state)  # type: ignore[arg-type]
        with self._router.attached(reporter):
            yield reporter

    def engine(self, reporter: ProgressReporter, *, split_sessions: bool = False) -> PhasedFetch:
        session_for = self.session_for if split_sessions else None
        return PhasedFetch(
            self.pool,
            ApiFetcher(self.client, self.latency, session_for),
            self.config.tuning,
            reporter,
            self.cancel,
            self.clock,
            self.latency,
        )

    def session_for(self, token: PooledToken) -> VkClient:
        """The token's own client (split session), made on first use, shared by every job of the context."""
        with self._sessions_lock:
            session = self._sessions.get(token.label)
            if session is None:
                session = self._sessions[token.label] = _make_client(self.config, self.transport)
            return session

    def write(self, job: Callable[[], T]) -> T:
        """Run a write on the single writer thread and wait for it to commit."""
        return self.writer.submit(job).result()

    def now(self) -> int:
        """Unix seconds for stored timestamps (injectable through `wall_clock`)."""
        return int(self.wall_clock())

    def close(self) -> None:
        """Flush and stop the writer, close the client; views made by `for_job` leave that to their owner."""
        if not self._owner:
            return
        if self.rate_history is not None:
            rate_history_file.save(self.rate_history, self.pool)
        try:
            self.writer.close()
        finally:
            self.client.close()
            self._close_sessions()
            with contextlib.suppress(pw.DatabaseError):
                self.db.close()

    def _close_sessions(self) -> None:
        with self._sessions_lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()

    def __enter__(self) -> SyncContext:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _client_settings(config: Config) -> tuple[str, str, float]:
    return config.api_url, config.api_version, config.tuning.request_timeout


def _make_client(config: Config, transport: httpx.BaseTransport | None) -> VkClient:
    timeout = config.tuning.request_timeout
    return VkClient(config.api_url, config.api_version, transport=transport, timeout=timeout)
