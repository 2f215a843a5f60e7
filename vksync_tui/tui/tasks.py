"""Short background tasks the settings and review screens start: plain functions run in App thread workers.

They call the domain (token check, login, community look-up, diff apply/discard) and return plain results or
raise `TaskError` with a one-line, token-free reason; they never import Textual.
"""

from __future__ import annotations

from typing import Literal

from vksync_tui.clock import WallClock
from vksync_tui.config import Community, Config, TokenCheck, TokenEntry
from vksync_tui.secrets import redact
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.diff import NoPendingDiff, apply_pending, discard_pending
from vksync_tui.vk import communities
from vksync_tui.vk.check import check_token, checking_token
from vksync_tui.vk.errors import VkError
from vksync_tui.vk.oauth import OAuthError, OAuthRedirect, new_token_entry


class TaskError(Exception):
    """A task failed for a reason the operator can read (already redacted)."""


def resolve_community(context: SyncContext, config: Config, text: str) -> Community:
    """The community `text` names, asked through the session's budget with `config`'s current tokens."""
    try:
        return communities.resolve_community(context.vk.pool_for(config), context.client, text)
    except communities.CommunityInputError as problem:
        raise TaskError(str(problem)) from None
    except VkError as exc:
        raise TaskError(redact(str(exc))) from None


def check_entry(context: SyncContext, config: Config, entry: TokenEntry, *,
                clock: WallClock) -> TokenCheck:
    """What VK says about the token now, asked through the session's budget (check_token never raises for
    VK trouble: see `last_error`)."""
    token = checking_token(context.vk.pool_for(config), entry)
    return check_token(token, context.client, config.communities, wall_clock=clock)


def login_entry(context: SyncContext, config: Config, redirect: OAuthRedirect, label: str | None, *,
                clock: WallClock) -> TokenEntry:
    """The checked entry for the token of a pasted login address (as `tokens login` makes it), asked through
    the session's budget; raises `TaskError` when VK refuses the token or it is configured already."""
    try:
        return new_token_entry(context.vk, redirect, config, label, clock=clock)
    except OAuthError as problem:
        raise TaskError(str(problem)) from None


def decide_diff(context: SyncContext, group_id: int, decision: Literal["apply", "discard"]) -> str:
    """Apply or discard the community's pending diff on the session's writer; returns what happened."""
    try:
        if decision == "apply":
            result = apply_pending(context, group_id)
            if result.baseline:
                return f"baseline recorded: {result.joined:,} members"
            return f"diff applied: {result.joined:,} joined, {result.left:,} left (history updated)"
        run_id = discard_pending(context, group_id)
    except NoPendingDiff as problem:
        raise TaskError(str(problem)) from None
    return f"diff of run #{run_id} discarded; members unchanged"
