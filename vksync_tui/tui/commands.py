"""Command palette entries (`ctrl+p`) for every action, named "group: action" so they sort and search well."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

from vksync_tui.tui.lists import LISTS

if TYPE_CHECKING:
    from vksync_tui.tui.app import VkSyncApp


def palette_commands(app: VkSyncApp, screen: Screen[Any]) -> Iterator[SystemCommand]:
    for info in LISTS:
        yield SystemCommand(
            f"sync: {info.name.replace('-', ' ')}",
            f"Start syncing {info.title.lower()} of the selected community",
            partial(app.action_sync, info.name),
        )
    yield SystemCommand(
        "sync: cancel all", "Stop every running sync at its next batch boundary", app.action_cancel_all
    )
    yield SystemCommand(
        "sync: clear finished panels", "Remove the panels of finished syncs", app.action_clear_finished
    )
    yield SystemCommand(
        "view: dashboard", "Cards of every list and the running syncs", partial(app.action_view, "dashboard")
    )
    yield SystemCommand(
        "view: settings", "Tokens, tuning and communities", partial(app.action_view, "settings")
    )
    yield SystemCommand("view: help", "What every screen and key does", app.action_help)
    yield SystemCommand(
        "view: review pending diff",
        "Joined and left members waiting for confirmation",
        app.action_review_diff,
    )
    yield SystemCommand(
        "view: reload figures", "Re-read counts and last syncs from the database", app.action_reload
    )
    yield SystemCommand(
        "settings: check tokens", "Check every token in the pool against VK", app.action_check_tokens
    )
    yield SystemCommand(
        "settings: add token", "Add a token to the pool (checked before it is added)", app.action_add_token
    )
    for community in app.config.communities:
        yield SystemCommand(
            f"community: show {community.title or community.screen_name or community.id}",
            f"Show the dashboard of community {community.id}",
            partial(app.select_community, community.id),
        )
    if app.demo is not None:
        yield SystemCommand(
            "demo: simulate churn", "Let members join and leave the demo community", app.action_simulate_churn
        )
