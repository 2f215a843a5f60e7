"""The `/_emu/` control endpoints and scheduled churn."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.helpers.emulator_http import MAIN_GROUP, Emu, FakeClock, V, main_count
from vksync_tui.emulator.world import World


def test_groups_and_tokens(emu: Emu) -> None:
    groups = emu.http.get("/_emu/groups").json()["groups"]
    assert groups[0]["id"] == MAIN_GROUP and groups[0]["members_count"] == main_count(emu.world)
    assert 5000 <= groups[0]["members_count"] < 5100
    tokens = emu.http.get("/_emu/tokens").json()["tokens"]
    assert {token["label"] for token in tokens} >= {"user-admin", "group-demo_community", "service"}
    assert {token["token"] for token in tokens} == {info.token for info in emu.world.tokens}


def test_control_endpoints_refuse_remote_clients(emu: Emu) -> None:
    remote = httpx.Client(
        transport=httpx.WSGITransport(app=emu.app, remote_addr="192.0.2.10"), base_url="http://emu.test"
    )
    response = remote.get("/_emu/tokens")
    assert response.status_code == 403
    assert emu.token("user-admin") not in response.text


def test_truth_of_members_matches_what_the_api_pages_out(emu: Emu) -> None:
    truth = emu.http.get("/_emu/truth/members", params={"group_id": MAIN_GROUP}).json()
    body = emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1000)
    assert truth["ids"][:1000] == body["response"]["items"]
    assert len(truth["ids"]) == body["response"]["count"]
    assert emu.http.get("/_emu/truth/members").status_code == 400
    assert emu.http.get("/_emu/truth/nonsense", params={"group_id": MAIN_GROUP}).status_code == 400
    assert emu.http.get("/_emu/truth/members", params={"group_id": 1}).status_code == 404
    assert emu.http.get("/_emu/truth/members", params={"group_id": MAIN_GROUP, "ids": "x"}).status_code == 400


def test_churn_members_and_posts(
    emu_factory: Callable[..., Emu], small_world_factory: Callable[[], World]
) -> None:
    emu = emu_factory(clock=FakeClock(), own_world=small_world_factory())
    before = main_count(emu.world)
    response = emu.http.post("/_emu/churn", json={"group_id": MAIN_GROUP, "join": 7, "leave": 4})
    churned = response.json()
    assert len(churned["joined"]) == 7 and len(churned["left"]) == 4
    assert emu.call("groups.getMembers", group_id=MAIN_GROUP, count=1)["response"]["count"] == before + 3
    posts = emu.http.post("/_emu/churn", json={"group_id": MAIN_GROUP, "posts": 2, "likes": 5}).json()
    assert len(posts["posts"]) == 2 and posts["likes"] == 5
    assert emu.http.post("/_emu/churn", json={"group_id": 1, "join": 1}).status_code == 404
    assert emu.http.post("/_emu/churn", content=b"not json").status_code == 400


def test_faults_can_be_read_and_replaced(emu: Emu) -> None:
    assert emu.http.get("/_emu/faults").json() == {"faults": ""}
    replaced = emu.http.post("/_emu/faults", content=b"error10=1, revoke=user-admin@5")
    assert replaced.json() == {"faults": "error10=1,revoke=user-admin@5"}
    assert emu.call("users.get", user_ids=1)["error"]["error_code"] == 10
    bad = emu.http.post("/_emu/faults", content=b"error11=0.5")
    assert bad.status_code == 400 and "unknown fault spec key" in bad.json()["error"]
    assert emu.http.get("/_emu/faults").json() == {"faults": "error10=1,revoke=user-admin@5"}
    assert emu.http.post("/_emu/faults", content=b"").json() == {"faults": ""}
    assert "response" in emu.call("users.get", user_ids=1)


def test_stats_and_reset(emu_factory: Callable[..., Emu]) -> None:
    clock = FakeClock()
    emu = emu_factory(clock=clock)
    for step in range(5):
        emu.call("users.get", "group-demo_community", user_ids=1)
        clock.t += 0.1 if step < 4 else 2.0
    emu.call("users.get", label=None, user_ids=1)
    stats = emu.http.get("/_emu/stats").json()
    assert stats["requests"] == 6
    assert stats["by_method"] == {"users.get": 6}
    assert stats["errors_by_code"] == {"5": 1}
    assert stats["by_token"]["group-demo_community"]["max_rps"] == 5
    assert emu.http.post("/_emu/reset-stats").json() == {"ok": True}
    assert emu.http.get("/_emu/stats").json()["requests"] == 0


def test_unknown_control_path_is_404(emu: Emu) -> None:
    assert emu.http.get("/_emu/nope").status_code == 404
    assert emu.http.get("/elsewhere").status_code == 404


def test_scheduled_churn_changes_members_while_paging(
    emu_factory: Callable[..., Emu], small_world_factory: Callable[[], World]
) -> None:
    clock = FakeClock()
    emu = emu_factory(
        clock=clock, own_world=small_world_factory(), churn_every=2, churn_join=10, churn_leave=3
    )
    base = main_count(emu.world)
    counts = []
    for _ in range(6):
        response = emu.http.post(
            "/method/groups.getMembers",
            data={"v": V, "access_token": emu.token("user-admin"), "group_id": str(MAIN_GROUP), "count": "1"},
        )
        counts.append(response.json()["response"]["count"])
        clock.t += 1
    assert [count - base for count in counts] == [0, 7, 7, 14, 14, 21]
