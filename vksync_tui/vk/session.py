"""VkSession: the one way anything on a home talks to VK.

A session holds the config's tokens in a `TokenPool` whose limiters count in the home's shared `RateBudget`
and whose spent daily quotas are written in the home's `QuotaBook`, and the HTTP clients. The CLI's token
and community commands open one on their own; a `SyncContext` holds one for every sync of its process; the
TUI's token checks and community look-ups use its context's. So every request — a sync's, a token check's, a
look-up's — waits for its token's budget, two processes on one home (the dashboard and a cron job) never
send more than VK allows a token, and neither asks a token for a method whose quota the other saw spent.

With a test clock (virtual or manual time) the budget and the quota book are this process's only: stamps on a
made-up clock mean nothing to another process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx

from vksync_tui.clock import Clock, SystemClock
from vksync_tui.config import Config, TokenEntry
from vksync_tui.home import Home
from vksync_tui.vk.budget import FileRateBudget, MemoryRateBudget, RateBudget
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.quotas import QUOTA_FILE, FileQuotaBook, MemoryQuotaBook, QuotaBook
from vksync_tui.vk.tokens import PooledToken, TokenEvent, TokenPool

BUDGET_FOLDER = "rate-budget"


def home_budget(home: Home, clock: Clock | None = None) -> RateBudget:
    """The home's shared budget (`rate-budget/` in the home), or this process's own under a test clock.
    Raises `BudgetUnavailable` when the folder cannot be used."""
    if clock is not None and not isinstance(clock, SystemClock):
        return MemoryRateBudget(clock)
    return FileRateBudget(home.root / BUDGET_FOLDER)


def home_quotas(home: Home, clock: Clock | None = None) -> QuotaBook:
    """The home's record of spent daily quotas (`method-quotas.json` beside `rate-budget/`), or this
    process's own under a test clock."""
    if clock is not None and not isinstance(clock, SystemClock):
        return MemoryQuotaBook()
    return FileQuotaBook(home.root / QUOTA_FILE)


@dataclass
class VkSession:
    config: Config
    budget: RateBudget
    pool: TokenPool
    client: VkClient
    clock: Clock
    transport: httpx.BaseTransport | None = None
    on_token_event: TokenEvent | None = None
    quotas: QuotaBook = field(default_factory=MemoryQuotaBook)
    _token_clients: dict[str, VkClient] = field(default_factory=dict)
    _token_clients_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(
        cls,
        home: Home,
        config: Config,
        *,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        on_token_event: TokenEvent | None = None,
    ) -> VkSession:
        budget = home_budget(home, clock)
        quotas = home_quotas(home, clock)
        clock = clock or SystemClock()
        pool = TokenPool(config.tokens, config.tuning, budget=budget, quotas=quotas, clock=clock,
                         on_token_event=on_token_event)
        return cls(config, budget, pool, make_client(config, transport), clock, transport, on_token_event,
                   quotas)

    def pooled(self, entry: TokenEntry, *, rps: float | None = None) -> PooledToken:
        """A token on this session's budget, whether or not it is in the pool (a token being checked)."""
        return self.pool.pooled(entry, rps=rps)

    def pool_for(self, config: Config) -> TokenPool:
        """A pool of `config`'s tokens on the same budget (settings changed since this session opened)."""
        return TokenPool(config.tokens, config.tuning, budget=self.budget, quotas=self.quotas,
                         clock=self.clock, on_token_event=self.on_token_event)

    def reload(self, config: Config) -> None:
        """Adopt `config`: a fresh pool (health and counters start over; the budget carries the rates), and
        fresh clients when the API URL, version or timeout changed."""
        if client_settings(config) != client_settings(self.config):
            old_client, self.client = self.client, make_client(config, self.transport)
            old_client.close()
            self._close_token_clients()
        self.pool, self.config = self.pool_for(config), config

    def client_for(self, token: PooledToken) -> VkClient:
        """The token's own client (own connections: a split session), made on first use, kept open."""
        with self._token_clients_lock:
            client = self._token_clients.get(token.label)
            if client is None:
                client = self._token_clients[token.label] = make_client(self.config, self.transport)
            return client

    def close(self) -> None:
        self.client.close()
        self._close_token_clients()
        if isinstance(self.budget, FileRateBudget):
            self.budget.close()

    def _close_token_clients(self) -> None:
        with self._token_clients_lock:
            for client in self._token_clients.values():
                client.close()
            self._token_clients.clear()

    def __enter__(self) -> VkSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def client_settings(config: Config) -> tuple[str, str, float]:
    return config.api_url, config.api_version, config.tuning.request_timeout


def make_client(config: Config, transport: httpx.BaseTransport | None = None) -> VkClient:
    return VkClient(config.api_url, config.api_version, transport=transport,
                    timeout=config.tuning.request_timeout)
