"""A fixed sequence of emulator requests on a seeded world, recorded as sha256 digests of the exact bytes.

`python -m tests.helpers.answer_sequence` prints the digests as JSON; `digest_check` runs it in
processes with different string-hash seeds, which must give the same bytes.

The digests were recorded before the emulator's answer paths were optimised; they pin that every speed-up
(caches, precomputed fragments, faster serialisation) sends byte-for-byte the answers it sent before —
including after churn, new posts and new likes, and after a script mutated an inner call's result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from vksync_tui.emulator.app import make_app
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.world import World

V = "5.199"
MAIN = 212345678
CLOSED = 212345679
PROFILE_FIELDS = "photo_100,sex,city,bdate,domain,last_seen"
ALL_USER_FIELDS = ("sex,bdate,city,country,photo_50,photo_100,photo_200,photo_max,has_photo,domain,"
                   "screen_name,last_seen,online,verified,nonsense")
UNLIMITED = {"user": 10**9, "group": 10**9, "service": 10**9}
# The profile columns the projected digests were recorded with (users.get and getConversations' profiles):
# city and last_seen whole. The syncs now project through those objects (`@.city@.title`): other requests.
RECORDED_PROFILE_FIELDS = ("id", "first_name", "last_name", "photo_100", "sex", "city", "bdate", "domain",
                           "last_seen", "deactivated", "is_closed", "can_access_closed")


class _Clock:
    """A clock that never moves: the digests must not depend on the host's time."""

    def now(self) -> float:
        return 1000.0

    def sleep(self, seconds: float) -> None:
        """Delays are not configured in this sequence; nothing to wait for."""


class Sequence:
    """Runs named steps against one app; `digests` maps step name → sha256 of its response bytes."""

    def __init__(self) -> None:
        self.world = World.generate(3, WorldSpec.demo(members=20_000))
        self.app = make_app(self.world, clock=_Clock(), rps=UNLIMITED)
        self.http = httpx.Client(transport=httpx.WSGITransport(app=self.app), base_url="http://emu.test")
        self.tokens = {info.label: info.token for info in self.world.tokens}
        self.digests: dict[str, str] = {}
        self.bodies: list[bytes] = []

    def call(self, step: str, method: str, label: str, **params: Any) -> bytes:
        data = {"v": V, "access_token": self.tokens[label], **{k: str(v) for k, v in params.items()}}
        body = self.http.post(f"/method/{method}", data=data).content
        self.digests[f"{len(self.digests):02d} {step}"] = hashlib.sha256(body).hexdigest()
        self.bodies.append(body)
        return body

    def scripts(self, label: str, scripts: Mapping[str, str]) -> dict[str, str]:
        """Each named VKScript as an `execute` by the token `label`; returns every digest so far."""
        for name, code in scripts.items():
            self.call(name, "execute", label, code=code)
        return dict(self.digests)

    def close(self) -> None:
        self.http.close()


def _peers(world: World, count: int) -> list[int]:
    return world.communities[MAIN].dialogs.inbox[:count]


def _wall_steps(seq: Sequence) -> Iterator[None]:
    wall = seq.world.communities[MAIN].wall
    popular = sorted(wall.popular)
    plain = wall.post_ids[len(wall.post_ids) // 2]
    for offset in (0, 100, 1500, 2950):
        seq.call(f"wall.get admin @{offset}", "wall.get", "user-admin", owner_id=-MAIN, offset=offset,
                 count=100)
    yield
    seq.call("wall.get service @0", "wall.get", "service", owner_id=-MAIN, count=100)
    seq.call("wall.get extended", "wall.get", "user-reader", owner_id=-MAIN, count=50, extended=1,
             fields=PROFILE_FIELDS)
    seq.call("wall.get owner", "wall.get", "user-admin", owner_id=-MAIN, count=100, filter="owner")
    seq.call("wall.get others", "wall.get", "service", owner_id=-MAIN, count=100, filter="others")
    seq.call("wall.get closed", "wall.get", "user-admin", owner_id=-CLOSED, count=100)
    seq.call("wall.getById", "wall.getById", "user-admin",
             posts=",".join(f"-{MAIN}_{pid}" for pid in [*popular, plain, 999_999]), extended=1)
    for post in popular[:2]:
        for offset in (0, 1000):
            seq.call(f"reposts {post}@{offset}", "wall.getReposts", "user-admin", owner_id=-MAIN,
                     post_id=post, offset=offset, count=1000)
        seq.call(f"likes {post}", "likes.getList", "service", type="post", owner_id=-MAIN, item_id=post,
                 count=1000)
        seq.call(f"likes {post}@1000", "likes.getList", "service", type="post", owner_id=-MAIN, item_id=post,
                 offset=1000, count=1000)
        seq.call(f"likes ext {post}", "likes.getList", "service", type="post", owner_id=-MAIN, item_id=post,
                 count=200, extended=1, fields=PROFILE_FIELDS)
        seq.call(f"copies {post}", "likes.getList", "service", type="post", owner_id=-MAIN, item_id=post,
                 filter="copies", count=1000)
        seq.call(f"comments {post}", "wall.getComments", "service", owner_id=-MAIN, post_id=post, count=100,
                 thread_items_count=10, need_likes=1, extended=1, fields=PROFILE_FIELDS, preview_length=1)
        seq.call(f"comments {post}@100", "wall.getComments", "service", owner_id=-MAIN, post_id=post,
                 offset=100, count=100, thread_items_count=10, sort="asc")
        seq.call(f"comments desc {post}", "wall.getComments", "service", owner_id=-MAIN, post_id=post,
                 count=100, sort="desc")
    seq.call(f"comments {plain}", "wall.getComments", "service", owner_id=-MAIN, post_id=plain, count=100,
             thread_items_count=10)
    yield


def _thread_step(seq: Sequence) -> None:
    post = min(seq.world.communities[MAIN].wall.popular)
    community = seq.world.communities[MAIN]
    tree = community.wall.comment_tree(community.wall.plan(post))
    top = next(top for top, replies in tree if len(replies) > 3)
    seq.call("thread", "wall.getComments", "service", owner_id=-MAIN, post_id=post,
             comment_id=top.comment_id, count=100, need_likes=1)


def _user_steps(seq: Sequence) -> None:
    members = list(seq.world.communities[MAIN].members.ids[:1000])
    seq.call("users.get profile fields", "users.get", "user-reader",
             user_ids=",".join(map(str, members)), fields=PROFILE_FIELDS)
    seq.call("users.get all fields", "users.get", "group-demo_community",
             user_ids=",".join(map(str, members[:300])), fields=ALL_USER_FIELDS)
    seq.call("users.get no fields", "users.get", "service", user_ids=",".join(map(str, members[:300])))
    seq.call("members with fields", "groups.getMembers", "service", group_id=MAIN, count=500,
             fields=PROFILE_FIELDS)


def _message_steps(seq: Sequence, tag: str) -> None:
    peers = _peers(seq.world, 200)
    calls = ", ".join(
        f'API.messages.getHistory({{"group_id": {MAIN}, "peer_id": {peer}, "count": 1, "rev": 1}})'
        for peer in peers[:20]
    )
    seq.call(f"{tag} analysis execute", "execute", "group-demo_community", code=f"return [{calls}];")
    seq.call(f"{tag} history", "messages.getHistory", "group-demo_community", peer_id=peers[3], count=200,
             extended=1)
    seq.call(f"{tag} history anchored", "messages.getHistory", "group-demo_community", peer_id=peers[3],
             start_message_id=-1, offset=-2, count=5)
    seq.call(f"{tag} conversations", "messages.getConversations", "group-demo_community", count=200,
             extended=1, offset=100)
    seq.call(f"{tag} unanswered", "messages.getConversations", "user-admin", group_id=MAIN, count=200,
             filter="unanswered")


def _script_mutation_steps(seq: Sequence) -> None:
    """A script writes into inner results; the same calls afterwards must answer as if nothing happened."""
    post = min(seq.world.communities[MAIN].wall.popular)
    member = seq.world.communities[MAIN].members.ids[5]
    code = (f'var w = API.wall.get({{"owner_id": -{MAIN}, "count": 5}}); w.items[0].text = "x"; '
            f'w.items[0].likes.count = 7; w.items[1].comments = 1; '
            f'var u = API.users.get({{"user_ids": {member}, "fields": "{PROFILE_FIELDS}"}}); '
            f'u[0].city.title = "y"; u[0].last_seen.time = 1; '
            f'var r = API.wall.getReposts({{"owner_id": -{MAIN}, "post_id": {post}, "count": 3}}); '
            f'r.items[0].copy_history[0].text = "z"; r.profiles[0].first_name = "q"; '
            f'var c = API.wall.getComments({{"owner_id": -{MAIN}, "post_id": {post}, "count": 3, '
            f'"thread_items_count": 2, "need_likes": 1}}); c.items[0].thread.items[0].likes.count = 99; '
            f'return [w.items[0], u, r.items[0].copy_history, c.items[0]];')
    seq.call("mutating script", "execute", "user-admin", code=code)
    seq.call("after mutation wall.get", "wall.get", "user-admin", owner_id=-MAIN, count=5)
    seq.call("after mutation users.get", "users.get", "user-admin", user_ids=member, fields=PROFILE_FIELDS)
    seq.call("after mutation reposts", "wall.getReposts", "user-admin", owner_id=-MAIN, post_id=post, count=3)
    seq.call("after mutation comments", "wall.getComments", "service", owner_id=-MAIN, post_id=post, count=3,
             thread_items_count=2, need_likes=1)


def _mutated_world_steps(seq: Sequence) -> None:
    """New posts, new likes and churn must show in the next answers (cached objects invalidated)."""
    world = seq.world
    world.add_posts(MAIN, 150)
    seq.call("after add_posts wall.get @0", "wall.get", "user-admin", owner_id=-MAIN, count=100)
    seq.call("after add_posts wall.get @100", "wall.get", "user-admin", owner_id=-MAIN, offset=100, count=100)
    wall = world.communities[MAIN].wall
    liked_before = {pid: wall.likes_count(wall.plan(pid)) for pid in wall.post_ids}
    world.add_likes(MAIN, 3000)
    changed = sorted(pid for pid in wall.post_ids if wall.likes_count(wall.plan(pid)) != liked_before[pid])
    seq.call("after add_likes wall.get @0", "wall.get", "user-admin", owner_id=-MAIN, count=100)
    seq.call("after add_likes wall.get @1000", "wall.get", "service", owner_id=-MAIN, offset=1000, count=100)
    seq.call("after add_likes likes", "likes.getList", "service", type="post", owner_id=-MAIN,
             item_id=changed[0], count=1000)
    seq.call("after add_likes getById", "wall.getById", "service",
             posts=",".join(f"-{MAIN}_{pid}" for pid in changed[:50]))
    joined, _left = world.churn(MAIN, join=300, leave=300)
    seq.call("after churn users", "users.get", "service", user_ids=",".join(map(str, joined[:500])),
             fields=PROFILE_FIELDS)
    seq.call("after churn members", "groups.getMembers", "service", group_id=MAIN, offset=1000, count=1000)
    seq.call("after churn wall.get", "wall.get", "user-admin", owner_id=-MAIN, offset=200, count=100)
    seq.call("after churn analysis", "execute", "group-demo_community",
             code=f'return API.messages.getHistory({{"group_id": {MAIN}, "peer_id": {_peers(world, 1)[0]}, '
                  f'"count": 3}});')


def _error_steps(seq: Sequence) -> None:
    seq.call("error wall.get bad filter", "wall.get", "service", owner_id=-MAIN, filter="nope")
    seq.call("error reposts not admin", "wall.getReposts", "service", owner_id=-MAIN, post_id=1)
    seq.call("error comments bad post", "wall.getComments", "service", owner_id=-MAIN, post_id=10**9)
    seq.call("error execute inner", "execute", "service",
             code=f'return [API.wall.get({{"owner_id": -{MAIN}, "filter": "x"}}), '
                  f'API.users.get({{"user_ids": "a b"}}), API.messages.getHistory({{"peer_id": 1}})];')


def run_sequence() -> dict[str, str]:
    """Every step in a fixed order; returns the digests by step name."""
    seq = Sequence()
    try:
        steps: list[Callable[[], Any]] = [
            lambda: list(_wall_steps(seq)), lambda: _thread_step(seq), lambda: _user_steps(seq),
            lambda: _message_steps(seq, "fresh"), lambda: _script_mutation_steps(seq),
            lambda: _mutated_world_steps(seq), lambda: _message_steps(seq, "later"),
            lambda: list(_wall_steps(seq)), lambda: _error_steps(seq),
        ]
        for step in steps:
            step()
        return dict(seq.digests)
    finally:
        seq.close()


if __name__ == "__main__":
    print(json.dumps(run_sequence()))
