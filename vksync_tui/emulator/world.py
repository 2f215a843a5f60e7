"""The emulated VK world: communities, their members, walls and dialogs, and the tokens that may read them.

Everything is a deterministic function of `(seed, WorldSpec)`. Members are one sorted `array('q')` per
community; users, posts, likes, comments, reposts and messages are derived from ids on demand (see
`profiles`, `wall`, `dialogs`), so a 10M-member world fits in well under 1 GiB and generates in seconds.

Mutations (`churn`, `add_posts`, `add_likes`) and every method call run under `World.lock`, so the HTTP
layer's server threads always see a consistent world. The world clock (`World.now`) starts at `spec.now`
and advances only through mutations — never from the host clock — so runs are reproducible.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from vksync_tui.emulator.dialogs import Dialogs
from vksync_tui.emulator.hashing import hash_of, rng_for
from vksync_tui.emulator.members import MemberList, generate_member_ids
from vksync_tui.emulator.profiles import MAX_USER_ID, FieldPlan, user_object, user_traits
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.tokens import USER_ROLE_COUNT, TokenInfo, make_tokens, owner_memberships
from vksync_tui.emulator.wall import Wall

__all__ = ["Community", "TokenInfo", "World", "WorldSpec"]

_TAG_MEMBERS = 0x4D42
_TAG_OWNERS = 0x4F57
_TAG_STAFF = 0x5354
_TAG_CHURN = 0x4348
_TAG_LIKES = 0x4C4B
_DAY = 86_400
_MAX_MEMBERS = 15_000_000
ROLE_BY_LEVEL = {1: "moderator", 2: "editor", 3: "administrator"}


@dataclass
class Community:
    """One community. `audience` is the member list as generated: the fixed pool that likers, commenters,
    reposters and dialog peers are drawn from, so churn never rewrites history."""

    spec: CommunitySpec
    members: MemberList
    audience: array
    managers: dict[int, str]  # user id → role (creator / administrator / editor / moderator)
    wall: Wall
    dialogs: Dialogs
    protected: set[int] = field(default_factory=set)  # managers and token owners: churn never removes them

    @property
    def id(self) -> int:
        return self.spec.id

    @property
    def screen_name(self) -> str:
        return self.spec.screen_name

    @property
    def is_closed(self) -> int:
        return self.spec.is_closed

    def manager_level(self, user_id: int) -> int:
        role = self.managers.get(user_id)
        return 3 if role in ("creator", "administrator") else 2 if role == "editor" else 1 if role else 0


class World:
    """See the module docstring. Build with `World.generate(seed, spec)`."""

    def __init__(self, seed: int, spec: WorldSpec, communities: list[Community],
                 tokens: list[TokenInfo]) -> None:
        self.seed = seed
        self.spec = spec
        self.now = spec.now
        self.communities: dict[int, Community] = {c.id: c for c in communities}
        self.tokens = tokens
        self.lock = threading.RLock()
        self._mutations = 0
        self._by_screen_name = {c.screen_name: c for c in communities}
        self._by_token = {t.token: t for t in tokens}

    # ----------------------------------------------------------------------------------------- building
    @classmethod
    def generate(cls, seed: int = 1, spec: WorldSpec | None = None) -> World:
        spec = spec or WorldSpec()
        seed = spec.seed if spec.seed is not None else seed
        _check_spec(spec)
        owners = _pick_token_owners(seed)
        memberships = owner_memberships(spec.communities)
        communities = []
        for index, community_spec in enumerate(spec.communities):
            required = [owner for owner, groups in zip(owners, memberships, strict=True)
                        if community_spec.id in groups]
            communities.append(_build_community(seed, spec, index, community_spec, required))
        tokens = make_tokens(seed, spec.communities, owners)
        for token in tokens:
            for group_id, level in token.admin_levels.items():
                community = next(c for c in communities if c.id == group_id)
                community.managers[token.owner_id] = ROLE_BY_LEVEL[level]  # type: ignore[index]
        for community in communities:
            community.protected.update(community.managers)
            community.protected.update(u for u in owners if u in community.members)
            community.wall.link(community.managers, [c.id for c in communities])
        return cls(seed, spec, communities, tokens)

    # ------------------------------------------------------------------------------------------ lookups
    def community(self, group_id: int) -> Community | None:
        return self.communities.get(group_id)

    def community_by_screen_name(self, name: str) -> Community | None:
        """Resolve a community's screen name, including VK's `club<id>` / `public<id>` / `event<id>` forms."""
        found = self._by_screen_name.get(name)
        if found:
            return found
        for prefix in ("club", "public", "event"):
            rest = name[len(prefix):]
            if name.startswith(prefix) and rest.isdigit():
                return self.communities.get(int(rest))
        return None

    def token_info(self, token: str) -> TokenInfo | None:
        return self._by_token.get(token)

    def user(self, user_id: int, fields: Collection[str] | FieldPlan = frozenset()) -> dict[str, Any]:
        """One user object; pass `field_plan(fields)` when building many for the same request."""
        return user_object(self.seed, user_id, fields, self.now)

    # ---------------------------------------------------------------------------------------- mutations
    def _advance(self, seconds: int) -> int:
        self._mutations += 1
        self.now += seconds
        return self._mutations

    def require_community(self, group_id: int) -> Community:
        community = self.communities.get(group_id)
        if community is None:
            raise KeyError(f"no community {group_id} in this world")
        return community

    def churn(self, group_id: int, join: int, leave: int) -> tuple[list[int], list[int]]:
        """`leave` random members leave, `join` new users join; returns (joined, left), both sorted.

        Deterministic from the seed and the mutation counter. Joiners are new ids spread over the whole id
        range (never deactivated users), so both mid-list inserts and tail appends happen.
        """
        with self.lock:
            community = self.require_community(group_id)
            counter = self._advance(60)
            rng = rng_for(self.seed, _TAG_CHURN, group_id, counter)
            ids = community.members.ids
            removable = len(ids) - len(community.protected)
            leave = max(0, min(leave, removable))
            left: set[int] = set()
            while len(left) < leave:
                candidate = ids[rng.randrange(len(ids))]
                if candidate not in community.protected:
                    left.add(candidate)
            upper = min(MAX_USER_ID, int((ids[-1] if ids else 1000) * 1.05) + 2)
            joined: set[int] = set()
            while len(joined) < join:
                candidate = rng.randrange(1, upper)
                if (candidate in joined or candidate in left or candidate in community.members
                        or user_traits(self.seed, candidate).deactivated):
                    continue
                joined.add(candidate)
            community.members.remove(sorted(left))
            community.members.add(sorted(joined), self.now)
            return sorted(joined), sorted(left)

    def add_posts(self, group_id: int, n: int) -> list[int]:
        """Publish `n` new posts (dated at the advanced world clock); returns their ids."""
        with self.lock:
            community = self.require_community(group_id)
            counter = self._advance(300)
            return community.wall.add_posts(n, self.now, counter)

    def add_likes(self, group_id: int, n: int) -> int:
        """Add `n` user likes spread over the community's posts (newest first in likes.getList); returns n."""
        with self.lock:
            community = self.require_community(group_id)
            counter = self._advance(60)
            rng = rng_for(self.seed, _TAG_LIKES, group_id, counter)
            return community.wall.add_likes(n, rng)

    # ---------------------------------------------------------------------------------------- summaries
    def groups_summary(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {"id": c.id, "screen_name": c.screen_name, "name": c.spec.name,
                 "members_count": len(c.members), "is_closed": c.is_closed}
                for c in self.communities.values()
            ]

    def tokens_summary(self) -> list[dict[str, Any]]:
        return [token.summary() for token in self.tokens]


def _check_spec(spec: WorldSpec) -> None:
    if not spec.communities:
        raise ValueError("a world needs at least one community")
    ids = [c.id for c in spec.communities]
    names = [c.screen_name for c in spec.communities]
    if len(set(ids)) != len(ids) or len(set(names)) != len(names):
        raise ValueError("community ids and screen names must be unique")
    for community in spec.communities:
        if not 0 < community.members <= _MAX_MEMBERS:
            raise ValueError(f"community {community.id}: members must be 1..{_MAX_MEMBERS}")
        if community.is_closed not in (0, 1, 2) or community.type not in ("group", "page", "event"):
            raise ValueError(f"community {community.id}: bad is_closed/type")


def _pick_token_owners(seed: int) -> list[int]:
    """Distinct, active, open-profile users to own the user tokens."""
    rng = rng_for(seed, _TAG_OWNERS)
    owners: list[int] = []
    while len(owners) < USER_ROLE_COUNT:
        candidate = rng.randrange(1_000_000, 600_000_000)
        traits = user_traits(seed, candidate)
        if not traits.deactivated and not traits.is_closed and candidate not in owners:
            owners.append(candidate)
    return owners


def _build_community(seed: int, spec: WorldSpec, index: int, cspec: CommunitySpec,
                     required_members: list[int]) -> Community:
    rng = rng_for(seed, _TAG_MEMBERS, cspec.id)
    first_id = 1 + rng.randrange(1000)
    ids = generate_member_ids(rng, cspec.members, first_id)
    _insert_ids(ids, required_members)
    created = spec.now - cspec.age_days * _DAY
    members = MemberList(seed, cspec.id, ids, created, spec.now - _DAY)
    audience = ids  # shared until the first churn replaces `members.ids` with a rebuilt array
    managers = _generated_staff(seed, cspec.id, audience)
    wall = Wall(seed, cspec, audience, created, spec.now)
    dialogs = Dialogs(seed, cspec, audience, created, spec.now)
    return Community(cspec, members, audience, managers, wall, dialogs)


def _insert_ids(ids: array, extra: list[int]) -> None:
    """Make `extra` members while keeping the spec's member count: each newcomer replaces the member in the
    middle of the list (deterministic), so `members_count` equals `CommunitySpec.members` exactly."""
    for user_id in extra:
        position = bisect_left(ids, user_id)
        if position < len(ids) and ids[position] == user_id:
            continue
        victim = len(ids) // 2
        while ids[victim] in extra:
            victim += 1
        del ids[victim]
        ids.insert(bisect_left(ids, user_id), user_id)


def _generated_staff(seed: int, group_id: int, audience: array) -> dict[int, str]:
    """A creator, two editors and two moderators picked from the members (besides the token owners)."""
    staff: dict[int, str] = {}
    roles = iter(("creator", "editor", "editor", "moderator", "moderator"))
    role = next(roles)
    for position in range(len(audience) * 2):
        candidate = audience[hash_of(seed, _TAG_STAFF, group_id, position) % len(audience)]
        if candidate in staff or user_traits(seed, candidate).deactivated:
            continue
        staff[candidate] = role
        role = next(roles, "")
        if not role:
            break
    return staff
