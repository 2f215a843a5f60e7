"""TokenPool: eligibility, fallback order, cool-down and disable rules, counters, masking."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.helpers.fake_vk import FakeVk, envelope, ok, vk_error
from tests.helpers.token_pool import Harness, entry, fails
from vksync_tui.clock import ManualClock, SystemClock, VirtualClock
from vksync_tui.config import TokenCheck, Tuning
from vksync_tui.secrets import mask
from vksync_tui.vk.budget import MemoryRateBudget, fingerprint
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.errors import AccessDenied, Cancelled, ParamError, VkApiError
from vksync_tui.vk.quotas import QUOTA_DAY_SECONDS, FileQuotaBook, MemoryQuotaBook
from vksync_tui.vk.tokens import AllTokensFailed, PooledToken, TokenPool, TokenUnusable


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
def test_a_refusal_ends_the_call_only_when_the_tokens_agree(code: int, error_type: type) -> None:
    """One token's refusal (its owner may lack access) goes on to the others; only theirs too ends it."""
    harness = Harness([entry("a"), entry("b"), entry("c")], {"a": fails(code)})
    assert harness.run() == {"by": "b"}
    assert harness.called == ["a", "b"]
    harness.behaviour.update({"b": fails(code), "c": lambda _label: vk_error(5)})
    harness.called.clear()
    with pytest.raises(error_type):
        harness.run()  # a and b refuse, c is dead: the tokens that could answer agree
    assert harness.called == ["a", "b", "c"]
    assert [token.state for token in harness.pool.tokens] == ["ok", "ok", "disabled"]


@pytest.mark.parametrize(("code", "message"), [
    (5, "User authorization failed: invalid access_token (4)."),
    (1117, "Access token has expired"),
    (3610, "User is deactivated"),
    (3611, "Service is deactivated for user"),
    (17, "Validation required: please open redirect_uri in browser"),
])
def test_a_dead_token_is_disabled_with_vks_reason_and_never_asked_again(code: int, message: str) -> None:
    harness = Harness([entry("a"), entry("b")], {"a": lambda _label: vk_error(code, message)})
    assert harness.run() == {"by": "b"}
    a = harness.pool.tokens[0]
    assert a.state == "disabled" and message in a.reason
    [(label, state, reason)] = harness.events
    assert (label, state) == ("a", "disabled") and f"VK error {code}" in reason and message in reason
    harness.called.clear()
    for method in ("groups.getMembers", "wall.get", "users.get"):
        assert harness.run(method) == {"by": "b"}
    assert harness.called == ["b", "b", "b"] and a.calls == 1
    assert a.kind == "user"


@pytest.mark.parametrize("code", [1, 10, 13, 36, 43])
def test_a_try_again_code_falls_back_and_leaves_the_token_as_it_was(code: int) -> None:
    harness = Harness([entry("a"), entry("b")], {"a": fails(code)})
    assert harness.run() == {"by": "b"}
    assert harness.pool.tokens[0].state == "ok" and not harness.events
    harness.behaviour.clear()
    harness.called.clear()
    assert harness.run() == {"by": "a"}


class WallClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_spent_quota_leaves_the_token_out_of_that_method_until_the_next_day() -> None:
    """Error 29 is a per-method daily quota: that method is skipped for 24 hours, not re-asked after a
    minute's cool-down, and the token's other methods keep working."""
    wall = WallClock()
    harness = Harness([entry("a"), entry("b")], {"a": fails(29)}, quotas=MemoryQuotaBook(wall))
    assert harness.run("wall.get") == {"by": "b"}
    a = harness.pool.tokens[0]
    assert a.state == "ok" and a.quota_spent_until("wall.get") == wall.now + QUOTA_DAY_SECONDS
    [(label, state, reason)] = harness.events
    assert (label, state) == ("a", "ok") and "quota of wall.get" in reason
    harness.behaviour.clear()
    harness.called.clear()
    harness.clock.advance(3600)
    wall.now += 3600
    assert harness.run("wall.get") == {"by": "b"}
    assert harness.run("groups.getMembers") == {"by": "a"}
    assert harness.called == ["b", "a"]
    wall.now += QUOTA_DAY_SECONDS
    assert harness.run("wall.get") == {"by": "a"}


def test_a_spent_quota_inside_an_execute_is_that_inner_methods() -> None:
    """VK counts an execute's inner calls against their methods' quotas and answers 29 in `execute_errors`."""
    answer = {"response": [False, 7], "execute_errors": [
        {"method": "wall.get", "error_code": 29, "error_msg": "Rate limit reached"}]}
    harness = Harness([entry("a")], {"a": lambda _label: envelope(answer)})
    a = harness.pool.tokens[0]
    result = a.execute(harness.client, "return [API.wall.get(), API.users.get()];",
                       methods=["wall.get", "users.get"])
    assert result.response == [False, 7]
    assert a.quota_spent_until("wall.get") is not None and a.quota_spent_until("users.get") is None
    assert not a.usable_for(["execute", "wall.get"]) and a.usable_for(["execute", "users.get"])


def test_a_spent_quota_is_seen_by_every_process_on_the_home(tmp_path: Path) -> None:
    """The record lives in one 0600 file of the home: a second pool (another process) skips the method at
    once, and a garbled file is read as empty and rewritten."""
    path = tmp_path / "method-quotas.json"
    entries = [entry("a"), entry("b")]
    first = Harness(entries, {"a": fails(29)}, quotas=FileQuotaBook(path))
    first.run("wall.get")
    assert path.stat().st_mode & 0o777 == 0o600
    assert entries[0].secret not in path.read_text() and fingerprint(entries[0].secret) in path.read_text()
    second = Harness(entries, quotas=FileQuotaBook(path))
    assert second.run("wall.get") == {"by": "b"} and second.run("users.get") == {"by": "a"}
    assert second.called == ["b", "a"]
    path.write_text("{not json")
    assert FileQuotaBook(path).spent_until(fingerprint(entries[0].secret), "wall.get") is None
    FileQuotaBook(path).record("k", "wall.get")
    assert json.loads(path.read_text())["k"]["wall.get"] > 0


@pytest.mark.parametrize(("check", "expires_at", "reason"), [
    (TokenCheck(invalid=True, expired=True, last_error="VK error 1117: Access token has expired"), None,
     "expired: VK error 1117: Access token has expired"),
    (TokenCheck(invalid=True, last_error="VK error 3610: User is deactivated"), None,
     "invalid: VK error 3610: User is deactivated"),
    (TokenCheck(), 1.0, "expired: past the expiry VK gave"),
])
def test_a_token_its_last_check_or_its_expiry_calls_dead_starts_disabled(
    check: TokenCheck, expires_at: float | None, reason: str
) -> None:
    harness = Harness([entry("a", check=check, expires_at=expires_at), entry("b")])
    assert harness.pool.tokens[0].state == "disabled" and harness.pool.tokens[0].reason == reason
    assert harness.run() == {"by": "b"} and harness.called == ["b"]


def test_a_request_that_waited_for_its_turn_is_not_sent_once_its_token_died() -> None:
    harness = Harness([entry("a")])
    a = harness.pool.tokens[0]
    a.record_failure(VkApiError(1117, "Access token has expired", "users.get"), "users.get")
    with pytest.raises(TokenUnusable):
        a.call(harness.client, "users.get", {})
    assert harness.called == [] and a.calls == 0


def test_a_tokens_first_request_of_a_method_goes_alone() -> None:
    """Two workers pick the same token at once: the second waits for the first answer, finds the token dead
    and goes to the next one, so the dead token is asked once. (Real threads and real time: the second
    worker is given half a second to reach the dead token, which it never may.)"""
    first_in = threading.Event()
    second_in = threading.Event()
    release = threading.Event()
    arrivals: list[str] = []

    def dead(_label: str) -> httpx.Response:
        arrivals.append("a")
        (second_in if first_in.is_set() else first_in).set()
        release.wait(5)
        return vk_error(1117, "Access token has expired")

    harness = Harness([entry("a"), entry("b")], {"a": dead}, clock=SystemClock())
    results: list[object] = []
    workers = [threading.Thread(target=lambda: results.append(harness.run())) for _ in range(2)]
    workers[0].start()
    assert first_in.wait(5)
    workers[1].start()
    second_in.wait(0.5)
    release.set()
    for worker in workers:
        worker.join(10)
    assert arrivals == ["a"] and results == [{"by": "b"}, {"by": "b"}]


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
    fake = FakeVk(lambda method, form: vk_error(9))
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
