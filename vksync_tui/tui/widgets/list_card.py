"""A dashboard card for one list: rows stored, the last sync's outcome and figures, and how to start it.

Two bodies: the full one (four lines) and a one-line summary the dashboard shows instead when a short terminal
must leave room for the sync panels. Figures never get cut at the card's edge: a number that would not fit is
written short (`100k`).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from vksync_tui.sync.definition import ListDefinition
from vksync_tui.tui import format as fmt
from vksync_tui.tui.lists import ListStatus

OUTCOME_STYLES = {
    "applied": "green",
    "done": "green",
    "ok": "green",
    "pending": "yellow",
    "running": "cyan",
    "aborted": "red",
    "failed": "red",
    "cancelled": "yellow",
    "discarded": "yellow",
}


class ListCard(Vertical, can_focus=True):
    """Focus a card and press enter (or `s`) to sync its list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,s", "start", "Sync list", tooltip="Start syncing this list now.", id="card-sync"),
        Binding(
            "v", "view", "View list", tooltip="Browse, search and export the stored rows.", id="card-view"
        ),
    ]

    class StartRequested(Message):
        def __init__(self, list_name: str) -> None:
            super().__init__()
            self.list_name = list_name

    class ViewRequested(Message):
        def __init__(self, list_name: str) -> None:
            super().__init__()
            self.list_name = list_name

    def __init__(self, info: ListDefinition) -> None:
        super().__init__(id=f"card-{info.name}", classes="list-card")
        self.info = info
        self.border_title = info.title
        self.status: ListStatus | None = None
        self.running = False
        self._now = 0.0

    def compose(self) -> ComposeResult:
        yield Static("loading…", classes="card-body")
        yield Static("loading…", classes="card-line")

    def on_resize(self) -> None:
        """The numbers' format depends on the card's width."""
        self._render_bodies()

    def action_start(self) -> None:
        self.post_message(self.StartRequested(self.info.name))

    def action_view(self) -> None:
        self.post_message(self.ViewRequested(self.info.name))

    def show(self, status: ListStatus | None, *, running: bool, now: float) -> None:
        self.status = status
        self.running = running
        self._now = now
        available = status is not None and status.available
        self.set_class(not available, "-unavailable")
        self.set_class(running, "-running")
        pending = status is not None and status.pending is not None
        self.set_class(pending, "-pending")
        self.border_subtitle = "pending diff" if pending else ("running" if running else "")
        self._render_bodies()

    def _render_bodies(self) -> None:
        if not self.is_mounted:
            return
        width = self.content_size.width or None
        self.query_one(".card-body", Static).update(self._body(width))
        self.query_one(".card-line", Static).update(self._line(width))

    def _line(self, width: int | None) -> Text:
        """The one-line summary: rows and the last outcome, what awaits review, or that it runs."""
        status, running = self.status, self.running
        text = Text(no_wrap=True, overflow="ellipsis")
        if status is None:
            text.append("loading…", style="dim")
            return text
        pending = status.pending
        if pending is not None:
            state = f"+{fmt.short_count(pending.joined)} −{fmt.short_count(pending.left)} (r)"
            style = "bold yellow"
        elif running:
            state, style = "syncing…", "cyan"
        elif status.last_run is not None:
            state, style = status.last_run.status, OUTCOME_STYLES.get(status.last_run.status, "")
        elif not status.available:
            state, style = "not available", "italic dim"
        else:
            state, style = "never synced", "dim"
        rows = fmt.count(status.rows)
        if width is not None and len(rows) + 3 + len(state) > width:
            rows = fmt.short_count(status.rows)
        text.append(rows, style="bold")
        text.append(" · ")
        text.append(state, style=style)
        return text

    def _body(self, width: int | None) -> Text:
        status, running, now = self.status, self.running, self._now
        text = Text()
        if status is None:
            text.append("loading…", style="dim")
            return text
        full = fmt.count(status.rows)
        fits = width is None or len(full) + 1 + len(self.info.rows_label) <= width
        text.append(full if fits else fmt.short_count(status.rows), style="bold")
        text.append(f" {self.info.rows_label}\n")
        run = status.last_run
        if run is None:
            text.append("never synced\n", style="dim")
        else:
            text.append(f"{fmt.ago(run.finished_at or run.started_at, now)} · ")
            text.append(run.status, style=OUTCOME_STYLES.get(run.status, ""))
            text.append("\n")
        if status.pending is not None:
            pending = status.pending
            text.append(f"+{fmt.count(pending.joined)} −{fmt.count(pending.left)}", style="bold yellow")
            text.append(" review (r)")
        elif not status.available:
            text.append("not available yet", style="italic dim")
        elif running:
            text.append("syncing…", style="cyan")
        else:
            text.append("[enter] sync", style="dim")
        if run is not None:
            text.append("\n")
            fetched = f"{fmt.count(run.fetched)}/{fmt.count(run.expected)} fetched"
            if width is not None and len(fetched) > width:
                fetched = f"{fmt.short_count(run.fetched)}/{fmt.short_count(run.expected)} fetched"
            text.append(fetched)
            if run.failed_chunks:
                text.append(f" · {run.failed_chunks} failed", style="red")
        return text

