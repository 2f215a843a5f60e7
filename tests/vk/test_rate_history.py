"""The tokens' last grants carried from one context to the next on the same home (`rate-history.json`)."""

from __future__ import annotations

import json
import logging
import stat
import time

import pytest

from vksync_tui.config import Config, TokenEntry, Tuning
from vksync_tui.home import Home
from vksync_tui.sync.context import SyncContext
from vksync_tui.vk import rate_history
from vksync_tui.vk.clock import ManualClock
from vksync_tui.vk.tokens import TokenPool

SECRET = "vk1.a.rate-history-test-0123456789abcdef"


def config() -> Config:
    return Config(api_url="http://127.0.0.1:9/method/", tokens=[TokenEntry("a", SECRET, "user")],
                  tuning=Tuning(user_rps=3.0))


def pool_at(now: float) -> TokenPool:
    clock = ManualClock()
    clock.advance(now)
    return TokenPool(config().tokens, config().tuning, clock=clock)


def test_a_new_context_on_the_home_waits_out_the_last_ones_window(home: Home) -> None:
    with SyncContext.open(home, config=config()) as ctx:
        (token,) = ctx.pool
        for _ in range(token.limiter.capacity):
            token.limiter.acquire()
    saved = (home.root / rate_history.FILE_NAME)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert SECRET not in saved.read_text() and rate_history.fingerprint(SECRET) in saved.read_text()
    with SyncContext.open(home, config=config()) as ctx:
        (token,) = ctx.pool
        assert token.next_free > ctx.clock.now()  # VK still counts the first context's burst


def test_grants_move_between_clocks_by_their_age(tmp_path) -> None:
    path = tmp_path / rate_history.FILE_NAME
    first = pool_at(100.0)
    (token,) = first
    for _ in range(3):
        token.limiter.acquire()
    rate_history.save(path, first, wall_clock=lambda: 5000.0)
    later = pool_at(7.0)
    rate_history.restore(path, later, wall_clock=lambda: 5000.4)  # 0.4 s after the grants, on another clock
    (token,) = later
    assert token.next_free == pytest.approx(7.0 - 0.4 + token.limiter.window)


def test_old_grants_are_forgotten(tmp_path) -> None:
    path = tmp_path / rate_history.FILE_NAME
    path.write_text(json.dumps({rate_history.fingerprint(SECRET): [time.time() - 60], "other": [1.0]}))
    pool = pool_at(0.0)
    rate_history.restore(path, pool)
    (token,) = pool
    assert token.next_free == float("-inf")
    rate_history.save(path, pool)
    assert json.loads(path.read_text()) == {}


KEY = rate_history.fingerprint(SECRET)


@pytest.mark.parametrize("content",
                         ["{not json", "[1, 2]", f'{{"{KEY}": "soon"}}', f'{{"{KEY}": [null, "x"]}}'])
def test_a_corrupt_file_is_ignored(tmp_path, content: str) -> None:
    path = tmp_path / rate_history.FILE_NAME
    path.write_text(content)
    pool = pool_at(0.0)
    rate_history.restore(path, pool)
    assert next(iter(pool)).next_free == float("-inf")


def test_an_unwritable_history_is_a_warning_not_a_failure(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    pool = pool_at(0.0)
    next(iter(pool)).limiter.acquire()
    with caplog.at_level(logging.WARNING):
        rate_history.save(tmp_path / "missing-folder" / rate_history.FILE_NAME, pool)
    assert "cannot save the tokens' rate history" in caplog.text
