"""`call_method`: the emulator's VK API methods, with VK's token-kind, parameter and access checks.

The HTTP layer parses the request and calls `call_method(world, name, params, token)`; the VKScript
`execute` wiring calls the function returned by `inner_caller(...)` for each `API.x.y({...})`. Both run
the same checks. `on_call(name)` is invoked for every call (also failed ones) so the HTTP layer can count
inner calls against per-method quotas.

Token kinds per method come from the schema's `access_token_type` (see the notes' token matrix): a
community token on a user/service-only method → 27, the service key on a user/group-only method → 28.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vksync_tui.emulator import methods_groups as groups
from vksync_tui.emulator import methods_messages as messages
from vksync_tui.emulator import methods_tokens as token_methods
from vksync_tui.emulator import methods_wall as wall
from vksync_tui.emulator.errors import EmuApiError
from vksync_tui.emulator.jsontext import json_bytes
from vksync_tui.emulator.params import Params, stringify_params
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.world import World

Handler = Callable[[World, Params, TokenInfo], Any]
_ALL = frozenset({"user", "group", "service"})
_USER_SERVICE = frozenset({"user", "service"})
_USER_GROUP = frozenset({"user", "group"})
_USER = frozenset({"user"})
_GROUP = frozenset({"group"})


@dataclass(frozen=True)
class MethodSpec:
    kinds: frozenset[str]
    handler: Handler


METHODS: dict[str, MethodSpec] = {
    "groups.getMembers": MethodSpec(_ALL, groups.groups_get_members),
    "groups.getById": MethodSpec(_ALL, groups.groups_get_by_id),
    "groups.isMember": MethodSpec(_ALL, groups.groups_is_member),
    "users.get": MethodSpec(_ALL, groups.users_get),
    "utils.resolveScreenName": MethodSpec(_ALL, groups.utils_resolve_screen_name),
    "wall.get": MethodSpec(_USER_SERVICE, wall.wall_get),
    "wall.getById": MethodSpec(_USER_SERVICE, wall.wall_get_by_id),
    "wall.getComments": MethodSpec(_USER_SERVICE, wall.wall_get_comments),
    "wall.getReposts": MethodSpec(_USER_SERVICE, wall.wall_get_reposts),
    "likes.getList": MethodSpec(_USER_SERVICE, wall.likes_get_list),
    "messages.getConversations": MethodSpec(_USER_GROUP, messages.messages_get_conversations),
    "messages.getHistory": MethodSpec(_USER_GROUP, messages.messages_get_history),
    "account.getAppPermissions": MethodSpec(_USER, token_methods.account_get_app_permissions),
    "groups.getTokenPermissions": MethodSpec(_GROUP, token_methods.groups_get_token_permissions),
}


def check_token_kind(name: str, token: TokenInfo) -> None:
    """Raise 3 for an unknown method, 27/28 when the token kind may not call it."""
    spec = METHODS.get(name)
    if spec is None:
        raise EmuApiError(3)
    if token.kind in spec.kinds:
        return
    if token.kind == "group":
        raise EmuApiError(27, "method is unavailable with group auth.")
    if token.kind == "service":
        raise EmuApiError(28, "method is unavailable with service token.")
    raise EmuApiError(15, "method is unavailable with user auth.")


def call_method(world: World, name: str, params: Mapping[str, str], token: TokenInfo, *,
                on_call: Callable[[str], None] | None = None) -> Any:
    """The `response` value of one method call, or raises `EmuApiError` exactly as VK would answer."""
    if on_call is not None:
        on_call(name)
    check_token_kind(name, token)
    with world.lock:
        return METHODS[name].handler(world, Params(params), token)


Renderer = Callable[[World, Params, TokenInfo], bytes]
RENDERERS: dict[str, Renderer] = {
    "users.get": groups.users_get_json,
    "wall.getReposts": wall.wall_get_reposts_json,
}


def call_method_json(world: World, name: str, params: Mapping[str, str], token: TokenInfo, *,
                     on_call: Callable[[str], None] | None = None) -> bytes:
    """`json_bytes(call_method(...))`: the same answer as UTF-8 JSON. Methods with a renderer write it
    directly, without building the objects first (their big pages were mostly encoding work)."""
    if on_call is not None:
        on_call(name)
    check_token_kind(name, token)
    with world.lock:
        renderer = RENDERERS.get(name)
        if renderer is not None:
            return renderer(world, Params(params), token)
        return json_bytes(METHODS[name].handler(world, Params(params), token))


DEFERRED: dict[str, Handler] = {
    "wall.get": wall.wall_get_deferred,
    "wall.getReposts": wall.wall_get_reposts_deferred,
    "messages.getConversations": messages.messages_get_conversations_deferred,
}


def call_method_deferred(world: World, name: str, params: Mapping[str, str], token: TokenInfo, *,
                         on_call: Callable[[str], None] | None = None) -> Any:
    """`call_method` for a call a script assigns to a variable: methods in `DEFERRED` answer with a
    `DeferredAnswer` (the same answer, built only as far as the script reads it), the others as usual."""
    deferred = DEFERRED.get(name)
    if deferred is None:
        return call_method(world, name, params, token, on_call=on_call)
    if on_call is not None:
        on_call(name)
    check_token_kind(name, token)
    with world.lock:
        return deferred(world, Params(params), token)


def inner_caller(world: World, token: TokenInfo, *,
                 on_call: Callable[[str], None] | None = None) -> Callable[[str, Mapping[str, Any]], Any]:
    """The `call_api` callable for the VKScript interpreter: params may be numbers/arrays, as in scripts."""

    def call_api(name: str, params: Mapping[str, Any]) -> Any:
        return call_method(world, name, stringify_params(params), token, on_call=on_call)

    return call_api
