"""Ctrl-C in a headless command: turn the first press into a request, not an exception.

Python raises KeyboardInterrupt in the main thread between any two bytecodes: inside `queue.Queue.put` after
the item is queued but before the consumer is woken, inside a `threading.Condition`, between a thread's start
and its bookkeeping. The unwinding then waits on threads that nobody will wake. A headless sync did hang once
that way after a Ctrl-C, and earlier interrupts left a worker running past cleanup (docs/RELIABILITY.md).

So while a command does work that has a safe stopping point, the first Ctrl-C only sets an event: a sync's
cancel event, which every job checks at batch boundaries and inside limiter waits (the dashboard's cancel
button uses the same path), so the run ends as a recorded `cancelled` run with nothing half-applied. A second
Ctrl-C raises KeyboardInterrupt as usual, for an operator who will not wait.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

EXIT_INTERRUPTED = 130  # the shell's code for a process ended by SIGINT


@contextlib.contextmanager
def first_ctrl_c_sets(event: threading.Event, announcement: str) -> Iterator[threading.Event]:
    """Within the block, the first Ctrl-C sets `event` and prints `announcement`; the next raises.

    Yields the event that records whether Ctrl-C was pressed (distinct from `event`, which others may set).
    Outside the main thread, or when SIGINT is ignored (a job started with `nohup` or `&`), nothing changes.
    """
    pressed = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        yield pressed
        return

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if pressed.is_set():
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt
        pressed.set()
        event.set()
        # os.write, not print: the handler may run while the main thread is inside a write to stderr, and a
        # buffered stream entered twice raises "reentrant call" at that arbitrary point.
        with contextlib.suppress(OSError):
            os.write(2, f"\n{announcement} (Ctrl-C again to stop at once)\n".encode())

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)
