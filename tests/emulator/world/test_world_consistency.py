"""Counters match their lists, same seed = same world, churn shifts offsets like VK, truth agrees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.default_world import MAIN, SMALL
from vksync_tui.emulator.methods import call_method
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.truth import truth
from vksync_tui.emulator.world import World


def _page_all(world: World, method: str, params: dict[str, str], token: TokenInfo, page: int) -> list[Any]:
    """Every item of a list method, paged by offset until a short page (wall.getReposts has no count)."""
    items: list[Any] = []
    while True:
        answer = call_method(world, method, {**params, "offset": str(len(items)), "count": str(page)}, token)
        items.extend(answer["items"])
        if len(answer["items"]) < page:
            return items


def _small_world(seed: int = 3) -> World:
    return World.generate(
        seed,
        WorldSpec(
            communities=[
                CommunitySpec(
                    id=5001,
                    screen_name="tiny",
                    name="Tiny",
                    members=3000,
                    posts=60,
                    popular_posts=1,
                    dialogs=40,
                ),
                CommunitySpec(id=5002, screen_name="other", name="Other", members=500, posts=5, dialogs=5),
            ]
        ),
    )


def test_post_counters_match_their_lists(world: World, tokens: dict[str, TokenInfo]) -> None:
    admin = tokens["user-admin"]
    wall = world.communities[MAIN].wall
    checked = [min(wall.popular), *list(wall.post_ids[-40:])]
    for post_id in checked:
        post = call_method(world, "wall.getById", {"posts": f"-{MAIN}_{post_id}"}, admin)["items"][0]
        base = {"owner_id": f"-{MAIN}"}
        likes = _page_all(
            world, "likes.getList", {**base, "type": "post", "item_id": str(post_id)}, admin, 1000
        )
        assert post["likes"]["count"] == len(likes) == len(set(likes))
        reposts = _page_all(world, "wall.getReposts", {**base, "post_id": str(post_id)}, admin, 1000)
        assert post["reposts"]["wall_count"] == len(reposts)
        assert post["reposts"]["count"] == post["reposts"]["wall_count"] + post["reposts"]["mail_count"]
        copies = _page_all(
            world,
            "likes.getList",
            {**base, "type": "post", "item_id": str(post_id), "filter": "copies"},
            admin,
            1000,
        )
        assert copies == [r["owner_id"] for r in reposts]
        top = _page_all(world, "wall.getComments", {**base, "post_id": str(post_id)}, admin, 100)
        replies = sum(
            len(
                _page_all(
                    world,
                    "wall.getComments",
                    {**base, "post_id": str(post_id), "comment_id": str(c["id"])},
                    admin,
                    100,
                )
            )
            for c in top
            if c["thread"]["count"]
        )
        assert post["comments"]["count"] == len(top) + replies
        assert post["views"]["count"] >= post["likes"]["count"]


def test_popular_posts_are_popular_and_pinned_comes_first(world: World, tokens: dict[str, TokenInfo]) -> None:
    wall = world.communities[MAIN].wall
    for post_id in wall.popular:
        post = wall.post_object(post_id, admin=False, now=world.now)
        assert post["likes"]["count"] > 1000 and post["reposts"]["wall_count"] > 1000
        assert post["comments"]["count"] > 100
        tree = wall.comment_tree(wall.plan(post_id))
        assert any(len(replies) > 10 for _, replies in tree), "threads longer than thread_items_count"
    first = call_method(world, "wall.get", {"owner_id": f"-{MAIN}", "count": "3"}, tokens["service"])["items"]
    assert first[0].get("is_pinned") == 1 and "is_pinned" not in first[1]
    assert first[1]["date"] > first[2]["date"]
    likers = wall.likers(min(wall.popular))
    assert all(uid != 0 for uid in likers)


def test_thread_items_and_thread_paging(world: World, tokens: dict[str, TokenInfo]) -> None:
    wall = world.communities[MAIN].wall
    post_id = min(wall.popular)
    top, replies = next((t, r) for t, r in wall.comment_tree(wall.plan(post_id)) if len(r) > 10)
    params = {"owner_id": f"-{MAIN}", "post_id": str(post_id), "count": "100", "thread_items_count": "25"}
    answer = call_method(world, "wall.getComments", params, tokens["service"])
    item = next(c for c in answer["items"] if c["id"] == top.comment_id)
    assert item["thread"]["count"] == len(replies) and len(item["thread"]["items"]) == 10
    assert answer["current_level_count"] < answer["count"]
    thread = call_method(
        world, "wall.getComments", {**params, "comment_id": str(top.comment_id)}, tokens["service"]
    )
    assert [c["id"] for c in thread["items"]] == [r.comment_id for r in replies]
    assert all(c["parents_stack"] == [top.comment_id] for c in thread["items"])


def test_same_seed_same_world_other_seed_other_world() -> None:
    def fingerprint(world: World) -> tuple[Any, ...]:
        community = world.communities[5001]
        token = next(t for t in world.tokens if t.kind == "service")
        posts = call_method(world, "wall.get", {"owner_id": "-5001", "count": "100"}, token)
        return (
            list(community.members.ids),
            [t.token for t in world.tokens],
            posts,
            truth(world, "mailing-analysis", 5001),
            truth(world, "interactions", 5001),
        )

    assert fingerprint(_small_world(3)) == fingerprint(_small_world(3))
    assert fingerprint(_small_world(3)) != fingerprint(_small_world(4))


def test_tokens_look_real_and_summaries() -> None:
    world = _small_world()
    summary = world.tokens_summary()
    kinds = [t["kind"] for t in summary]
    assert kinds.count("service") == 1 and kinds.count("group") >= 2 and kinds.count("user") >= 4
    for token in summary:
        if token["kind"] != "service":
            assert token["token"].startswith("vk1.a.") and len(token["token"]) == 86
    levels = {t["label"]: t["admin_levels"] for t in summary}
    assert levels["user-admin"] == {"5001": 3, "5002": 3} and levels["user-editor"] == {"5001": 2}
    groups = world.groups_summary()
    assert groups[0] == {
        "id": 5001,
        "screen_name": "tiny",
        "name": "Tiny",
        "members_count": 3000,
        "is_closed": 0,
    }


def test_churn_shifts_offsets_like_removing_from_the_sorted_list() -> None:
    world = _small_world()
    token = next(t for t in world.tokens if t.kind == "service")
    params = {"group_id": "5001", "count": "1000"}
    before = call_method(world, "groups.getMembers", {**params, "offset": "1000"}, token)
    boundary_id = before["items"][0]  # first id of the second page
    joined, left = world.churn(5001, join=0, leave=30)
    assert not joined and len(left) == 30
    ids_before_boundary = sum(1 for uid in left if uid < boundary_id)
    assert ids_before_boundary > 0 and boundary_id not in left
    after = call_method(world, "groups.getMembers", {**params, "offset": "1000"}, token)
    assert after["count"] == before["count"] - 30
    first_page = call_method(world, "groups.getMembers", {**params, "offset": "0"}, token)
    assert boundary_id == first_page["items"][1000 - ids_before_boundary]  # it moved back onto page one
    assert after["items"][0] != boundary_id
    assert not set(left) & set(_page_all(world, "groups.getMembers", {"group_id": "5001"}, token, 1000))


def test_churn_joins_are_sorted_in_and_deterministic() -> None:
    first, second = _small_world(), _small_world()
    outcome = first.churn(5001, join=50, leave=20)
    assert outcome == second.churn(5001, join=50, leave=20)
    joined, left = outcome
    members = first.communities[5001].members
    assert all(uid in members for uid in joined) and not any(uid in members for uid in left)
    assert list(members.ids) == sorted(set(members.ids))
    assert truth(first, "members", 5001)["count"] == 3000 + 50 - 20
    assert first.now > first.spec.now
    protected = first.communities[5001].protected
    for _ in range(3):
        _, left = first.churn(5001, join=0, leave=500)
        assert not protected & set(left)


def test_add_posts_and_likes_keep_counters_consistent() -> None:
    world = _small_world()
    admin = next(t for t in world.tokens if t.label == "user-admin")
    new_ids = world.add_posts(5001, 3)
    top = call_method(world, "wall.get", {"owner_id": "-5001", "count": "4"}, admin)["items"]
    assert [p["id"] for p in top[1:4]] == sorted(new_ids, reverse=True)
    assert top[0].get("is_pinned") == 1
    assert truth(world, "posts", 5001)["count"] == 63
    total_before = sum(
        len(world.communities[5001].wall.likers(pid)) for pid in world.communities[5001].wall.post_ids
    )
    assert world.add_likes(5001, 40) == 40
    wall = world.communities[5001].wall
    assert sum(len(wall.likers(pid)) for pid in wall.post_ids) == total_before + 40
    for post_id in wall.post_ids:
        likers = wall.likers(post_id)
        assert (
            len(likers)
            == len(set(likers))
            == wall.post_object(post_id, admin=True, now=world.now)["likes"]["count"]
        )


def test_created_by_only_for_admins_on_recent_posts() -> None:
    world = _small_world()
    admin = next(t for t in world.tokens if t.label == "user-admin")
    reader = next(t for t in world.tokens if t.label == "user-reader")
    world.add_posts(5001, 40)
    seen_admin = call_method(world, "wall.get", {"owner_id": "-5001", "count": "41"}, admin)["items"]
    seen_reader = call_method(world, "wall.get", {"owner_id": "-5001", "count": "41"}, reader)["items"]
    assert any("created_by" in p for p in seen_admin)
    assert not any("created_by" in p for p in seen_reader)
    old = call_method(world, "wall.get", {"owner_id": "-5001", "offset": "45", "count": "20"}, admin)["items"]
    assert not any("created_by" in p for p in old)


def test_truth_authors_follow_the_rule(world: World, tokens: dict[str, TokenInfo]) -> None:
    posts = _page_all(world, "wall.get", {"owner_id": f"-{SMALL}"}, tokens["user-admin"], 100)
    expected: set[int] = set()
    for post in posts:
        author = (
            post.get("post_author_data", {}).get("author")
            or post.get("signer_id")
            or post.get("created_by")
            or (post["from_id"] if post["from_id"] > 0 else None)
        )
        if author:
            expected.add(author)
    answer = truth(world, "authors", SMALL)
    assert set(answer["ids"]) == expected and answer["count"] == len(expected)
    assert sum(row[1] for row in answer["items"]) <= len(posts)


def test_truth_interactions_dialogs_and_mailing(world: World, tokens: dict[str, TokenInfo]) -> None:
    answer = truth(world, "interactions", SMALL)
    kinds = {row[2] for row in answer["items"]}
    assert kinds == {"like", "comment", "repost"}
    assert all(row[1] > 0 for row in answer["items"])
    wall = world.communities[SMALL].wall
    assert sum(1 for row in answer["items"] if row[2] == "like") == sum(
        len({uid for uid in wall.likers(pid) if uid > 0}) for pid in wall.post_ids
    )
    bot = tokens["group-small_public"]
    conversations = _page_all(world, "messages.getConversations", {}, bot, 200)
    dialogs = truth(world, "dialogs", SMALL)
    assert sorted(c["conversation"]["peer"]["id"] for c in conversations) == dialogs["ids"]
    mailing = {row[0]: row[1:] for row in truth(world, "mailing-analysis", SMALL)["items"]}
    started_by_community = 0
    for peer in dialogs["ids"][:40]:
        first = call_method(
            world, "messages.getHistory", {"peer_id": str(peer), "rev": "1", "count": "1"}, bot
        )["items"][0]
        assert mailing[peer] == [first["date"], first["from_id"]]
        assert first["out"] == int(first["from_id"] < 0)
        started_by_community += first["from_id"] < 0
    assert 0 < started_by_community < 40
    assert any(not c["conversation"]["can_write"]["allowed"] for c in conversations)


def test_history_paging(world: World, tokens: dict[str, TokenInfo]) -> None:
    bot = tokens["group-demo_community"]
    dialog = max(
        (world.communities[MAIN].dialogs.get(p) for p in world.communities[MAIN].dialogs.inbox[:200]),
        key=lambda d: len(d.messages),
    )
    peer = str(dialog.peer_id)
    newest = call_method(world, "messages.getHistory", {"peer_id": peer, "count": "200"}, bot)
    oldest = call_method(world, "messages.getHistory", {"peer_id": peer, "count": "200", "rev": "1"}, bot)
    assert newest["count"] == len(dialog.messages) == len(newest["items"])
    assert newest["items"] == list(reversed(oldest["items"]))
    last_of_rev0 = call_method(
        world, "messages.getHistory", {"peer_id": peer, "count": "1", "offset": str(newest["count"] - 1)}, bot
    )
    assert last_of_rev0["items"][0] == oldest["items"][0]
    anchor = newest["items"][5]["id"]
    around = call_method(
        world,
        "messages.getHistory",
        {"peer_id": peer, "count": "3", "offset": "-2", "start_message_id": str(anchor)},
        bot,
    )
    assert [m["id"] for m in around["items"]] == [m["id"] for m in newest["items"][3:6]]


def test_truth_profiles_and_errors(world: World) -> None:
    answer = truth(world, "profiles", MAIN, ids=[5, 6, 5])
    assert answer["count"] == 2 and answer["items"][0]["id"] == 5
    with pytest.raises(ValueError):
        truth(world, "nope", MAIN)
    with pytest.raises(KeyError):
        truth(world, "members", 1)
    assert truth(world, "members", MAIN, ids=[world.communities[MAIN].members.ids[3], 1])["ids"] == [
        world.communities[MAIN].members.ids[3]
    ]


def test_spec_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "world.toml"
    path.write_text(
        'seed = 9\nmembers = 2500\n[[communities]]\nid = 77\nscreen_name = "x"\nname = "X"\n'
        '[[communities]]\nid = 78\nscreen_name = "y"\nname = "Y"\nmembers = 300\nis_closed = 2\n',
        encoding="utf-8",
    )
    spec = WorldSpec.from_toml(path)
    assert [(c.id, c.members, c.is_closed) for c in spec.communities] == [(77, 2500, 0), (78, 300, 2)]
    world = World.generate(1, spec)
    assert world.seed == 9 and len(world.communities[77].members) == 2500
    path.write_text("[[communities]]\nid = 1\nscreen_name = 'a'\nname = 'A'\nmembrs = 5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="membrs"):
        WorldSpec.from_toml(path)


def test_a_million_members(tmp_path: Path) -> None:
    world = World.generate(2, WorldSpec.demo(members=1_000_000))
    token = next(t for t in world.tokens if t.kind == "service")
    tail = call_method(world, "groups.getMembers", {"group_id": str(MAIN), "offset": "999500"}, token)
    assert tail["count"] == 1_000_000 and len(tail["items"]) == 500
    assert tail["items"] == sorted(tail["items"])
    joined, left = world.churn(MAIN, join=1000, leave=1000)
    assert len(world.communities[MAIN].members) == 1_000_000 and len(joined) == len(left) == 1000


def test_time_sorted_pages_follow_join_time_through_churn() -> None:
    world = _small_world(6)
    moderator = next(t for t in world.tokens if t.label == "user-moderator")
    members = world.communities[5001].members

    def every(sort: str) -> list[int]:
        return _page_all(world, "groups.getMembers", {"group_id": "5001", "sort": sort}, moderator, 333)

    for _ in range(3):
        joined, _ = world.churn(5001, join=40, leave=60)
        ascending = every("time_asc")
        assert sorted(ascending) == list(members.ids)
        times = [members.join_time(uid) for uid in ascending]
        assert times == sorted(times)
        assert ascending[-len(joined) :] == joined  # the newest members come last, in id order
        assert every("time_desc") == list(reversed(ascending))


def test_reads_during_churn_see_consistent_pages() -> None:
    """Server threads page while churn runs: every answer is one consistent snapshot of the list."""
    import threading

    world = _small_world(7)
    token = next(t for t in world.tokens if t.kind == "service")
    problems: list[str] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            answer = call_method(world, "groups.getMembers", {"group_id": "5001", "offset": "500"}, token)
            expected = min(1000, answer["count"] - 500)
            if answer["items"] != sorted(answer["items"]) or len(answer["items"]) != expected:
                problems.append(f"inconsistent page: count={answer['count']} items={len(answer['items'])}")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for round_number in range(30):
        world.churn(5001, join=20 + round_number, leave=25)
    done.set()
    for thread in threads:
        thread.join()
    assert not problems
    assert len(world.communities[5001].members) == 3000 + sum(20 + r for r in range(30)) - 30 * 25
