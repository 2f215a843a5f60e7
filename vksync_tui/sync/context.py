"""SyncContext: everything a list sync needs, opened the same way by the CLI and the TUI.

One context owns the config, the database with its single `StoreWriter`, the `VkSession` (the token pool on
the home's shared rate budget, and the clients: every job, and every other process on the home, spends one
budget per token), the clock and the latency meter. `for_job()` gives a concurrent job its own event sink
and cancel event on the same shared resources; the pool's token events reach every running job.
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
from typing import TypeVar

import httpx
import peewee as pw

from vksync_tui.clock import Clock
from vksync_tui.config import Config, load_config
from vksync_tui.home import Home
from vksync_tui.store.db import open_database
from vksync_tui.store.writer import StoreWriter
from vksync_tui.sync.engine import ApiFetcher, LatencyMeter, PhasedFetch
from vksync_tui.sync.events import EventSink, ProgressReporter, SyncEvent, TokenState, discard
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.session import VkSession
from vksync_tui.vk.tokens import TokenPool

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
    db: pw.Database
    writer: StoreWriter
    vk: VkSession
    on_event: EventSink = discard
    cancel: threading.Event = field(default_factory=threading.Event)
    wall_clock: Callable[[], float] = time.time
    latency: LatencyMeter = field(default_factory=LatencyMeter)
    _router: _TokenEventRouter = field(default_factory=_TokenEventRouter)
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
        """Load the config, open the session on the home's shared rate budget, open the database (migrating
        it). Raises `ConfigError`, `BudgetUnavailable`, `StoreError`. Close when done."""
        home.ensure()
        config = config or load_config(home.config_file)
        router = _TokenEventRouter()
        vk = VkSession.open(home, config, clock=clock, transport=transport, on_token_event=router)
        try:
            db = open_database(home.db_path)
        except BaseException:
            vk.close()
            raise
        return cls(home=home, db=db, writer=StoreWriter(db), vk=vk, on_event=on_event,
                   cancel=cancel or threading.Event(), _router=router)

    @property
    def config(self) -> Config:
        return self.vk.config

    @property
    def pool(self) -> TokenPool:
        return self.vk.pool

    @property
    def client(self) -> VkClient:
        return self.vk.client

    @property
    def clock(self) -> Clock:
        return self.vk.clock

    def for_job(self, on_event: EventSink, cancel: threading.Event | None = None) -> SyncContext:
        """A view for one more concurrent job: own sink and cancel event, shared session/db/writer."""
        return replace(self, on_event=on_event, cancel=cancel or threading.Event(), _owner=False)

    def emit(self, event: SyncEvent) -> None:
        self.on_event(event)

    def reload_pool(self, config: Config) -> None:
        """Adopt `config` (tokens added, removed, toggled; new rates) without reopening the database.

        A fresh pool replaces the old one, so its tokens' health and call counters start over, as on a reopen
        (their rates carry over: the shared budget still counts their last second); a changed API URL,
        version or timeout also replaces the clients. Raises `JobsRunning` when a job of this context runs
        (it keeps using the old pool and its health states).
        """
        running = self._router.running
        if running:
            raise JobsRunning(f"cannot reload the token pool while {running} sync job(s) run; wait for them")
        self.vk.reload(config)

    @contextlib.contextmanager
    def job_reporter(self) -> Iterator[ProgressReporter]:
        """A fresh reporter for one job, hearing the pool's token events while the job runs."""
        reporter = ProgressReporter(self.on_event, clock=self.clock.now)
        for token in self.pool:
            reporter.set_token_state(token.label, token.state)  # type: ignore[arg-type]
        with self._router.attached(reporter):
            yield reporter

    def engine(self, reporter: ProgressReporter, *, split_sessions: bool = False) -> PhasedFetch:
        session_for = self.vk.client_for if split_sessions else None
        return PhasedFetch(
            self.pool,
            ApiFetcher(self.client, self.latency, session_for),
            self.config.tuning,
            reporter,
            self.cancel,
            self.clock,
            self.latency,
        )

    def write(self, job: Callable[[], T]) -> T:
        """Run a write on the single writer thread and wait for it to commit."""
        return self.writer.submit(job).result()

    def now(self) -> int:
        """Unix seconds for stored timestamps (injectable through `wall_clock`)."""
        return int(self.wall_clock())

    def close(self) -> None:
        """Flush and stop the writer, close the session; views made by `for_job` leave that to their owner."""
        if not self._owner:
            return
        try:
            self.writer.close()
        finally:
            self.vk.close()
            with contextlib.suppress(pw.DatabaseError):
                self.db.close()

    def __enter__(self) -> SyncContext:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
