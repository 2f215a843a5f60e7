"""Short background tasks the settings and review screens start: plain functions run in App thread workers.

They call the domain (token check, community look-up, diff apply/discard) and return plain results or raise
`TaskError` with a one-line, token-free reason; they never import Textual.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from vksync_tui.config import Community, Config, TokenCheck, TokenEntry
from vksync_tui.secrets import redact
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.diff import NoPendingDiff, apply_pending, discard_pending
from vksync_tui.vk.check import check_token
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.errors import VkError


class TaskError(Exception):
    """A task failed for a reason the operator can read (already redacted)."""


SCREEN_NAME = re.compile(r"^(?:https?://)?(?:m\.)?(?:vk\.com/|vk\.ru/)?([A-Za-z0-9_.]+)/?$")


def community_query(text: str) -> str:
    """`https://vk.com/demo_community` / `club123` / `123` → what groups.getById accepts as group_id."""
    match = SCREEN_NAME.match(text.strip())
    if match is None:
        raise TaskError("expected a community id, screen name or vk.com link")
    return match.group(1)


def resolve_community(config: Config, text: str) -> Community:
    """Look the community up with groups.getById, using the first enabled token."""
    query = community_query(text)
    token = next((entry for entry in config.tokens if entry.enabled and not entry.check.invalid), None)
    if token is None:
        raise TaskError("no enabled token to look the community up with: add a token first")
    client = VkClient(config.api_url, config.api_version, timeout=config.tuning.request_timeout)
    try:
        answer = client.call("groups.getById", {"group_id": query}, token.secret)
    except VkError as exc:
        raise TaskError(redact(str(exc))) from None
    finally:
        client.close()
    groups = answer.get("groups", []) if isinstance(answer, dict) else answer
    if not groups:
        raise TaskError("VK knows no such community")
    group = groups[0]
    return Community(
        id=int(group["id"]), screen_name=str(group.get("screen_name", "")), title=str(group.get("name", ""))
    )


def check_entry(config: Config, entry: TokenEntry, *, clock: Callable[[], float]) -> TokenCheck:
    """What VK says about the token now (check_token never raises for VK trouble: see `last_error`)."""
    client = VkClient(config.api_url, config.api_version, timeout=config.tuning.request_timeout)
    try:
        return check_token(client, entry, config.communities, wall_clock=clock)
    finally:
        client.close()


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
