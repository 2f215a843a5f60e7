"""`tokens check`: ask VK what a token is, whose it is, and what it may do.

VK has no "describe this token" method, so the kind is inferred from what the token can see:
1. `users.get` without ids returns the current user — only a **user** token has one. (Per the 5.199 schema
   users.get is allowed for all three kinds, so a service token does *not* get error 28 here; with a community
   or service token the answer is empty or an error, which we read as "no current user".)
2. `groups.getById` without ids returns the token's own community for a **community** token (the common way
   bots discover their group id).
3. Neither → a **service** key (an app key has no owner VK will tell us about).
Then, per kind: a user token's admin level in each configured community comes from
`groups.getById(group_ids=…, fields=is_admin,admin_level)` (`admin_level` 1 moderator, 2 editor,
3 administrator, only when `is_admin` = 1, and only if the token has the `groups` scope); its scopes from
`account.getAppPermissions` (a bitmask; user tokens only). A community token's rights come from
`groups.getTokenPermissions`, which answers a `mask` and a list of named settings: the rights are those the
list names plus those whose bit the mask has, since a real answer's list can leave a right out that its mask
holds (bit 4096, messages, without a `messages` entry: https://github.com/VKCOM/vk-api-schema/issues/242).
Scopes/rights a server does not reveal stay empty, which the pool reads as "unknown", not "none".

An error that says the token is dead (`Fault.TOKEN_DEAD`: 5 revoked or mistyped, 1117 expired, 3610/3611 its
owner deactivated, 17 validation required, ...) marks it invalid with VK's reason — and expired when VK says
so (1117, or 5 whose message says "expired": https://github.com/python273/vk_api/issues/503) — whichever
question met it: a dead token answers every method alike, so it is never read as "not a user token" and its
kind is never rewritten. Other failures (network, VK trouble, a throttled token) only record `last_error`;
the token is not condemned for them, and what earlier checks learned stays. A question is skipped as "not
for this kind of token" only for a refusal or a wrong-kind answer (27, 28, 7).

The token asks through its `PooledToken` (`TokenPool.pooled`), so a check spends the token's shared budget
like any sync: a check typed while the dashboard syncs with the same token waits its turn instead of drawing
error 6.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeGuard

from vksync_tui.clock import Clock, SystemClock, WallClock
from vksync_tui.config import Community, TokenCheck, TokenEntry
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.communities import groups_in
from vksync_tui.vk.errors import Fault, TooManyRequests, TransientError, VkApiError, VkError, fault_of
from vksync_tui.vk.tokens import PooledToken, TokenPool

# Bits of a user token's permission mask (VK's documented user scopes).
USER_SCOPE_BITS: Mapping[str, int] = {
    "notify": 1, "friends": 2, "photos": 4, "audio": 8, "video": 16, "stories": 64, "pages": 128,
    "status": 1024, "notes": 2048, "messages": 4096, "wall": 8192, "ads": 32768, "offline": 65536,
    "docs": 131072, "groups": 262144, "notifications": 524288, "stats": 1048576, "email": 4194304,
    "market": 134217728,
}
# Bits of a community token's rights mask (groups.getTokenPermissions' `mask`).
COMMUNITY_RIGHT_BITS: Mapping[str, int] = {
    "stories": 1, "photos": 4, "app_widget": 64, "messages": 4096, "wall": 8192, "docs": 131072,
    "manage": 262144,
}
# Checking makes a few calls in a row with a token of unknown kind: pace them like the slowest kind.
CHECK_RPS = 3.0
# The token may have been used a moment ago (another command, a sync): one pause and retry on error 6 or a
# network hiccup keeps a healthy token from being reported as failed.
RETRY_PAUSE = 1.1
# Answers to an optional question that mean "not a question for this kind of token" (a refusal of the request
# itself is one too): permission denied, method unavailable with group auth / with a service token.
NOT_FOR_THIS_TOKEN = frozenset({7, 27, 28})
EXPIRED_CODES = frozenset({1114, 1117})


def checking_token(pool: TokenPool, entry: TokenEntry) -> PooledToken:
    """`entry` on the pool's budget at the checking pace (its kind is what the check is about to learn), with
    nothing it is about to learn taken for known: a token the last check found dead is asked again, and so
    is a method whose daily quota the home saw spent (VK answers 29 if it still is)."""
    return pool.pooled(entry, rps=min(CHECK_RPS, pool.rps_for(entry.kind)), afresh=True)


def check_token(
    token: PooledToken,
    client: VkClient,
    communities: Sequence[Community],
    *,
    clock: Clock | None = None,
    wall_clock: WallClock = time.time,
) -> TokenCheck:
    """What VK says about `token` now. Never raises for VK or network trouble: that goes into `last_error`.

    `token` comes from `checking_token` (or any pool on the session's budget)."""
    clock = clock or SystemClock()

    def call(method: str, params: Mapping[str, object]) -> Any:
        try:
            return token.call(client, method, params)
        except (TooManyRequests, TransientError):
            clock.sleep(RETRY_PAUSE)
            return token.call(client, method, params)

    result = TokenCheck(checked_at=wall_clock())
    try:
        user = _first(_optional(lambda: call("users.get", {})))
        if user is not None and isinstance(user.get("id"), int):
            _describe_user(result, user, call, communities)
        else:
            community = _first(groups_in(_optional(lambda: call("groups.getById", {}))))
            if community is not None and isinstance(community.get("id"), int):
                _describe_community(result, community, call)
            else:
                result.detected_kind = "service"
    except VkError as exc:
        result.last_error = exc.reason
        if is_dead_token_error(exc):
            result.invalid, result.expired = True, is_expiry(exc)
    return result


def is_dead_token_error(error: VkError) -> TypeGuard[VkApiError]:
    """VK's answer says the token itself will not work again (until its owner acts)."""
    return isinstance(error, VkApiError) and fault_of(error.code) is Fault.TOKEN_DEAD


def is_expiry(error: VkApiError) -> bool:
    """The token died of old age: 1117 (1114 for an anonymous one), or 5 saying "has expired"."""
    return error.code in EXPIRED_CODES or (error.code == 5 and "expired" in error.message.lower())


def apply_check(entry: TokenEntry, result: TokenCheck) -> None:
    """Record a check on its entry (kind and community id included, when VK revealed them).

    A check that failed, for whatever reason, keeps the kind and what earlier checks learned (owner, admin
    levels, scopes) and records only its verdict: `last_error`, `checked_at`, and whether VK said the token is
    dead (`invalid`, `expired`). A flaky moment must not erase a token's known admin levels, and a dead token
    is still the user or community token it was.
    """
    if result.last_error is not None:
        entry.check = replace(entry.check, last_error=result.last_error, checked_at=result.checked_at,
                              invalid=result.invalid, expired=result.expired)
        return
    entry.check = result
    if result.detected_kind is not None:
        entry.kind = result.detected_kind
    if result.detected_kind == "group" and result.owner_id is not None:
        entry.group_id = -result.owner_id


def _describe_user(result: TokenCheck, user: Mapping[str, Any], call: Callable[..., Any],
                   communities: Sequence[Community]) -> None:
    result.detected_kind = "user"
    result.owner_id = user["id"]
    result.owner_name = f"{user.get('first_name', '')} {user.get('last_name', '')}".strip() or None
    mask = _optional(lambda: call("account.getAppPermissions", {}))
    if isinstance(mask, int):
        result.scopes = [name for name, bit in USER_SCOPE_BITS.items() if mask & bit]
    if communities:
        groups = groups_in(call("groups.getById", {"group_ids": [c.id for c in communities],
                                                 "fields": "is_admin,admin_level,members_count"}))
        result.admin_levels = {
            group["id"]: int(group.get("admin_level", 0)) if group.get("is_admin") else 0
            for group in groups
            if isinstance(group, dict) and isinstance(group.get("id"), int)
        }


def _describe_community(result: TokenCheck, community: Mapping[str, Any], call: Callable[..., Any]) -> None:
    result.detected_kind = "group"
    result.owner_id = -community["id"]
    result.owner_name = community.get("name") or community.get("screen_name")
    permissions = _optional(lambda: call("groups.getTokenPermissions", {}))
    if isinstance(permissions, dict):
        result.scopes = community_rights(permissions)


def community_rights(permissions: Mapping[str, Any]) -> list[str]:
    """The rights a groups.getTokenPermissions answer grants: named in its list or set in its mask (the
    module docstring says why both), in the mask's bit order, then names the table does not know."""
    listed = [item["name"] for item in permissions.get("permissions", [])
              if isinstance(item, dict) and isinstance(item.get("name"), str)]
    mask = permissions.get("mask")
    bits = mask if isinstance(mask, int) and not isinstance(mask, bool) else 0
    known = [name for name, bit in COMMUNITY_RIGHT_BITS.items() if bits & bit or name in listed]
    return known + [name for name in dict.fromkeys(listed) if name not in COMMUNITY_RIGHT_BITS]


def _optional(request: Callable[[], Any]) -> Any:
    """The answer, or None when VK says this question is not for this token (a refusal, a wrong kind); any
    other error (a dead token, a throttled one, VK's trouble) fails the check."""
    try:
        return request()
    except VkApiError as exc:
        if fault_of(exc.code) is Fault.REFUSED or exc.code in NOT_FOR_THIS_TOKEN:
            return None
        raise


def _first(response: Any) -> dict[str, Any] | None:
    if isinstance(response, list) and response and isinstance(response[0], dict):
        return response[0]
    return None
