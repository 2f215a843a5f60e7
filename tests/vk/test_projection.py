"""Projected execute calls (`@.` columns) against the emulator's real VKScript: same data as whole answers,
inner failures still paired with their calls, and plain scripts unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from vksync_tui.emulator.app import make_app
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.world import World
from vksync_tui.vk.client import ExecuteResult, VkClient
from vksync_tui.vk.errors import InvalidUserId, TransientError
from vksync_tui.vk.execute import ApiCall, Projected, Projection, build_script, map_results, projected

GROUP_ID = 4242
USERS = Projection(("id", "first_name", "city", "last_seen", "deactivated", "is_closed"))
REPOSTS = Projection(("owner_id", "date"), array="items")
UNLIMITED = {"user": 1000, "group": 1000, "service": 1000}  # these tests are about answers, not rates


@pytest.fixture(scope="module")
def vk() -> Iterator[tuple[VkClient, str, World]]:
    spec = WorldSpec(communities=[CommunitySpec(GROUP_ID, "proj", "Projection", members=3000, posts=60,
                                                popular_posts=2)])
    world = World.generate(3, spec)
    token = next(t.token for t in world.tokens if t.label == "user-admin")
    transport = httpx.WSGITransport(app=make_app(world, rps=UNLIMITED))
    with VkClient("http://vk.test/method/", transport=transport) as client:
        yield client, token, world


def users_call(ids: object, projection: Projection | None = USERS) -> ApiCall:
    return ApiCall("users.get", {"user_ids": ids, "fields": "city,last_seen"}, projection)


def test_plain_batches_keep_the_plain_script() -> None:
    script = build_script([ApiCall("users.get", {"user_ids": 1})])
    assert script == 'return [API.users.get({"user_ids": 1})];'


def test_projected_script_assigns_in_call_order_and_keeps_false() -> None:
    script = build_script([users_call([1, 2]), ApiCall("likes.getList", {"item_id": 3})])
    assert script == (
        'var c0 = API.users.get({"user_ids": "1,2", "fields": "city,last_seen"}); '
        'if (c0) { c0 = {"projected_columns": [c0@.id, c0@.first_name, c0@.city, c0@.last_seen, '
        'c0@.deactivated, c0@.is_closed], "projected_kept": []}; } '
        'var c1 = API.likes.getList({"item_id": 3}); return [c0, c1];'
    )


@pytest.mark.parametrize("bad", [("id); API.account.ban({",), ("",), ()])
def test_projection_names_cannot_inject_code(bad: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        Projection(bad)


Served = tuple[VkClient, str, World]


def test_projected_users_equal_whole_answers_and_failures_stay_paired(vk: Served) -> None:
    client, token, _ = vk
    ids = list(range(1_000_001, 1_000_301))
    calls = [users_call(ids[:150]), users_call("not-an-id!"), users_call(ids[150:]),
             users_call(ids[:5], projection=None)]
    outcomes = map_results(client.execute(build_script(calls), token), calls)
    assert [outcome.ok for outcome in outcomes] == [True, False, True, True]
    assert isinstance(outcomes[1].error, InvalidUserId)
    for outcome, part in ((outcomes[0], ids[:150]), (outcomes[2], ids[150:])):
        whole = client.call("users.get", {"user_ids": part, "fields": "city,last_seen"}, token)
        assert isinstance(outcome.value, Projected) and outcome.value.aligned
        assert outcome.value == USERS.extract(whole) == projected(outcome.call, whole)
        assert outcome.value.columns[0] == part
    assert isinstance(outcomes[3].value, list) and outcomes[3].value[0]["id"] == ids[0]


def test_projected_reposts_equal_the_whole_page(vk: Served) -> None:
    client, token, _ = vk
    posts = client.call("wall.get", {"owner_id": -GROUP_ID, "count": 100}, token)["items"]
    reposted = max(posts, key=lambda post: post["reposts"]["count"])
    assert reposted["reposts"]["count"] > 0
    params = {"owner_id": -GROUP_ID, "post_id": reposted["id"], "offset": 0, "count": 1000}
    calls = [ApiCall("wall.getReposts", params, REPOSTS), ApiCall("wall.getReposts", params, REPOSTS)]
    outcomes = map_results(client.execute(build_script(calls), token), calls)
    whole = client.call("wall.getReposts", params, token)
    page = outcomes[0].value
    assert page == outcomes[1].value == REPOSTS.extract(whole)
    assert page.length == len(whole["items"]) > 0
    assert list(page.columns[0]) == [item["owner_id"] for item in whole["items"]]


def test_kept_keys_and_misaligned_or_malformed_columns() -> None:
    counted = Projection(("owner_id",), array="items", keep=("count", "next_from"))
    call = ApiCall("wall.getReposts", {"post_id": 1}, counted)
    value = {"projected_columns": [[5, 6]], "projected_kept": [2, None]}
    (outcome,) = map_results(ExecuteResult([value]), [call])
    assert outcome.value == Projected(([5, 6],), {"count": 2, "next_from": None})
    assert counted.extract({"count": 2, "items": [{"owner_id": 5}, {"owner_id": 6}]}) == outcome.value
    two = Projection(("owner_id", "date"), array="items")
    skewed = map_results(ExecuteResult([{"projected_columns": [[5, 6], [1]], "projected_kept": []}]),
                         [ApiCall("wall.getReposts", {}, two)])[0].value
    assert not skewed.aligned
    with pytest.raises(TransientError):
        map_results(ExecuteResult([{"projected_columns": [[5]], "projected_kept": []}]),
                    [ApiCall("wall.getReposts", {}, two)])
    with pytest.raises(TransientError):
        two.extract({"no_items": []})
