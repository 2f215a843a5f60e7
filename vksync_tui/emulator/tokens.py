"""The tokens a world hands out: user tokens with admin levels and scopes, community tokens, a service key.

Token strings look like real ones (`vk1.a.` + 80 url-safe characters) and are derived from the seed, so the
same world always has the same tokens.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Literal

from vksync_tui.emulator.hashing import rng_for
from vksync_tui.emulator.spec import CommunitySpec

TokenKind = Literal["user", "group", "service"]
_URLSAFE = string.ascii_letters + string.digits + "-_"
_TAG_TOKEN = 0x544B


@dataclass
class TokenInfo:
    """One token the emulator accepts. `owner_id`: the user for user tokens, the (positive) community id for
    community tokens, None for the service key. `admin_levels`: community id → 0..3 (user tokens only)."""

    token: str
    label: str
    kind: TokenKind
    owner_id: int | None
    admin_levels: dict[int, int] = field(default_factory=dict)
    rights: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)

    def admin_level(self, group_id: int) -> int:
        return self.admin_levels.get(group_id, 0)

    @property
    def group_id(self) -> int | None:
        """The community a community token belongs to (None for other kinds)."""
        return self.owner_id if self.kind == "group" else None

    def summary(self) -> dict[str, object]:
        return {
            "token": self.token, "label": self.label, "kind": self.kind, "owner_id": self.owner_id,
            "admin_levels": {str(gid): level for gid, level in self.admin_levels.items()},
            "rights": list(self.rights), "scopes": list(self.scopes),
        }


def token_string(seed: int, index: int, kind: TokenKind) -> str:
    rng = rng_for(seed, _TAG_TOKEN, index)
    if kind == "service":
        return "".join(rng.choice("0123456789abcdef") for _ in range(72))
    return "vk1.a." + "".join(rng.choice(_URLSAFE) for _ in range(80))


@dataclass(frozen=True)
class _UserRole:
    label: str
    levels: tuple[int, ...]  # admin level on communities[0], [1], [2], ... (missing = 0)
    scopes: tuple[str, ...]
    member_of: tuple[int, ...]  # indexes into the communities list


_USER_ROLES = (
    _UserRole("user-admin", (3, 3, 3), ("friends", "wall", "groups", "messages", "offline", "stats"),
              (0, 1, 2)),
    _UserRole("user-editor", (2,), ("wall", "groups", "offline"), (0,)),
    _UserRole("user-moderator", (1,), ("wall", "groups", "messages", "offline"), (0, 1)),
    _UserRole("user-reader", (), ("wall", "groups", "offline"), (0,)),
    _UserRole("user-admin-no-groups-scope", (3,), ("wall", "offline"), (0,)),
)


def owner_memberships(communities: list[CommunitySpec]) -> list[list[int]]:
    """For each user-token owner (in token order): the community ids it must be a member of."""
    return [[communities[i].id for i in role.member_of if i < len(communities)] for role in _USER_ROLES]


def make_tokens(seed: int, communities: list[CommunitySpec], owners: list[int]) -> list[TokenInfo]:
    """The fixed token set: five user tokens (owners given by the world), community tokens, one service key.

    Community tokens: every community gets a bot token with `messages` + `manage`; the first community also
    gets a `manage`-only token (no messages right) so the mailing sync's right checks can be exercised.
    """
    tokens: list[TokenInfo] = []
    for role, owner in zip(_USER_ROLES, owners, strict=True):
        levels = {c.id: role.levels[i] for i, c in enumerate(communities) if i < len(role.levels)}
        tokens.append(TokenInfo(token_string(seed, len(tokens), "user"), role.label, "user", owner,
                                {gid: lvl for gid, lvl in levels.items() if lvl > 0}, [], list(role.scopes)))
    for community in communities:
        tokens.append(TokenInfo(token_string(seed, len(tokens), "group"), f"group-{community.screen_name}",
                                "group", community.id, {}, ["messages", "manage", "photos", "docs"], []))
    main = communities[0]
    tokens.append(TokenInfo(token_string(seed, len(tokens), "group"), f"group-{main.screen_name}-manage-only",
                            "group", main.id, {}, ["manage"], []))
    service_key = token_string(seed, len(tokens), "service")
    tokens.append(TokenInfo(service_key, "service", "service", None, {}, [], []))
    return tokens


USER_ROLE_COUNT = len(_USER_ROLES)
