"""The home screen: one card per list for the selected community, and the panels of the running syncs.

The screen owns no data: the App hands it list statuses and job views (attributes down) and it answers with
messages (start a sync, review a diff, cancel a job) that the App acts on.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Label, Select

from vksync_tui.sync.registry import LISTS
from vksync_tui.tui.jobs import JobKey, JobView
from vksync_tui.tui.lists import ListStatus
from vksync_tui.tui.widgets.key_bar import KeyBar
from vksync_tui.tui.widgets.list_card import ListCard
from vksync_tui.tui.widgets.sync_panel import SyncPanel
from vksync_tui.tui.widgets.too_small import TALL_HEIGHT, TooSmall

if TYPE_CHECKING:
    from vksync_tui.tui.app import VkSyncApp


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s", "sync_selected", "Sync", tooltip="Sync the focused list.", id="dashboard-sync", show=False
        ),
        Binding("u", "app.sync('subscribers')", "Sync subscribers", id="dashboard-sync-subscribers"),
        Binding(
            "r",
            "app.review_diff",
            "Review diff",
            tooltip="Review the pending subscribers diff.",
            id="dashboard-review",
        ),
        Binding(
            "m",
            "app.simulate_churn",
            "Churn",
            tooltip="Demo: let members join and leave in the emulator.",
            id="dashboard-churn",
        ),
        Binding(
            "f5",
            "app.reload",
            "Reload",
            tooltip="Reload counts and last syncs from the database.",
            id="dashboard-reload",
        ),
    ]

    @property
    def vk_app(self) -> VkSyncApp:
        return cast("VkSyncApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        with Horizontal(id="community-bar"):
            yield Label("Community", id="community-label")
            select = self._community_select()
            if select is not None:
                yield select
        # Not a focus stop of its own: tab goes from the selector to the first card (focused cards and panels
        # scroll themselves into view; the mouse wheel still scrolls).
        with VerticalScroll(id="dashboard-body", can_focus=False):
            yield Label("", id="no-community", classes="hint")
            with Grid(id="cards"):
                for info in LISTS.values():
                    yield ListCard(info)
            yield Label("Syncs", id="panels-title", classes="section-title")
            yield Vertical(id="panels")
            yield Label(
                "No sync has run in this session. Focus a card and press enter to start one.",
                id="no-panels",
                classes="hint",
            )
        # Not Footer: it rebuilds a widget per key on every focus change (tab between cards), ~100 ms each.
        yield KeyBar()

    def on_mount(self) -> None:
        self.show_communities()
        self.vk_app.render_dashboard()

    def on_resize(self) -> None:
        self._fit_height(has_panels=bool(self.query(SyncPanel)))

    def _fit_height(self, *, has_panels: bool) -> None:
        """Below `TALL_HEIGHT` rows the selector takes one line, and with sync panels shown the cards take one
        line each: a running sync's panel stays in view without scrolling (80×24 included)."""
        short = self.size.height < TALL_HEIGHT
        for select in self.query("#community-select").results(Select):
            select.compact = short
        self.set_class(short and has_panels, "-compact")

    def show_communities(self) -> None:
        """Make the selector say exactly which community the cards show, and offer only real communities.

        The selector never has a blank choice: with no community configured there is no selector at all (the
        hint says where to add one), so the cards can never show one community while it names another.
        """
        app = self.vk_app
        options = self._community_options()
        found = self.query("#community-select")
        if not options or app.current_group is None:
            found.remove()
        elif found:
            select = cast("Select[int]", found.first(Select))
            with self.prevent(Select.Changed):
                select.set_options(options)
                select.value = app.current_group
        else:
            select = cast("Select[int]", self._community_select())
            select.compact = self.size.height < TALL_HEIGHT
            self.query_one("#community-bar", Horizontal).mount(select)
        self.query_one("#no-community", Label).update(
            ""
            if options
            else "No community configured yet: open settings (f2) and add one by id or screen name."
        )
        self.set_class(not options, "-no-community")

    def _community_options(self) -> list[tuple[str, int]]:
        return [(f"{c.title or c.screen_name} (id {c.id})", c.id) for c in self.vk_app.config.communities]

    def _community_select(self) -> Select[int] | None:
        """The selector set to the current community; None while no community is configured."""
        options, current = self._community_options(), self.vk_app.current_group
        if not options or current is None:
            return None
        return Select[int](options, id="community-select", allow_blank=False, value=current)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "community-select" and isinstance(event.value, int):
            self.vk_app.select_community(event.value)

    def show_statuses(self, statuses: list[ListStatus] | None, running: set[str], now: float) -> None:
        by_name = {status.info.name: status for status in statuses or []}
        for card in self.query(ListCard):
            card.show(by_name.get(card.info.name), running=card.info.name in running, now=now)

    def show_job(self, view: JobView, title: str) -> None:
        panels = self.query_one("#panels", Vertical)
        panel_id = f"panel-{view.key.slug}"
        found = panels.query(f"#{panel_id}")
        if found:
            cast(SyncPanel, found.first()).show(view)
        else:
            panel = SyncPanel(view.key, title)
            panel.show(view)
            # Newest first: the sync just started sits right under the cards, in view on a short terminal.
            panels.mount(panel, before=0 if panels.children else None)
            self._fit_height(has_panels=True)
        self.query_one("#no-panels", Label).display = False

    def drop_jobs(self, keys: Collection[JobKey]) -> None:
        """Remove the panels of `keys` in one prune, after moving focus off them onto a widget that stays.

        Removing the focused panel alone would let Textual hand focus to the next panel in the focus chain —
        possibly one that is being removed too, which leaves focus on a detached widget: every key, even the
        priority `ctrl+q`, would then go to a widget outside the screen and do nothing.
        """
        if not self.is_mounted:
            return
        panels = list(self.query(SyncPanel))
        doomed = [panel for panel in panels if panel.key in keys]
        if not doomed:
            return
        focused = self.focused
        holders = [] if focused is None else [focused, *focused.ancestors]
        dropped = next((panel for panel in doomed if panel in holders), None)
        if dropped is not None:
            self.set_focus(self._focus_after_drop(dropped, panels, doomed))
        self.query_one("#panels", Vertical).remove_children(doomed)
        self.query_one("#no-panels", Label).display = len(doomed) == len(panels)
        self._fit_height(has_panels=len(doomed) < len(panels))

    def _focus_after_drop(
        self, dropped: SyncPanel, panels: list[SyncPanel], doomed: list[SyncPanel]
    ) -> Widget:
        """The next panel that stays (else the nearest one before), else the card of the dropped list."""
        index = panels.index(dropped)
        staying = [panel for panel in panels[index + 1 :] + panels[:index][::-1] if panel not in doomed]
        if staying:
            return staying[0]
        return self.query_one(f"#card-{dropped.key.list_name}", ListCard)

    def action_sync_selected(self) -> None:
        focused = self.focused
        if isinstance(focused, ListCard):
            focused.action_start()

    def on_list_card_start_requested(self, message: ListCard.StartRequested) -> None:
        self.vk_app.action_sync(message.list_name)

    def on_list_card_view_requested(self, message: ListCard.ViewRequested) -> None:
        self.vk_app.view_list(message.list_name)

    def on_sync_panel_cancel_requested(self, message: SyncPanel.CancelRequested) -> None:
        self.vk_app.cancel_job(message.key)
