"""Who may read a community's wall: the tokens the wall lists (posts, interactions) run on, and their admin
levels in the community.

Tokens: `wall.*` and `likes.getList` refuse community tokens (error 27) and these lists batch through
`execute`, which is undocumented for service keys — so they run on user tokens only. Admin levels decide
which of those may call `wall.getReposts` (level 3) and who sees `created_by` (any manager level). They come
from the stored `tokens check` when it covered this community, else from `groups.getById(fields=is_admin,
admin_level)` asked through the engine, one one-token job per token (so the retry phase applies), all at the
same time (each costs a round trip, and nothing else can start before they are in); the answer is
remembered on the token's entry for the rest of the session. A token that cannot be asked (dead, or its daily
quota of groups.getById spent) or died while it was asked counts as no manager: it is not the run's work that
failed, and a dead token does no more work in the run anyway.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.engine import Chunk, FetchReport, PhasedFetch
from vksync_tui.sync.errors import NoUsableToken
from vksync_tui.sync.runs import RunSummary
from vksync_tui.sync.single_call import fetch_one
from vksync_tui.sync.together import run_together
from vksync_tui.vk.execute import ApiCall
from vksync_tui.vk.tokens import PooledToken

WALL_TOKEN_KINDS = ("user",)
# Half of VK's 5 MB execute answer cap: page sizes vary (long posts, long repost originals), so the estimate
# that fills a batch must leave room; error 13 still halves the batch if an estimate was wrong.
RESPONSE_BUDGET = 2_500_000
PROBE_METHOD = "groups.getById"
PROBE_METHODS = (PROBE_METHOD,)


def wall_tokens(ctx: SyncContext, group_id: int, list_name: str) -> list[PooledToken]:
    tokens = ctx.pool.eligible(kinds=WALL_TOKEN_KINDS, group_id=group_id)
    if not tokens:
        raise NoUsableToken(
            f"no usable token for the {list_name} sync: it needs an enabled user token (community tokens "
            "cannot read walls or likes — VK error 27); add one with `vksync-tui tokens add`"
        )
    return tokens


def admin_levels(
    ctx: SyncContext, engine: PhasedFetch, group_id: int, tokens: list[PooledToken], summary: RunSummary
) -> dict[str, int]:
    """Each token's admin level in `group_id` (0 when VK would not say); see the module docstring."""
    levels = {token.label: int(token.entry.check.admin_levels[group_id]) for token in tokens
              if group_id in token.entry.check.admin_levels}
    unknown = [token for token in tokens if token.label not in levels and token.usable_for(PROBE_METHODS)]
    probes = [partial(_probe_admin_level, engine, group_id, token) for token in unknown]
    for token, (report, level) in zip(unknown, run_together(probes, "admin-check", ctx.cancel), strict=True):
        summary.absorb(report if token.usable_for(PROBE_METHODS) else replace(report, failed=[]))
        levels[token.label] = level or 0
        if level is not None:
            stored = token.entry.check.admin_levels
            token.entry.check = replace(token.entry.check, admin_levels={**stored, group_id: level})
    return levels


def _probe_admin_level(
    engine: PhasedFetch, group_id: int, token: PooledToken
) -> tuple[FetchReport, int | None]:
    params = {"group_id": group_id, "fields": "is_admin,admin_level"}
    chunk = Chunk(f"groups.getById@{token.label}", ApiCall(PROBE_METHOD, params))
    probe = fetch_one(engine, chunk, [token], job=f"admin-check-{token.label}", phase="admin-check")
    return probe.report, None if probe.value is None else _admin_level(probe.value, group_id)


def _admin_level(answer: Any, group_id: int) -> int | None:
    groups = answer.get("groups") if isinstance(answer, dict) else answer
    if not isinstance(groups, list):
        return None
    for group in groups:
        if isinstance(group, dict) and group.get("id") == group_id:
            return int(group.get("admin_level", 0)) if group.get("is_admin") else 0
    return None
