"""The two callables a test hands `run_script` to watch the deferred answer path: which calls had their
whole answer built (`builds`), and plain calls for everything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vksync_tui.emulator.methods import call_method, call_method_deferred
from vksync_tui.emulator.world import World

Caller = Callable[[str, dict[str, Any]], Any]


def counting_callers(world: World, token: Any) -> tuple[Caller, Caller, list[str]]:
    """(call_deferred, call, builds): `builds` gets a method's name each time its whole answer is built."""
    builds: list[str] = []

    def call_deferred(method: str, params: dict[str, Any]) -> Any:
        answer = call_method_deferred(world, method, params, token)
        build = answer._build

        def counted_build() -> Any:
            builds.append(method)
            return build()

        answer._build = counted_build
        return answer

    def call(method: str, params: dict[str, Any]) -> Any:
        return call_method(world, method, params, token)

    return call_deferred, call, builds
