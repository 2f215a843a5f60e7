"""TokenPool: eligibility, fallback order, cool-down and disable rules, counters, masking."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from tests.vk.fake_vk import FakeVk, ok, vk_error
from vksync_tui.config import TokenCheck, TokenEntry, Tuning
from vksync_tui.secrets import mask, register_secret
from vksync_tui.vk.budget import MemoryRateBudget
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.clock import ManualClock, VirtualClock
from vksync_tui.vk.errors import AccessDenied, Cancelled, ParamError
from vksync_tui.vk.tokens import AllTokensFailed, PooledToken, TokenPool


def secret(label: str) -> str:
    value = f"vk1.a.pool-secret-{label}-0123456789"
    register_secret(value)
    return value


def entry(label: str, kind: str = "user", **extra: object) -> TokenEntry:
    return TokenEntry(label=label, secret=secret(label), kind=kind, **extra)  # type: ignore[arg-type]


Behaviour = Callable[[str], httpx.Response]  # label → response


class Harness:
    """A pool on a manual clock, a client on a fake VK whose answer depends on which token called."""

    def __init__(self, entries: list[TokenEntry], behaviour: dict[str, Behaviour] | None = None) -> None:
        self.clock = ManualClock()
        self.events: list[tuple[str, str, str]] = []
        self.pool = TokenPool(entries, Tuning(), clock=self.clock, budget=MemoryRateBudget(self.clock),
                              on_token_event=lambda *event: self.events.append(event))
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
                                       self.pool.tokens, method=method, **kwargs)  # type: ignore[arg-type]


def fails(code: int) -> Behaviour:
    return lambda _label: vk_error(code, f"error {code} text")


def test_first_usable_token_answers() -> None:
    harness = Harness([entry("a"), entry("b")])
    assert harness.run() == {"by": "a"}
    assert harness.called == ["a"]


def test_start_rotates_the_order() -> None:
    harness = Harness([entry("a"), entry("b"), entry("c")], {"b": fails(10)})
    assert harness.run(start=1) == {"by": "c"}
    assert harness.called == ["b", "c"]


def test_fallback_through_token_faults_with_health_updates() -> None:
    harness = Harness([entry("a"), entry("b"), entry("c"), entry("d")],
                      {"a": fails(6), "b": fails(5), "c": lambda _label: httpx.Response(502, text="<html>")})
    assert harness.run() == {"by": "d"}
    assert harness.called == ["a", "b", "c", "d"]
    a, b, c, d = harness.pool.tokens
    assert (a.state, b.state, c.state, d.state) == ("cooling", "disabled", "ok", "ok")
    assert (a.errors_by_code, b.errors_by_code, c.errors_by_code) == ({"6": 1}, {"5": 1}, {"transient": 1})
    assert [token.calls for token in harness.pool.tokens] == [1, 1, 1, 1]
    assert [(label, state) for label, state, _ in harness.events] == [("a", "cooling"), ("b", "disabled")]


@pytest.mark.parametrize(("code", "error_type"), [(15, AccessDenied), (100, ParamError)])
def test_request_errors_propagate_without_trying_others(code: int, error_type: type) -> None:
    harness = Harness([entry("a"), entry("b")], {"a": fails(code)})
    with pytest.raises(error_type):
        harness.run()
    assert harness.called == ["a"]
    assert harness.pool.tokens[0].state == "ok"


def test_all_failed_lists_every_token_masked() -> None:
    entries = [entry("a"), entry("b"), entry("c")]
    entries[2].check = TokenCheck(invalid=True, last_error="revoked")
    harness = Harness(entries, {"a": fails(29), "b": fails(28)})
    with pytest.raises(AllTokensFailed) as caught:
        harness.run()
    assert set(caught.value.errors) == {"a", "b", "c"}
    assert "skipped" in caught.value.errors["c"]
    text = str(caught.value)
    assert all(item.secret not in text for item in entries)
    assert harness.called == ["a", "b"]


def test_cooling_token_is_skipped_while_another_is_usable() -> None:
    harness = Harness([entry("a"), entry("b")], {"a": fails(9)})
    harness.run()
    harness.called.clear()
    harness.behaviour.clear()
    assert harness.run() == {"by": "b"}
    assert harness.called == ["b"]
    harness.clock.advance(10)
    assert harness.pool.tokens[0].state == "ok"
    assert ("a", "ok", "cool-down over") in harness.events


def test_waits_for_the_earliest_cooling_token_when_all_cool() -> None:
    harness = Harness([entry("a"), entry("b")], {"a": fails(14), "b": fails(6)})
    with pytest.raises(AllTokensFailed):
        harness.run()
    harness.behaviour.clear()
    harness.called.clear()
    started = harness.clock.now()
    assert harness.run() == {"by": "b"}
    assert harness.clock.now() - started == pytest.approx(1.0, abs=0.02)
    assert harness.called == ["b"]


def test_cooldowns_are_configurable() -> None:
    clock = ManualClock()
    pool = TokenPool([entry("a")], Tuning(), clock=clock, budget=MemoryRateBudget(clock), cooldowns={6: 5.0})
    token = pool.tokens[0]
    fake = FakeVk(lambda method, form: vk_error(6))
    with pytest.raises(AllTokensFailed):
        pool.with_fallback(lambda t: t.call(VkClient("http://vk.test/method/", transport=fake.transport),
                                            "users.get", {}), pool.tokens)
    assert token.cooling_until == pytest.approx(clock.now() + 5.0)


def test_wrong_kind_skips_the_token_for_that_method_only() -> None:
    harness = Harness([entry("bot", "group", group_id=1), entry("u")], {"bot": fails(27)})
    assert harness.run("wall.get") == {"by": "u"}
    harness.called.clear()
    assert harness.run("wall.get") == {"by": "u"}
    assert harness.called == ["u"]
    harness.behaviour.clear()
    harness.called.clear()
    assert harness.run("groups.getMembers") == {"by": "bot"}
    assert harness.pool.tokens[0].state == "ok"


def test_cancel_while_all_tokens_cool() -> None:
    clock = VirtualClock()
    pool = TokenPool([entry("a")], Tuning(), clock=clock, budget=MemoryRateBudget(clock))
    fake = FakeVk(lambda method, form: vk_error(29))
    client = VkClient("http://vk.test/method/", transport=fake.transport)
    cancel = threading.Event()
    token = pool.tokens[0]
    with pytest.raises(AllTokensFailed):
        pool.with_fallback(lambda t: t.call(client, "wall.get", {}), [token])
    clock.call_at(clock.now() + 3.0, cancel.set)
    result: list[BaseException] = []

    def attempt() -> None:
        try:
            pool.with_fallback(lambda t: t.call(client, "wall.get", {}), [token], cancel=cancel)
        except Cancelled as exc:
            result.append(exc)

    clock.run([attempt])
    assert len(result) == 1 and clock.now() == pytest.approx(3.0)


def test_eligibility_filters() -> None:
    entries = [
        entry("admin", check=TokenCheck(admin_levels={10: 3}, scopes=["wall", "groups"], checked_at=1.0)),
        entry("moderator", check=TokenCheck(admin_levels={10: 1}, scopes=["wall"], checked_at=1.0)),
        entry("fresh"),  # never checked: no admin level known, rights assumed
        entry("bot10", "group", group_id=10, check=TokenCheck(scopes=["messages", "manage"], checked_at=1.0)),
        entry("bot20", "group", group_id=20, check=TokenCheck(scopes=["messages"], checked_at=1.0)),
        entry("app", "service"),
        entry("off", enabled=False),
    ]
    pool = TokenPool(entries, Tuning(), budget=MemoryRateBudget())

    def labels(**filters: object) -> list[str]:
        return [token.label for token in pool.eligible(**filters)]  # type: ignore[arg-type]

    assert labels() == ["admin", "moderator", "fresh", "bot10", "bot20", "app"]
    assert labels(kinds=("user", "service")) == ["admin", "moderator", "fresh", "app"]
    assert labels(kinds=("user",), group_id=10, min_admin_level=3) == ["admin"]
    assert labels(group_id=10, min_admin_level=1) == ["admin", "moderator", "bot10"]
    assert labels(kinds=("group",), group_id=10, right="messages") == ["bot10"]
    assert labels(kinds=("group",), group_id=30) == ["bot10", "bot20"]  # public reads work anywhere
    assert labels(right="groups") == ["admin", "fresh", "app"]


def test_ceiling_rps_sums_usable_tokens() -> None:
    pool = TokenPool([entry("u1"), entry("u2"), entry("g", "group", group_id=1),
                      entry("bad", check=TokenCheck(invalid=True))], Tuning(user_rps=3, group_rps=20),
                     budget=MemoryRateBudget())
    assert pool.ceiling_rps(pool.tokens) == 26


def test_reprs_mask_secrets() -> None:
    item = entry("shown")
    token = TokenPool([item], Tuning(), budget=MemoryRateBudget()).tokens[0]
    assert isinstance(token, PooledToken)
    assert item.secret not in repr(token) and mask(item.secret) in repr(token)
    assert item.secret not in repr(item) and mask(item.secret) in repr(item)


def test_execute_counts_as_one_call() -> None:
    harness = Harness([entry("a")], {"a": lambda _label: ok([1, 2])})
    pool = harness.pool
    result = pool.with_fallback(lambda token: token.execute(harness.client, "return [1, 2];"), pool.tokens)
    assert result.response == [1, 2] and harness.pool.tokens[0].calls == 1


def test_second_round_waits_for_cool_down_and_retries() -> None:
    answers = iter([vk_error(6), vk_error(6), ok("late")])
    harness = Harness([entry("a"), entry("b")], {"a": lambda _label: next(answers),
                                                 "b": lambda _label: next(answers)})
    assert harness.run(rounds=2) == "late"
    assert harness.called == ["a", "b", "a"]
    assert harness.clock.now() == pytest.approx(1.0, abs=0.05)


def test_rounds_are_bounded() -> None:
    harness = Harness([entry("a")], {"a": fails(10)})
    with pytest.raises(AllTokensFailed):
        harness.run(rounds=3)
    assert harness.called == ["a", "a", "a"]


def test_error_6_widens_that_tokens_window_up_to_a_cap() -> None:
    from vksync_tui.vk.ratelimit import MAX_SLACK

    harness = Harness([entry("a"), entry("b")], {"a": fails(6)})
    a, b = harness.pool.tokens
    before_a, before_b = a.limiter.window, b.limiter.window
    harness.run()
    assert a.limiter.window > before_a
    assert b.limiter.window == before_b
    for _ in range(20):
        a.limiter.widen()
    assert a.limiter.window == pytest.approx((1 + MAX_SLACK) * a.limiter.capacity / a.rps)


class _SlowToLeave:
    """A client whose request leaves 0.5 s after it was granted (a busy interpreter, a new connection)."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def call(self, method: str, params: object, token: str, *, on_sent: Callable[[], None]) -> int:
        self.clock.advance(0.5)
        on_sent()
        return 1


def test_a_tokens_window_counts_from_when_requests_left_not_from_their_grants() -> None:
    """Three grants at 0 that leave at 0.5, 1.0 and 1.5: the fourth may go only at 0.5 + 1.1, not at 1.1 —
    VK counts arrivals, and sending at 1.1 would make 4 arrivals (0.5, 1.0, 1.1, 1.5) in one second."""
    clock = ManualClock()
    token = TokenPool([entry("a")], Tuning(), budget=MemoryRateBudget(clock), clock=clock).tokens[0]
    client = _SlowToLeave(clock)
    for _ in range(3):
        token.call(client, "users.get", {})  # type: ignore[arg-type]
    assert clock.now() == pytest.approx(1.5)
    assert token.next_free == pytest.approx(0.5 + 1.1)
