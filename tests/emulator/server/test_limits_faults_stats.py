"""Unit behaviour of the emulator's rate limits, fault spec and statistics (no HTTP involved)."""

from __future__ import annotations

import pytest

from vksync_tui.clock import ManualClock
from vksync_tui.emulator.faults import FaultInjector, FaultSpec, Quota, TokenPhase
from vksync_tui.emulator.limits import RateLimits
from vksync_tui.emulator.stats import EmulatorStats


def test_window_admits_three_per_second_for_a_user_token_and_rejections_do_not_count() -> None:
    clock = ManualClock(1000.0)
    limits = RateLimits(clock)
    outcomes = []
    for _ in range(10):
        outcomes.append(limits.admit("u", "user"))
        clock.advance(0.01)
    assert outcomes == [True] * 3 + [False] * 7
    clock.advance_to(1000.0 + 1.0)  # the first accepted request (at 1000.00) leaves the window exactly now
    assert limits.admit("u", "user") is True
    assert limits.admit("u", "user") is False


def test_group_tokens_get_twenty_and_service_rate_is_configurable() -> None:
    clock = ManualClock(1000.0)
    limits = RateLimits(clock, rps={"service": 5})
    assert sum(limits.admit("g", "group") for _ in range(25)) == 20
    assert sum(limits.admit("s", "service") for _ in range(25)) == 5
    assert sum(limits.admit("u", "user") for _ in range(25)) == 3


def test_daily_quota_per_token_and_method_resets_after_a_day() -> None:
    clock = ManualClock(1000.0)
    limits = RateLimits(clock, daily_quotas={"wall.get": 2})
    assert [limits.charge_daily("a", "wall.get") for _ in range(3)] == [True, True, False]
    assert limits.charge_daily("b", "wall.get") is True
    assert limits.charge_daily("a", "users.get") is True
    clock.advance(86_400)
    assert limits.charge_daily("a", "wall.get") is True


def test_fault_spec_parses_every_key_and_prints_canonically() -> None:
    spec = FaultSpec.parse(
        "error6=0.05, error9=0.01,error10=0.02,error29=0.01,http500=0.02,timeout=0.01,reset=0.01,"
        "truncate=0.01,empty=0.01,inner_false=0.05,captcha=0.001,sticky=0.1,revoke=main@40,"
        "revoke=vk1.abc@3,delay=0.05,timeout_delay=2,oversize_html=300000,error36=0.02,error43=0.03,"
        "expire=a@4,deactivate=a@9,quota=b:wall.get@100,quota=vk1.c:users.get@7,error36=b@2,error43=b@5"
    )
    assert spec.request_faults["captcha"] == 0.001
    assert spec.inner_false == 0.05 and spec.sticky == 0.1 and spec.delay == 0.05 and spec.timeout_delay == 2
    assert spec.token_phases == (TokenPhase("revoke", "main", 40), TokenPhase("revoke", "vk1.abc", 3),
                                 TokenPhase("expire", "a", 4), TokenPhase("deactivate", "a", 9),
                                 TokenPhase("error36", "b", 2), TokenPhase("error43", "b", 5))
    assert spec.quotas == (Quota("b", "wall.get", 100), Quota("vk1.c", "users.get", 7))
    assert spec.request_faults["error36"] == 0.02 and spec.request_faults["error43"] == 0.03
    assert spec.oversize_html == 300_000
    assert FaultSpec.parse(str(spec)) == spec
    assert str(FaultSpec.parse("")) == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("error6", "not key=value"),
        ("error36=b", "not a number"),
        ("error36=b@", "error36=LABEL@N"),
        ("error7=0.1", "unknown fault spec key 'error7'"),
        ("error6=x", "not a number"),
        ("error6=1.5", "between 0 and 1"),
        ("error6=0.6,http500=0.6", "add up to 1.2"),
        ("revoke=main", "revoke=LABEL@N"),
        ("revoke=main@x", "revoke=LABEL@N"),
        ("delay=-1", "cannot be negative"),
        ("sticky=0.1,sticky=0.2", "given twice"),
        ("oversize_html=0", "positive number of bytes"),
        ("expire=a", "expire=LABEL@N"),
        ("quota=a@5", "quota=LABEL:METHOD@N"),
        ("quota=a:wall.get@x", "quota=LABEL:METHOD@N"),
        ("oversize_html=5MB", "positive number of bytes"),
    ],
)
def test_bad_fault_specs_raise_a_clear_value_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        FaultSpec.parse(text)


def test_same_seed_gives_the_same_fault_sequence_and_rates_are_roughly_right() -> None:
    spec = FaultSpec.parse("error6=0.2,http500=0.1,inner_false=0.3")
    first, second, other = FaultInjector(spec, 7), FaultInjector(spec, 7), FaultInjector(spec, 8)
    draws = [first.draw_request_fault() for _ in range(2000)]
    assert draws == [second.draw_request_fault() for _ in range(2000)]
    assert draws != [other.draw_request_fault() for _ in range(2000)]
    assert 300 < draws.count("error6") < 500
    assert 120 < draws.count("http500") < 280
    assert 480 < sum(first.draw_inner_false() for _ in range(2000)) < 720


def test_sticky_is_a_stable_function_of_method_and_params_without_token() -> None:
    injector = FaultInjector(FaultSpec.parse("sticky=0.1"), 3)
    keys = [{"group_id": "1", "offset": str(offset), "count": "1000"} for offset in range(0, 1_000_000, 1000)]
    failing = [params for params in keys if injector.is_sticky("groups.getMembers", params)]
    assert 60 < len(failing) < 140
    again = FaultInjector(FaultSpec.parse("sticky=0.1"), 3)
    for params in failing:
        assert again.is_sticky("groups.getMembers", {**params, "access_token": "other", "v": "5.131"})
    assert FaultInjector(FaultSpec.parse(""), 3).is_sticky("groups.getMembers", failing[0]) is False


def _ends(injector: FaultInjector, label: str, token: str, requests: int) -> list[str | None]:
    return [phase.key if phase else None
            for phase in (injector.token_phase(label, token) for _ in range(requests))]


def test_revoke_counts_requests_per_label_or_token_string() -> None:
    injector = FaultInjector(FaultSpec.parse("revoke=main@2,revoke=tok-b@1"), 0)
    assert _ends(injector, "main", "tok-a", 4) == [None, None, "revoke", "revoke"]
    assert _ends(injector, "b", "tok-b", 2) == [None, "revoke"]
    assert injector.token_phase("other", "tok-c") is None


def test_a_token_answers_the_latest_end_it_has_outlived() -> None:
    injector = FaultInjector(FaultSpec.parse("expire=a@0,deactivate=a@2,revoke=b@1"), 0)
    assert _ends(injector, "a", "tok-a", 4) == ["expire", "expire", "deactivate", "deactivate"]
    assert _ends(injector, "b", "tok-b", 2) == [None, "revoke"]


def test_a_token_can_answer_one_error_code_to_every_request_from_its_nth_on() -> None:
    injector = FaultInjector(FaultSpec.parse("error36=b@1,error43=b@3,error36=0.0"), 0)
    assert _ends(injector, "b", "tok-b", 5) == [None, "error36", "error36", "error43", "error43"]
    assert _ends(injector, "c", "tok-c", 2) == [None, None]
    assert injector.spec.request_faults == {"error36": 0.0}


def test_a_method_quota_is_per_token_and_method_and_lasts_until_the_next_day() -> None:
    injector = FaultInjector(FaultSpec.parse("quota=a:wall.get@2"), 0)
    day = 86_400.0
    morning, evening = 5 * day + 100, 6 * day - 1
    assert [injector.charge_quota("a", "tok-a", "wall.get", morning) for _ in range(3)] == [True, True, False]
    assert injector.charge_quota("a", "tok-a", "wall.get", evening) is False  # the same day
    assert injector.charge_quota("a", "tok-a", "users.get", evening) is True  # another method
    assert injector.charge_quota("b", "tok-b", "wall.get", evening) is True  # another token
    assert injector.charge_quota("a", "tok-a", "wall.get", 6 * day) is True  # the next day


def test_stats_max_rps_counts_arrivals_in_any_one_second_window() -> None:
    clock = ManualClock(1000.0)
    stats = EmulatorStats(clock)
    for step in (0.0, 0.1, 0.2, 0.3, 1.5, 1.6, 3.0):
        clock.advance_to(1000.0 + step)
        stats.record_request("groups.getMembers", "main")
    stats.record_request("execute", None)
    stats.record_inner_call("users.get", "main")
    stats.record_error(6, "main")
    snapshot = stats.snapshot()
    assert snapshot["requests"] == 8
    assert snapshot["inner_calls"] == 1
    assert snapshot["by_method"] == {"groups.getMembers": 7, "execute": 1, "users.get": 1}
    assert snapshot["errors_by_code"] == {"6": 1}
    main = snapshot["by_token"]["main"]
    assert main["max_rps"] == 4
    assert main["requests"] == 7
    assert main["by_method"] == {"groups.getMembers": 7, "users.get": 1}
    assert main["errors_by_code"] == {"6": 1}
    stats.reset()
    assert stats.snapshot()["requests"] == 0
