"""Getting a user token: VK's OAuth implicit flow for the operator's own (standalone) app.

The operator opens `authorize_url(app_id)` in a browser, allows access, and lands on VK's blank page with the
token in the address' fragment (`https://oauth.vk.ru/blank.html#access_token=…&expires_in=…&user_id=…`); the
pasted address goes to `parse_redirect`, and `new_token_entry` checks the token with VK (the `tokens check`
path) before anything is saved. The CLI (`tokens login`) and the dashboard's settings use these functions.

VK's parameters (https://dev.vk.com/ru/api/access-token/implicit-flow-user, also on VK ID's pages:
https://id.vk.com/about/business/go/docs/ru/vkid/latest/oauth-vkontakte/implicit-flow-user): `client_id`,
`redirect_uri` (`blank.html` for a standalone app), `display`, `scope` (a bit mask), `response_type=token`,
`v`; `revoke=1` asks again even when the user allowed the app before. VK moved OAuth from oauth.vk.com to
oauth.vk.ru with the API in 2025 (https://github.com/VKCOM/vk-php-sdk/issues/127). The answer's `expires_in`
is 0 for a token with `offline` (it does not expire) and the token's lifetime in seconds otherwise. VK now
calls this flow legacy and recommends VK ID (OAuth 2.1 with PKCE, https://id.vk.com/authorize), whose tokens
come from a code exchange instead; an app created for the implicit flow still gets tokens this way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from vksync_tui.config import DEFAULT_API_VERSION, Config, TokenEntry
from vksync_tui.secrets import MALFORMED_TOKEN, TOKEN_SHAPE, redirect_fields, register_secret
from vksync_tui.vk.check import USER_SCOPE_BITS, apply_check, check_token, checking_token
from vksync_tui.vk.session import VkSession

AUTHORIZE_URL = "https://oauth.vk.ru/authorize"
BLANK_REDIRECT = "https://oauth.vk.ru/blank.html"
OFFLINE = "offline"  # a token that does not expire (without it a user token lasts about a day)
# The scopes a user token needs per list: `groups` to learn the admin level (created_by on posts, reposts),
# `wall` for walls, likes, comments and reposts. Members and profiles need none; the mailing lists take
# community tokens (with the messages right), which come from the community's settings, not from OAuth.
LIST_SCOPES: Mapping[str, tuple[str, ...]] = {
    "subscribers": ("groups",),
    "posts": ("wall", "groups"),
    "authors": (),
    "interactions": ("wall", "groups"),
    "mailing": (),
    "mailing-analysis": (),
    "profiles": (),
}


class OAuthError(ValueError):
    """What the operator pasted is not a usable redirect, or the token is configured already; one line, no
    secret."""


class TokenRefused(OAuthError):
    """VK did not accept the token when it was checked (revoked, expired, or VK out of reach)."""


@dataclass(frozen=True)
class OAuthRedirect:
    """What VK's blank page carried: the token, `expires_in` (0: never expires) and the user's id."""

    token: str
    expires_in: int | None
    user_id: int | None

    def __repr__(self) -> str:
        return f"OAuthRedirect(token=<hidden>, expires_in={self.expires_in}, user_id={self.user_id})"

    def expires_at(self, now: float) -> float | None:
        """When the token stops working; None when VK said it does not (`expires_in` 0) or said nothing."""
        return now + self.expires_in if self.expires_in else None


def scopes_for(lists: Iterable[str] = LIST_SCOPES) -> list[str]:
    """The scopes a token needs for `lists` (every list by default), plus `offline`, in VK's bit order."""
    wanted = {scope for name in lists for scope in LIST_SCOPES[name]} | {OFFLINE}
    return sorted(wanted, key=USER_SCOPE_BITS.__getitem__)


def authorize_url(
    app_id: int, lists: Iterable[str] = LIST_SCOPES, *, api_version: str = DEFAULT_API_VERSION
) -> str:
    """The address the operator opens to give the app `app_id` a token for `lists`."""
    scope = sum(USER_SCOPE_BITS[name] for name in scopes_for(lists))
    query = {
        "client_id": app_id,
        "display": "page",
        "redirect_uri": BLANK_REDIRECT,
        "scope": scope,
        "response_type": "token",
        "revoke": 1,
        "v": api_version,
    }
    return f"{AUTHORIZE_URL}?{urlencode(query)}"


def parse_redirect(pasted: str) -> OAuthRedirect:
    """The token, its lifetime and its user from the pasted address of VK's blank page.

    Raises `OAuthError` (never repeating what was pasted) for a refusal (`error=access_denied` when the user
    pressed Cancel) or an address without a token."""
    fields = redirect_fields(pasted)
    if "error" in fields:
        reason = fields.get("error_description") or fields["error"]
        raise OAuthError(f"VK did not give a token: {reason}")
    token = fields.get("access_token", "")
    if not TOKEN_SHAPE.match(token):
        raise OAuthError(f"no access_token in that address ({MALFORMED_TOKEN})")
    register_secret(token)
    return OAuthRedirect(token, _whole_number(fields.get("expires_in")), _whole_number(fields.get("user_id")))


def new_token_entry(
    vk: VkSession,
    redirect: OAuthRedirect,
    config: Config,
    label: str | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> TokenEntry:
    """A checked entry for the token, ready to add to `config` (which this does not change).

    The token goes through `check_token` on `vk`'s budget, as `tokens check` does: one VK refuses raises
    `TokenRefused`, one already configured (or a label taken) `OAuthError`. The label defaults to the next
    free `user-N`."""
    duplicate = next((entry for entry in config.tokens if entry.secret == redirect.token), None)
    if duplicate is not None:
        raise OAuthError(f"this token is already configured as '{duplicate.label}'")
    if label is not None and config.token(label) is not None:
        raise OAuthError(f"a token labelled '{label}' already exists; choose another label")
    now = clock()
    entry = TokenEntry(label=label or "", secret=redirect.token, expires_at=redirect.expires_at(now))
    result = check_token(checking_token(vk.pool, entry), vk.client, config.communities, wall_clock=clock)
    if result.last_error is not None:
        raise TokenRefused(f"VK did not accept the token: {result.last_error}")
    apply_check(entry, result)
    entry.label = label or config.free_label(entry.kind)
    return entry


def _whole_number(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None
