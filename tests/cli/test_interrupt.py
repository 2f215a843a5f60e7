"""The first Ctrl-C of a headless sync is a request (an event), the second the usual KeyboardInterrupt."""

from __future__ import annotations

import signal
import threading

import pytest

from vksync_tui.cli.interrupt import first_ctrl_c_sets


def test_the_first_ctrl_c_sets_the_event_and_the_second_raises(capfd: pytest.CaptureFixture[str]) -> None:
    cancel = threading.Event()
    before = signal.getsignal(signal.SIGINT)
    with first_ctrl_c_sets(cancel, "stopping soon") as pressed:
        signal.raise_signal(signal.SIGINT)
        assert cancel.is_set() and pressed.is_set()
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before
    assert "stopping soon (Ctrl-C again to stop at once)" in capfd.readouterr().err


def test_an_event_set_by_someone_else_is_not_a_ctrl_c() -> None:
    cancel = threading.Event()
    with first_ctrl_c_sets(cancel, "stopping soon") as pressed:
        cancel.set()
    assert not pressed.is_set()


def test_an_ignored_sigint_stays_ignored() -> None:
    """`nohup vksync-tui sync … &`: the shell ignores SIGINT for the job, and so must the sync."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        cancel = threading.Event()
        with first_ctrl_c_sets(cancel, "stopping soon"):
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            signal.raise_signal(signal.SIGINT)
        assert not cancel.is_set()
    finally:
        signal.signal(signal.SIGINT, previous)


def test_outside_the_main_thread_nothing_changes() -> None:
    seen: list[object] = []

    def body() -> None:
        with first_ctrl_c_sets(threading.Event(), "stopping soon"):
            seen.append(signal.getsignal(signal.SIGINT))

    worker = threading.Thread(target=body)
    worker.start()
    worker.join()
    assert seen == [signal.getsignal(signal.SIGINT)]
