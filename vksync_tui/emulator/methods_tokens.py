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


def groups_get_token_permissions(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    """`{"mask", "permissions": [{"name", "setting"}]}` for a community token (schema shape)."""
    permissions = [{"name": name, "setting": RIGHT_BITS[name]} for name in token.rights if name in RIGHT_BITS]
    return {"mask": _mask(token.rights, RIGHT_BITS), "permissions": permissions}
