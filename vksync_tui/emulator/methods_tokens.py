"""What a token may do: `account.getAppPermissions` (user tokens) and `groups.getTokenPermissions`.

Real clients learn scopes and community rights from these two methods, so the emulator answers them from the
token's own description. Bits are VK's (vk_api `VkUserPermissions`; community rights as
`groups.getTokenPermissions` reports them: photos 4, messages 4096, wall 8192, manage 262144, ...).
"""

from __future__ import annotations

from typing import Any

from vksync_tui.emulator.params import Params
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.world import World

SCOPE_BITS: dict[str, int] = {
    "notify": 1, "friends": 2, "photos": 4, "audio": 8, "video": 16, "stories": 64, "pages": 128,
    "status": 1024, "notes": 2048, "messages": 4096, "wall": 8192, "ads": 32768, "offline": 65536,
    "docs": 131072, "groups": 262144, "notifications": 524288, "stats": 1048576, "email": 4194304,
    "market": 134217728,
}
RIGHT_BITS: dict[str, int] = {
    "stories": 1, "photos": 4, "app_widget": 64, "messages": 4096, "docs": 131072, "manage": 262144,
    "wall": 8192,
}


def _mask(names: list[str], bits: dict[str, int]) -> int:
    return sum(bits.get(name, 0) for name in set(names))


def account_get_app_permissions(world: World, params: Params, token: TokenInfo) -> int:
    """A bare integer bitmask of the user token's scopes."""
    return _mask(token.scopes, SCOPE_BITS)


# Rights a real answer holds in its mask but leaves out of its named list: bit 4096 (messages) with no
# `messages` entry (https://github.com/VKCOM/vk-api-schema/issues/242).
UNNAMED_RIGHTS = frozenset({"messages"})


def groups_get_token_permissions(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    """`{"mask", "permissions": [{"name", "setting"}]}` for a community token (schema shape), as VK answers
    it: every right in the mask, the `UNNAMED_RIGHTS` missing from the list."""
    permissions = [{"name": name, "setting": RIGHT_BITS[name]} for name in token.rights
                   if name in RIGHT_BITS and name not in UNNAMED_RIGHTS]
    return {"mask": _mask(token.rights, RIGHT_BITS), "permissions": permissions}
