"""SyncContext.reload_pool: new tokens and rates without reopening the database; refused while a job runs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vksync_tui.clock import ManualClock
from vksync_tui.config import Config, TokenEntry, Tuning
from vksync_tui.home import Home
from vksync_tui.store.models import SyncRun
from vksync_tui.sync.context import JobsRunning, SyncContext
from vksync_tui.sync.events import JobFinished, SyncEvent
from vksync_tui.sync.registry import run_sync

API_URL = "http://127.0.0.1:9/method/"


def entry(label: str) -> TokenEntry:
    return TokenEntry(label=label, secret=f"vk1.a.reload-test-{label}-0123456789", kind="user")


def config_with(*labels: str, api_url: str = API_URL, user_rps: float = 3.0) -> Config:
    tokens = [entry(label) for label in labels]
    return Config(api_url=api_url, tokens=tokens, tuning=Tuning(user_rps=user_rps))


def test_reload_swaps_the_pool_and_keeps_the_database_open(home: Home) -> None:
    with SyncContext.open(home, config=config_with("a")) as ctx:
        db, writer, client = ctx.db, ctx.writer, ctx.client
        ctx.reload_pool(config_with("a", "b", user_rps=5.0))
        assert [token.label for token in ctx.pool] == ["a", "b"]
        assert {token.rps for token in ctx.pool} == {5.0}
        assert (ctx.db, ctx.writer, ctx.client) == (db, writer, client)  # same API settings: same client
        assert ctx.write(lambda: SyncRun.select().count()) == 0  # the writer still commits
        ctx.reload_pool(config_with("b", api_url="http://127.0.0.1:10/method/"))
        assert [token.label for token in ctx.pool] == ["b"]
        assert ctx.client is not client and ctx.config.api_url == "http://127.0.0.1:10/method/"
        assert ctx.for_job(lambda event: None).pool is ctx.pool  # jobs started afterwards get the new pool


def test_tokens_that_stay_keep_their_rate_limit_history(home: Home) -> None:
    """The budget, not the pool, remembers a token's last second: a reload must not let a burst through."""
    with SyncContext.open(home, config=config_with("a", "b"), clock=ManualClock()) as ctx:
        for _ in range(3):
            ctx.pool.get("a").limiter.acquire()  # type: ignore[union-attr]
        spent = ctx.pool.get("a").next_free  # type: ignore[union-attr]
        assert spent > ctx.clock.now()
        ctx.reload_pool(config_with("a", "b", "c"))
        assert ctx.pool.get("a").next_free == spent  # type: ignore[union-attr]
        assert ctx.pool.get("c").next_free == float("-inf")  # type: ignore[union-attr]


def test_reload_is_refused_while_a_job_runs(home: Home) -> None:
    with SyncContext.open(home, config=config_with("a")) as ctx:
        job = ctx.for_job(lambda event: None)
        with job.job_reporter():
            with pytest.raises(JobsRunning, match="1 sync job"):
                ctx.reload_pool(config_with("a", "b"))
            assert [token.label for token in ctx.pool] == ["a"]
        ctx.reload_pool(config_with("a", "b"))
        assert [token.label for token in ctx.pool] == ["a", "b"]


def test_a_face_may_reload_as_soon_as_it_hears_job_finished(home: Home) -> None:
    """JobFinished goes out after the job's reporter detached, so the TUI's reload on it never races."""
    reloaded: list[str] = []
    ctx = SyncContext.open(home, config=config_with("a"))

    def on_event(event: SyncEvent) -> None:
        if isinstance(event, JobFinished):
            ctx.reload_pool(replace(ctx.config, tokens=[entry("a"), entry("b")]))
            reloaded.append(event.status)

    with ctx:
        summary = run_sync("authors", ctx.for_job(on_event), 42)  # no authors stored: no request at all
        assert summary.status == "done" and reloaded == ["done"]
        assert [token.label for token in ctx.pool] == ["a", "b"]
