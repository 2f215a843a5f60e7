"""Every fault kind as an httpx client sees it, in-process (the socket-level ones: test_server_socket)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.helpers.emulator_http import MAIN_GROUP, Emu, FakeClock, V


@pytest.mark.parametrize(
    ("key", "code"),
    [("error6", 6), ("error9", 9), ("error10", 10), ("error29", 29), ("error36", 36), ("error43", 43)],
)
def test_injected_error_codes(emu_factory: Callable[..., Emu], key: str, code: int) -> None:
    emu = emu_factory(clock=FakeClock(), faults=f"{key}=1")
    error = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)["error"]
    assert error["error_code"] == code
    assert {"key": "method", "value": "groups.getMembers"} in error["request_params"]


def test_captcha_carries_sid_and_image(emu_factory: Callable[..., Emu]) -> None:
    emu = emu_factory(clock=FakeClock(), faults="captcha=1")
    error = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)["error"]
    assert error["error_code"] == 14
    assert error["error_msg"] == "Captcha needed"
    assert error["captcha_sid"].isdigit()
    assert error["captcha_sid"] in error["captcha_img"]


def test_http500_is_an_html_page(emu_factory: Callable[..., Emu]) -> None:
    emu = emu_factory(clock=FakeClock(), faults="http500=1")
    response = emu.http.post("/method/users.get", data={"v": V, "access_token": emu.token("user-admin")})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text


def test_an_answer_over_oversize_html_bytes_is_an_nginx_404_page(emu_factory: Callable[..., Emu]) -> None:
    """VK's front end answers an oversized request with its 404 page (https://github.com/Dementiy/vkR/issues/23)."""
    emu = emu_factory(clock=FakeClock(), faults="oversize_html=2000")
    small = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=10)
    assert small["response"]["items"]
    token = emu.token("user-admin")
    big = emu.http.post("/method/groups.getMembers",
                        data={"v": V, "access_token": token, "group_id": MAIN_GROUP, "count": 1000})
    assert big.status_code == 404 and big.headers["content-type"].startswith("text/html")
    assert "<title>404 Not Found</title>" in big.text and "nginx" in big.text
    error = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=100_000_000, offset="x")
    assert "error" in error  # a small error envelope is answered as it is
    assert emu.app.stats.snapshot()["oversized_pages"] == 1


def test_empty_body(emu_factory: Callable[..., Emu]) -> None:
    emu = emu_factory(clock=FakeClock(), faults="empty=1")
    response = emu.http.post("/method/users.get", data={"v": V, "access_token": emu.token("user-admin")})
    assert response.status_code == 200
    assert response.content == b""


def test_truncate_cuts_the_real_answer_in_half(emu_factory: Callable[..., Emu]) -> None:
    params = {"v": V, "group_id": str(MAIN_GROUP), "count": "50"}
    clean = emu_factory(clock=FakeClock())
    cut = emu_factory(clock=FakeClock(), faults="truncate=1")
    token = clean.token("user-admin")
    whole = clean.http.post("/method/groups.getMembers", data={**params, "access_token": token})
    half = cut.http.post("/method/groups.getMembers", data={**params, "access_token": token})
    assert half.status_code == 200
    assert whole.content.startswith(half.content)
    assert len(half.content) == len(whole.content) // 2
    with pytest.raises(json.JSONDecodeError):
        half.json()


def test_reset_raises_a_connection_error_through_the_wsgi_transport(emu_factory: Callable[..., Emu]) -> None:
    emu = emu_factory(clock=FakeClock(), faults="reset=1")
    with pytest.raises(ConnectionResetError):
        emu.http.post("/method/users.get", data={"v": V, "access_token": emu.token("user-admin")})


def test_timeout_and_delay_hold_the_answer_on_the_clock(emu_factory: Callable[..., Emu]) -> None:
    clock = FakeClock()
    emu = emu_factory(clock=clock, faults="timeout=1,timeout_delay=40,delay=0.05")
    body = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)
    assert "response" in body
    assert clock.slept == [0.05, 40.0]


def test_revoke_after_n_requests(emu_factory: Callable[..., Emu]) -> None:
    clock = FakeClock()
    emu = emu_factory(clock=clock, faults="revoke=user-admin@2")
    outcomes = []
    for _ in range(4):
        body = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)
        outcomes.append(body["error"]["error_msg"] if "error" in body else "ok")
        clock.t += 1
    revoked = "User authorization failed: invalid access_token (4)."
    assert outcomes == ["ok", "ok", revoked, revoked]
    assert "response" in emu.call("groups.getMembers", "user-reader", group_id=MAIN_GROUP, count=1)


def test_an_expired_token_then_a_deactivated_owner_answer_with_vks_envelopes(
    emu_factory: Callable[..., Emu],
) -> None:
    clock = FakeClock()
    emu = emu_factory(clock=clock, faults="expire=user-admin@1,deactivate=user-admin@2")
    errors = []
    for _ in range(3):
        body = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)
        errors.append(body.get("error"))
        clock.t += 1
    assert errors[0] is None
    echo = [{"key": "method", "value": "groups.getMembers"}, {"key": "oauth", "value": "1"},
            {"key": "v", "value": V}, {"key": "group_id", "value": str(MAIN_GROUP)},
            {"key": "count", "value": "1"}]
    assert errors[1] == {"error_code": 1117, "error_msg": "Access token has expired", "request_params": echo}
    assert errors[2] == {"error_code": 3610, "error_msg": "User is deactivated", "request_params": echo}
    assert "response" in emu.call("groups.getMembers", "user-reader", group_id=MAIN_GROUP, count=1)


def test_a_method_quota_answers_29_for_that_method_and_token_until_the_next_day(
    emu_factory: Callable[..., Emu],
) -> None:
    clock = FakeClock()
    emu = emu_factory(clock=clock, faults="quota=user-admin:groups.getMembers@2")
    code = f'return [API.groups.getMembers({{"group_id": {MAIN_GROUP}, "count": 1}}), API.users.get({{}})];'
    batch = emu.call("execute", code=code)  # the inner call counts against the quota, as on VK
    assert batch["response"][0]["items"] and "execute_errors" not in batch
    clock.t += 1
    assert "response" in emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)
    clock.t += 1
    over = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)["error"]
    assert (over["error_code"], over["error_msg"]) == (29, "Rate limit reached")
    clock.t += 1
    inner = emu.call("execute", code=code)
    assert inner["response"][0] is False and inner["response"][1]
    assert inner["execute_errors"] == [{"method": "groups.getMembers", "error_code": 29,
                                        "error_msg": "Rate limit reached"}]
    assert "response" in emu.call("groups.getMembers", "user-reader", group_id=MAIN_GROUP, count=1)
    clock.t = (clock.t // 86_400 + 1) * 86_400  # the emulator's next day
    assert "response" in emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)


def _failing_offsets(emu: Emu, clock: FakeClock, label: str) -> list[int]:
    failing = []
    for offset in range(0, 5000, 100):
        body = emu.call("groups.getMembers", label, group_id=MAIN_GROUP, count=100, offset=offset)
        if "error" in body:
            assert body["error"]["error_code"] == 10
            failing.append(offset)
        clock.t += 1
    return failing


def test_sticky_faults_fail_the_same_calls_on_every_token_and_retry(emu_factory: Callable[..., Emu]) -> None:
    clock = FakeClock()
    emu = emu_factory(clock=clock, faults="sticky=0.3", fault_seed=4)
    first = _failing_offsets(emu, clock, "user-admin")
    assert 5 <= len(first) <= 30
    assert _failing_offsets(emu, clock, "user-reader") == first
    assert _failing_offsets(emu, clock, "group-demo_community") == first
    other_clock = FakeClock()
    fresh = emu_factory(clock=other_clock, faults="sticky=0.3", fault_seed=4)
    assert _failing_offsets(fresh, other_clock, "user-admin") == first


def test_same_seed_same_requests_same_faults(emu_factory: Callable[..., Emu]) -> None:
    def outcomes(seed: int) -> list[str]:
        clock = FakeClock()
        emu = emu_factory(clock=clock, faults="error10=0.2,empty=0.1,truncate=0.1", fault_seed=seed)
        seen = []
        for _ in range(60):
            response = emu.http.post(
                "/method/users.get", data={"v": V, "access_token": emu.token("user-admin"), "user_ids": "1"}
            )
            seen.append(response.text[:20])
            clock.t += 1
        return seen

    assert outcomes(11) == outcomes(11)
    assert outcomes(11) != outcomes(12)
