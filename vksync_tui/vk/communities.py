"""Finding a VK community from what an operator typed: an id, a screen name or a vk.com / vk.ru link.

One look-up for both faces (`vksync-tui group add`, the settings screen): it asks `groups.getById` through the
token pool, so the request waits for its token's shared budget and falls back to the next token when one is
busy or broken.
"""

from __future__ import annotations

import re
from typing import Any

from vksync_tui.config import Community
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.errors import REQUEST_ERROR_CODES, VkApiError
from vksync_tui.vk.tokens import TokenPool

_LINK_PREFIX = re.compile(r"^(?:https?://)?(?:m\.)?vk\.(?:com|ru)/", re.IGNORECASE)
_SCREEN_NAME = re.compile(r"^[A-Za-z0-9_.]{2,64}$")
_NUMERIC_FORMS = re.compile(r"^(?:-|club|public|event)?(\d+)$")


class CommunityInputError(ValueError):
    """What the operator typed names no community we can ask for, or VK knows none by it (one line)."""


def community_reference(typed: str) -> str:
    """What to ask VK for: a bare numeric id or a screen name, from whatever form the operator typed."""
    value = _LINK_PREFIX.sub("", typed.strip()).strip("/").lstrip("@")
    numeric = _NUMERIC_FORMS.match(value)
    if numeric:
        return str(int(numeric.group(1)))
    if not _SCREEN_NAME.match(value):
        raise CommunityInputError(f"'{typed}' is not a community id, screen name or vk.com link")
    return value


def resolve_community(pool: TokenPool, client: VkClient, typed: str) -> Community:
    """The community `typed` names, as VK describes it.

    Raises `CommunityInputError` (a malformed reference, no token to ask with, or a community VK does not
    know) and `VkError` when VK could not be asked (every token failed for reasons of its own)."""
    reference = community_reference(typed)
    candidates = pool.eligible()
    if not candidates:
        raise CommunityInputError("no enabled, valid token to ask VK with; add a token first")
    unknown = CommunityInputError(f"no VK community '{typed}'; check the id or screen name")
    try:
        response = pool.with_fallback(
            lambda token: token.call(client, "groups.getById", {"group_ids": reference}),
            candidates,
            rounds=2,  # a token cooling down after a fault gets one more try once it has recovered
        )
    except VkApiError as exc:
        if exc.code in REQUEST_ERROR_CODES:
            raise unknown from None
        raise
    groups = groups_in(response)
    found = groups[0] if groups and isinstance(groups[0], dict) else None
    if found is None or not isinstance(found.get("id"), int) or found.get("deactivated") == "deleted":
        raise unknown
    return Community(id=found["id"], screen_name=str(found.get("screen_name", "")),
                     title=str(found.get("name", "")))


def groups_in(response: Any) -> list[Any]:
    """groups.getById answers `{"groups": [...]}` in 5.199, a bare list in older versions."""
    if isinstance(response, dict):
        response = response.get("groups", [])
    return response if isinstance(response, list) else []
