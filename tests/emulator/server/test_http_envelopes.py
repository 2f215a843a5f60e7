"""`/method/<name>` over httpx.WSGITransport: envelopes, parameter sources, auth, the per-second window."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import vksync_tui.emulator.app as app_module
from tests.helpers.emulator_http import MAIN_GROUP, Emu, FakeClock, V, main_count


def test_success_envelope_is_the_methods_response(emu: Emu) -> None:
    body = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=10)
    assert set(body) == {"response"}
    assert body["response"]["count"] == main_count(emu.world)
    assert len(body["response"]["items"]) == 10


def test_query_form_multipart_and_bearer_give_the_same_answer(emu: Emu) -> None:
    token = emu.token("group-demo_community")
    params = {"group_id": str(MAIN_GROUP), "count": "5", "offset": "100", "v": V}
    by_query = emu.http.get("/method/groups.getMembers", params={**params, "access_token": token}).json()
    by_form = emu.http.post("/method/groups.getMembers", data={**params, "access_token": token}).json()
    by_multipart = emu.http.post(
        "/method/groups.getMembers",
        data={**params, "access_token": token},
        files={"unused": ("a.txt", b"file parts are not parameters")},
    ).json()
    by_bearer = emu.http.post(
        "/method/groups.getMembers", data=params, headers={"Authorization": f"Bearer {token}"}
    ).json()
    mixed = emu.http.post(
        "/method/groups.getMembers",
        params={"v": V, "group_id": str(MAIN_GROUP)},
        data={"count": "5", "offset": "100", "access_token": token},
    ).json()
    assert "response" in by_query
    assert by_query == by_form == by_multipart == by_bearer == mixed


def test_error_envelope_echoes_params_without_the_token(emu: Emu) -> None:
    token = emu.token("user-admin")
    response = emu.http.post(
        "/method/no.suchMethod", data={"v": V, "access_token": token, "group_id": "5", "fields": "sex,city"}
    )
    assert response.status_code == 200
    error = response.json()["error"]
    assert error["error_code"] == 3
    assert error["error_msg"].startswith("Unknown method passed")
    assert error["request_params"] == [
        {"key": "method", "value": "no.suchMethod"},
        {"key": "oauth", "value": "1"},
        {"key": "v", "value": V},
        {"key": "group_id", "value": "5"},
        {"key": "fields", "value": "sex,city"},
    ]
    assert token not in response.text


def test_missing_version_is_error_8(emu: Emu) -> None:
    response = emu.http.post(
        "/method/groups.getMembers",
        data={"access_token": emu.token("user-admin"), "group_id": str(MAIN_GROUP)},
    )
    error = response.json()["error"]
    assert error["error_code"] == 8
    assert error["error_msg"] == "Invalid request: v (version) is required"
    assert {"key": "v", "value": V} not in error["request_params"]


def test_json_bodies_are_not_read(emu: Emu) -> None:
    token = emu.token("user-admin")
    response = emu.http.post(
        "/method/groups.getMembers", json={"v": V, "access_token": token, "group_id": MAIN_GROUP}
    )
    assert response.json()["error"]["error_code"] == 8
    with_query_auth = emu.http.post(
        "/method/groups.getMembers", params={"v": V, "access_token": token}, json={"group_id": MAIN_GROUP}
    ).json()
    assert "error" in with_query_auth
    assert {"key": "group_id", "value": str(MAIN_GROUP)} not in with_query_auth["error"]["request_params"]
    assert token not in str(with_query_auth)


def test_missing_and_unknown_tokens_are_error_5(emu: Emu) -> None:
    missing = emu.call("groups.getMembers", label=None, group_id=MAIN_GROUP)["error"]
    assert missing["error_code"] == 5
    assert missing["error_msg"] == "User authorization failed: no access_token passed."
    unknown = emu.http.post(
        "/method/groups.getMembers", data={"v": V, "access_token": "vk1.a.not-a-real-token", "group_id": "1"}
    ).json()["error"]
    assert unknown["error_code"] == 5
    assert unknown["error_msg"] == "User authorization failed: invalid access_token (4)."
    assert "vk1.a.not-a-real-token" not in str(unknown)


def test_burst_of_ten_in_100ms_gives_three_ok_and_seven_error_6_per_user_token(
    emu_factory: Callable[..., Emu],
) -> None:
    clock = FakeClock()
    emu = emu_factory(clock=clock)
    codes = []
    for _ in range(10):
        body = emu.call("groups.getMembers", "user-admin", group_id=MAIN_GROUP, count=1)
        codes.append(body["error"]["error_code"] if "error" in body else "ok")
        clock.t += 0.01
    assert codes == ["ok"] * 3 + [6] * 7
    assert "response" in emu.call("groups.getMembers", "user-reader", group_id=MAIN_GROUP, count=1)
    clock.t += 0.905  # now = +1.005: only the first accepted request (at +0.00) has left the window
    assert "response" in emu.call("groups.getMembers", "user-admin", group_id=MAIN_GROUP, count=1)
    rejected = emu.call("groups.getMembers", "user-admin", group_id=MAIN_GROUP, count=1)
    assert rejected["error"]["error_code"] == 6
    assert emu.app.stats.snapshot()["by_token"]["user-admin"]["errors_by_code"] == {"6": 8}


def test_community_tokens_get_twenty_per_second(emu_factory: Callable[..., Emu]) -> None:
    emu = emu_factory(clock=FakeClock())
    bodies = [
        emu.call("groups.getMembers", "group-demo_community", group_id=MAIN_GROUP, count=1) for _ in range(25)
    ]
    assert sum("response" in body for body in bodies) == 20
    assert [body["error"]["error_code"] for body in bodies if "error" in body] == [6] * 5


def test_daily_quota_gives_error_29(emu_factory: Callable[..., Emu]) -> None:
    clock = FakeClock()
    emu = emu_factory(clock=clock, daily_quotas={"groups.getMembers": 2})
    outcomes = []
    for _ in range(3):
        body = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)
        outcomes.append(body.get("error", {}).get("error_code", "ok"))
        clock.t += 1
    assert outcomes == ["ok", "ok", 29]


def test_an_emulator_bug_is_an_http_500_and_a_logged_traceback(
    emu: Emu, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug in a method")

    monkeypatch.setattr(app_module, "call_method", broken)  # no real method fails on demand
    monkeypatch.setattr(app_module, "call_method_json", broken)
    response = emu.http.post(
        "/method/users.get", data={"v": V, "access_token": emu.token("user-admin"), "user_ids": "1"}
    )
    assert response.status_code == 500
    assert "bug in a method" in caplog.text
    assert emu.token("user-admin") not in caplog.text
