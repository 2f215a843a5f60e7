"""A dashboard card for one list: rows stored, the last sync's outcome and figures, and how to start it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from vksync_tui.tui import format as fmt
from vksync_tui.tui.lists import ListInfo, ListStatus

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

    def __init__(self, info: ListInfo) -> None:
        super().__init__(id=f"card-{info.name}", classes="list-card")
        self.info = info
        self.border_title = info.title
        self.status: ListStatus | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        yield Static("loading…", classes="card-body")

    def action_start(self) -> None:
        self.post_message(self.StartRequested(self.info.name))

    def action_view(self) -> None:
        self.post_message(self.ViewRequested(self.info.name))

    def show(self, status: ListStatus | None, *, running: bool, now: float) -> None:
        self.status = status
        self.running = running
        available = status is not None and status.available
        self.set_class(not available, "-unavailable")
        self.set_class(running, "-running")
        pending = status is not None and status.pending is not None
        self.set_class(pending, "-pending")
        self.border_subtitle = "pending diff" if pending else ("running" if running else "")
        self.query_one(".card-body", Static).update(self._body(status, running=running, now=now))

    def _body(self, status: ListStatus | None, *, running: bool, now: float) -> Text:
        text = Text()
        if status is None:
            text.append("loading…", style="dim")
            return text
        text.append(fmt.count(status.rows), style="bold")
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
            text.append(f"{fmt.count(run.fetched)}/{fmt.count(run.expected)} fetched")
            if run.failed_chunks:
                text.append(f" · {run.failed_chunks} failed", style="red")
        return text
