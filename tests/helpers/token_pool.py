"""A token pool on a manual clock and a client on a scripted VK whose answer depends on which token called.

Tokens are made with `entry` (their secrets registered for masking); `fails(code)` answers VK's error `code`.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.helpers.fake_vk import FakeVk, ok, vk_error
from vksync_tui.clock import Clock, ManualClock
from vksync_tui.config import TokenEntry, Tuning
from vksync_tui.secrets import register_secret
from vksync_tui.vk.budget import MemoryRateBudget
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.quotas import QuotaBook
from vksync_tui.vk.tokens import TokenPool


def secret(label: str) -> str:
    value = f"vk1.a.pool-secret-{label}-0123456789"
    register_secret(value)
    return value


def entry(label: str, kind: str = "user", **extra: object) -> TokenEntry:
    return TokenEntry(label=label, secret=secret(label), kind=kind, **extra)  # type: ignore[arg-type]


Behaviour = Callable[[str], httpx.Response]  # label → response


class Harness:
    """A pool on a manual clock, a client on a fake VK whose answer depends on which token called."""

    def __init__(self, entries: list[TokenEntry], behaviour: dict[str, Behaviour] | None = None, *,
                 quotas: QuotaBook | None = None, clock: Clock | None = None) -> None:
        self.clock = clock or ManualClock()
        self.events: list[tuple[str, str, str]] = []
        self.pool = TokenPool(entries, Tuning(), clock=self.clock, budget=MemoryRateBudget(self.clock),
                              quotas=quotas, on_token_event=lambda *event: self.events.append(event))
        self.behaviour = behaviour or {}
        self.labels_by_secret = {item.secret: item.label for item in entries}
        self.called: list[str] = []
        self.fake = FakeVk(self._answer)
        self.client = VkClient("http://vk.test/method/", transport=self.fake.transport)

    def _answer(self, method: str, form: dict[str, str]) -> httpx.Response:
        label = self.labels_by_secret[form["access_token"]]
        self.called.append(label)
        return self.behaviour.get(label, lambda _label: ok({"by": _label}))(label)

    def run(self, method: str = "groups.getMembers", **kwargs: object) -> object:
        return self.pool.with_fallback(lambda token: token.call(self.client, method, {"group_id": 1}),
                                       self.pool.tokens, methods=(method,), **kwargs)  # type: ignore[arg-type]


def fails(code: int) -> Behaviour:
    return lambda _label: vk_error(code, f"error {code} text")
