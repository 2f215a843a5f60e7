"""The mailing sync's projected getConversations (chained `@.` paths, a second array, the kept count) against
the emulator's real VKScript: the execute slot equals the whole answer projected, failures stay paired, and a
misaligned slot is noticed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from vksync_tui.emulator.app import make_app
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.world import World
from vksync_tui.sync.mailing import CONVERSATIONS_PROJECTION
from vksync_tui.sync.users_refresh import PROFILE_FIELDS
from vksync_tui.vk.client import ExecuteResult, VkClient
from vksync_tui.vk.errors import TransientError
from vksync_tui.vk.execute import ApiCall, Projected, Projection, build_script, map_results, projected

GROUP_ID = 4343
UNLIMITED = {"user": 1000, "group": 1000, "service": 1000}  # these tests are about answers, not rates
Served = tuple[VkClient, str]


@pytest.fixture(scope="module")
def vk() -> Iterator[Served]:
    spec = WorldSpec(communities=[CommunitySpec(GROUP_ID, "dialogs", "Dialogs", members=2000, dialogs=450)])
    world = World.generate(5, spec)
    token = next(t.token for t in world.tokens if t.kind == "group" and t.group_id == GROUP_ID
                 and "messages" in t.rights)
    transport = httpx.WSGITransport(app=make_app(world, rps=UNLIMITED))
    with VkClient("http://vk.test/method/", transport=transport) as client:
        yield client, token


def page(offset: int, projection: Projection | None = CONVERSATIONS_PROJECTION, **extra: object) -> ApiCall:
    params = {"group_id": GROUP_ID, "offset": offset, "count": 200, "extended": 1,
              "fields": ",".join(PROFILE_FIELDS), **extra}
    return ApiCall("messages.getConversations", params, projection)


def test_chained_paths_and_a_second_array_make_a_plain_script() -> None:
    projection = Projection(("peer.id", "date"), array="items", keep=("count",),
                            more=(Projection(("id",), array="profiles"),))
    assert projection.expression("c0") == (
        '{"projected_columns": [c0.items@.peer@.id, c0.items@.date], "projected_kept": [c0.count], '
        '"projected_more": [[c0.profiles@.id]]}'
    )


@pytest.mark.parametrize("bad", [("peer.id); API.account.ban({",), ("peer..id",), ("peer.",)])
def test_path_steps_cannot_inject_code(bad: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        Projection(bad)


def test_a_further_array_names_its_array_and_only_fields() -> None:
    with pytest.raises(ValueError):
        Projection(("id",), array="items", more=(Projection(("id",)),))
    with pytest.raises(ValueError):
        Projection(("id",), array="items", more=(Projection(("id",), array="profiles", keep=("count",)),))


def test_projected_pages_equal_whole_answers_and_failures_stay_paired(vk: Served) -> None:
    client, token = vk
    calls = [page(0), page(0, filter="nonsense"), page(400), page(200, projection=None)]
    outcomes = map_results(client.execute(build_script(calls), token), calls)
    assert [outcome.ok for outcome in outcomes] == [True, False, True, True]
    for outcome in (outcomes[0], outcomes[2]):
        whole = client.call(outcome.call.method, outcome.call.params, token)
        assert isinstance(outcome.value, Projected) and outcome.value.aligned
        assert outcome.value == projected(outcome.call, whole)
        ids = [item["conversation"]["peer"]["id"] for item in whole["items"]]
        assert outcome.value.columns[0] == ids
        assert outcome.value.columns[6] == [item["last_message"]["date"] for item in whole["items"]]
        assert outcome.value.kept == {"count": 450}
        assert outcome.value.more[0].columns[0] == [profile["id"] for profile in whole["profiles"]]
    assert outcomes[2].value.length == 50
    assert isinstance(outcomes[3].value, dict) and len(outcomes[3].value["items"]) == 200


def test_an_answer_without_profiles_has_no_profile_rows(vk: Served) -> None:
    client, token = vk
    calls = [page(0, extended=0)]
    (outcome,) = map_results(client.execute(build_script(calls), token), calls)
    whole = client.call(calls[0].method, calls[0].params, token)
    assert "profiles" not in whole
    assert outcome.value == projected(calls[0], whole)
    assert outcome.value.length == 200 and outcome.value.more[0].length == 0 and outcome.value.aligned


def test_misaligned_or_malformed_further_columns() -> None:
    call = page(0)
    columns = [[1, 2]] * len(CONVERSATIONS_PROJECTION.fields)
    profiles = [[1, 2]] * (len(CONVERSATIONS_PROJECTION.more[0].fields) - 1) + [[1]]
    slot = {"projected_columns": columns, "projected_kept": [2], "projected_more": [profiles]}
    (outcome,) = map_results(ExecuteResult([slot]), [call])
    assert outcome.value.length == 2 and not outcome.value.aligned
    for broken in ({**slot, "projected_more": []}, {**slot, "projected_more": [[[1, 2]]]}):
        with pytest.raises(TransientError):
            map_results(ExecuteResult([broken]), [call])
    assert call.unprojected() == ApiCall(call.method, call.params)
