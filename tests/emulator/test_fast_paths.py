"""The building blocks the emulator's fast paths rely on give exactly what the slow forms gave."""

from __future__ import annotations

import random

from vksync_tui.emulator.cache import BoundedMemo
from vksync_tui.emulator.hashing import below, hash_continue, hash_of, hash_one, hash_prefix
from vksync_tui.emulator.jsontext import json_text
from vksync_tui.emulator.profiles import SUPPORTED_USER_FIELDS, field_plan, user_object, users_json
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.world import World

GROUP = 7001


def test_below_draws_what_randrange_randint_and_choice_draw() -> None:
    widths = [1, 2, 3, 7, 64, 65, 891, 3571, 100_003, 2**31 - 1]
    reference, ours = random.Random(42), random.Random(42)
    for index in range(5000):
        width = widths[index % len(widths)]
        assert ours.random() == reference.random()
        assert below(ours.getrandbits, width) == reference.randrange(width)
        assert 10 + below(ours.getrandbits, width) == reference.randint(10, 9 + width)
        pool = list(range(width % 50 + 1))
        assert pool[below(ours.getrandbits, len(pool))] == reference.choice(pool)


def test_prefix_hashing_equals_hash_of() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        parts = [rng.randrange(-2**70, 2**70) for _ in range(4)]
        assert hash_continue(hash_prefix(*parts[:2]), *parts[2:]) == hash_of(*parts)
        assert hash_one(hash_prefix(*parts[:3]), parts[3]) == hash_of(*parts)


def test_bounded_memo_keeps_at_most_its_limit_and_forgets_the_oldest() -> None:
    memo: BoundedMemo[int, str] = BoundedMemo(3)
    made: list[int] = []

    def make(key: int) -> str:
        made.append(key)
        return str(key)

    for key in (1, 2, 3, 1, 4, 1):
        assert memo.get(key, make) == str(key)
    assert len(memo) == 3
    assert made == [1, 2, 3, 4, 1]  # 1 was the oldest when 4 came, so it was made again


def _world() -> World:
    spec = WorldSpec(communities=[CommunitySpec(id=GROUP, screen_name="speed", name="Speed", members=3000,
                                                posts=400, popular_posts=2)])
    return World.generate(11, spec)


def test_posts_added_after_their_ids_were_asked_for_show_their_own_date_and_order() -> None:
    world = _world()
    wall = world.communities[GROUP].wall
    next_id = wall.post_ids[-1] + 1
    guessed = wall.plan(next_id)  # asked before the post exists: must not be remembered
    feed_before = list(wall.feed_order())
    (added,) = world.add_posts(GROUP, 1)
    assert added == next_id
    assert wall.plan(added).date == world.now != guessed.date
    assert wall.post_object(added, admin=False, now=world.now)["date"] == world.now
    assert wall.feed_order()[:2] == [wall.pinned, added]
    assert wall.feed_order()[2:] == feed_before[1:]


def test_likes_added_later_show_in_a_post_built_before() -> None:
    world = _world()
    wall = world.communities[GROUP].wall

    def likes_shown() -> dict[int, int]:
        return {pid: wall.post_object(pid, admin=False, now=world.now)["likes"]["count"]
                for pid in wall.post_ids}

    before = likes_shown()
    world.add_likes(GROUP, 200)
    after = likes_shown()
    assert sum(after.values()) == sum(before.values()) + 200
    assert all(after[pid] == len(wall.likers(pid)) for pid in wall.post_ids)


def test_users_json_is_the_json_text_of_the_user_objects() -> None:
    world = _world()
    ids = [*range(1, 3000, 7), *world.communities[GROUP].members.ids[:500]]
    every = sorted(SUPPORTED_USER_FIELDS | {"nonsense"})
    field_sets = (frozenset(), frozenset(every), frozenset(reversed(every)), frozenset({"city", "last_seen"}),
                  frozenset({"photo_50", "photo_200", "country", "online"}))
    for fields in field_sets:
        plan = field_plan(fields)
        expected = json_text([user_object(world.seed, uid, plan, world.now) for uid in ids]).encode()
        assert users_json(world.seed, ids, plan, world.now) == expected
