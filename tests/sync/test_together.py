"""run_together: results in order, the first error re-raised on the caller's thread, and on an interrupt the
functions are told to stop (cancel) and waited for before the interrupt goes on."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from vksync_tui.sync.together import run_together


def test_results_come_back_in_the_order_of_the_functions() -> None:
    gate = threading.Barrier(3)

    def make(value: int) -> Callable[[], int]:
        def work() -> int:
            gate.wait(timeout=10)  # all three run at the same time, or this times out
            return value

        return work

    assert run_together([make(1), make(2), make(3)], "test", threading.Event()) == [1, 2, 3]


def test_an_error_in_one_function_is_raised_after_every_function_ended() -> None:
    failed = threading.Event()
    finished = threading.Event()

    def fails() -> int:
        failed.set()
        raise ValueError("boom")

    def slow() -> int:
        failed.wait(timeout=10)  # still running when the other one has already failed
        finished.set()
        return 2

    with pytest.raises(ValueError, match="boom"):
        run_together([fails, slow], "test", threading.Event())
    assert finished.is_set()


def test_an_interrupt_while_waiting_cancels_and_joins_the_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    cancel = threading.Event()
    stopped = threading.Event()

    def until_cancelled() -> int:
        cancel.wait(timeout=10)
        stopped.set()
        return 1

    joins = 0
    real_join = threading.Thread.join

    def interrupted_join(self: threading.Thread, timeout: float | None = None) -> None:
        nonlocal joins
        joins += 1
        if joins == 1:
            raise KeyboardInterrupt
        real_join(self, timeout)

    monkeypatch.setattr(threading.Thread, "join", interrupted_join)
    with pytest.raises(KeyboardInterrupt):
        run_together([until_cancelled], "test", cancel)
    assert cancel.is_set() and stopped.is_set()
