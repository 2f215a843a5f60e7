"""Run a few blocking functions at the same time, each on its own thread, and collect their results in order.

Why not a thread pool executor: every function here is a whole engine job (its own workers inside), there are
only a handful, and on Ctrl-C the caller must first stop them (`cancel`) and then wait for them, so that
nothing they store lands after the list's cleanup — the same rule the engine keeps for its workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def run_together(functions: Sequence[Callable[[], T]], name: str, cancel: threading.Event) -> list[T]:
    """Each function's result, in order; the first exception raised by any of them is raised here."""
    results: list[T | BaseException] = [RuntimeError("not run")] * len(functions)

    def run(index: int) -> None:
        try:
            results[index] = functions[index]()
        except BaseException as error:  # re-raised below, on the caller's thread
            results[index] = error

    threads = [
        threading.Thread(target=run, args=(index,), name=f"{name}-{index}") for index in range(len(functions))
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException:
        cancel.set()
        for thread in threads:
            thread.join()
        raise
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]
