"""Command palette entries (`ctrl+p`) for every action, named "group: action" so they sort and search well.

Two sources, so that nothing a key does is missing from the palette:
- the App's own entries (syncs, views, settings, communities, the demo), offered on every screen;
- the keys of the screen the palette was opened on, read from its bindings (`binding_commands`), plus the
  list screens' choices a key only reaches step by step (sort by a given column, a filter's choice).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.actions import parse
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from vksync_tui.sync.registry import LISTS
from vksync_tui.tui.listview import ListScreen
from vksync_tui.tui.listview.plot import HistoryScreen
from vksync_tui.tui.screens.diff_review import DiffReviewScreen
from vksync_tui.tui.screens.help import HelpScreen
from vksync_tui.tui.screens.settings import SettingsScreen

if TYPE_CHECKING:
    from vksync_tui.tui.app import VkSyncApp

SCREEN_GROUPS: dict[type[Screen[Any]], str] = {
    DiffReviewScreen: "review",
    SettingsScreen: "settings",
    HistoryScreen: "history",
    HelpScreen: "help",
}


def palette_commands(app: VkSyncApp, screen: Screen[Any]) -> Iterator[SystemCommand]:
    for info in LISTS.values():
        yield SystemCommand(
            f"sync: {info.name.replace('-', ' ')}",
            f"Start syncing {info.title.lower()} of the selected community",
            partial(app.action_sync, info.name),
        )
    for job in app.running_jobs():
        yield SystemCommand(
            f"sync: cancel {app.job_title(job.key)}",
            "Stop this sync at its next batch boundary",
            partial(app.cancel_job, job.key),
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
        "sync: profiles of the pending diff",
        "Fetch the profiles of the people in the pending subscribers diff, so its review shows names",
        app.action_fetch_diff_profiles,
    )
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
    yield from screen_commands(app, screen)


def screen_commands(app: VkSyncApp, screen: Screen[Any]) -> Iterator[SystemCommand]:
    """The keys of the screen under the palette (the dashboard's are the App's entries above)."""
    if isinstance(screen, ListScreen):
        group = f"{screen.spec.title.lower()} list"
        yield from list_choice_commands(screen, group)
        yield from binding_commands(app, screen, group)
        return
    group = next((name for kind, name in SCREEN_GROUPS.items() if isinstance(screen, kind)), None)
    if group is not None:
        yield from binding_commands(app, screen, group)


def binding_commands(app: VkSyncApp, screen: Screen[Any], group: str) -> Iterator[SystemCommand]:
    """One command per action of the screen's own bindings that the screen offers now (its `check_action`),
    shown or not in the key bar; the command runs the action as the key would."""
    seen: set[str] = set()
    for binding in screen.BINDINGS:
        if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        namespace, name, parameters = parse(binding.action)
        owner = app if namespace == "app" else screen
        if owner.check_action(name, parameters) is not True:
            continue
        title = binding.description[0].lower() + binding.description[1:]
        yield SystemCommand(
            f"{group}: {title}",
            f"{binding.tooltip or binding.description} (key: {app.get_key_display(binding)})",
            partial(app.run_action, binding.action, screen),
        )


def list_choice_commands(screen: ListScreen, group: str) -> Iterator[SystemCommand]:
    """What keys reach only step by step on a list screen: sort by a given column, pick a filter's choice."""
    for column in screen.spec.sortable:
        first = "largest first" if column.descending_first else "ascending"
        yield SystemCommand(
            f"{group}: sort by {column.title}",
            f"Sort the list by {column.title} ({first}; again: reverse)",
            partial(screen.sort_by, column.name),
        )
    for choice_filter in screen.spec.choice_filters:
        for choice in choice_filter.choices:
            yield SystemCommand(
                f"{group}: {choice_filter.title}: {choice.label}",
                f"Show {choice.label} {choice_filter.title}",
                partial(screen.set_filter, choice_filter.name, choice.label),
            )
