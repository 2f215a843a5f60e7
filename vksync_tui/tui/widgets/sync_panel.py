"""The live panel of one running sync: phases with bars and ETA, figures, tokens, errors and a short log.

The panel holds no state of its own beyond its widgets: the App folds engine events into a `JobView` and calls
`show(view)`; the engine's reporter already throttles `Progress`, so a render per event is cheap.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Label, ProgressBar, Static

from vksync_tui.sync.events import Progress
from vksync_tui.sync.runs import incidents_line
from vksync_tui.tui import format as fmt
from vksync_tui.tui.jobs import JobKey, JobView, PhaseView

PHASES_SHOWN = 4  # the latest phases; a long job's earlier ones scroll off
LEVEL_STYLES = {"info": "dim", "warning": "yellow", "error": "bold red"}
STATUS_STYLES = {
    "running": "bold cyan",
    "applied": "bold green",
    "done": "bold green",
    "pending": "bold yellow",
    "aborted": "bold red",
    "failed": "bold red",
    "cancelled": "yellow",
}


class PhaseRow(Horizontal):
    """One phase: number and name, bar with percentage, and the engine's ETA (not the bar's own, which
    would depend on the wall clock)."""

    def __init__(self, phase: PhaseView, list_name: str) -> None:
        super().__init__(classes="phase-row")
        self.number = phase.number
        self._name = Label(f"{phase.number}. {phase_title(phase.name, list_name)}", classes="phase-name")
        self._bar = ProgressBar(total=None, show_eta=False, classes="phase-bar")
        self._eta = Label("", classes="phase-eta")

    def compose(self) -> ComposeResult:
        yield self._name
        yield self._bar
        yield self._eta

    def show(self, phase: PhaseView, view: JobView) -> None:
        if phase.done:
            self._bar.update(total=1, progress=1)
            self._eta.update(f"done in {fmt.duration(phase.seconds)}")
            return
        if phase.last is None:
            # No snapshot of this phase has arrived yet.
            self._bar.update(total=None)
            self._eta.update("running" if view.running else view.status)
            return
        total, done = _bar_figures(phase.last, phase)
        self._bar.update(total=total, progress=done)
        self._eta.update(f"ETA {fmt.duration(phase.last.eta_seconds)}" if view.running else view.status)


def phase_title(phase: str, list_name: str) -> str:
    """`interactions-repost` in the interactions panel reads better as `repost`."""
    prefix = f"{list_name}-"
    return phase[len(prefix) :] if phase.startswith(prefix) and len(phase) > len(prefix) else phase


def _bar_figures(progress: Progress, phase: PhaseView) -> tuple[float | None, float]:
    """Chunks are the honest unit of progress; the phase's items are the fallback when it has no chunk count
    (only against its own expected figure: the job's expected count may be in another unit)."""
    if progress.chunks_total:
        return progress.chunks_total, progress.chunks_done
    if phase.total:
        return phase.total, progress.chunks_done
    expected = progress.expected_items
    if expected:
        return expected, min(progress.items, expected)
    return None, 0


class SyncPanel(Vertical, can_focus=True):
    """Live view of one job; focus it and press `c` to cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c",
            "cancel_job",
            "Cancel sync",
            tooltip="Stop this sync at the next batch boundary.",
            id="panel-cancel",
        ),
    ]

    class CancelRequested(Message):
        def __init__(self, key: JobKey) -> None:
            super().__init__()
            self.key = key

    def __init__(self, key: JobKey, title: str) -> None:
        super().__init__(id=f"panel-{key.slug}", classes="sync-panel")
        self.key = key
        self.border_title = title
        self._phase_rows: dict[int, PhaseRow] = {}
        self._view: JobView | None = None
        self._phases = Vertical(classes="phases")
        self._figures = Static("", classes="figures")
        self._log = Static("", classes="panel-log")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="panel-columns"):
            with Vertical(classes="panel-left"):
                yield self._phases
                yield self._figures
            yield self._log

    def action_cancel_job(self) -> None:
        self.post_message(self.CancelRequested(self.key))

    def on_mount(self) -> None:
        if self._view is not None:
            self.show(self._view)

    def show(self, view: JobView) -> None:
        """Render `view`; before mounting it is only remembered. A new run of the same list starts afresh."""
        if view is not self._view:
            for row in self._phase_rows.values():
                row.remove()
            self._phase_rows.clear()
            self._view = view
        if not self.is_mounted or not self._phases.is_attached:
            return  # not mounted yet, or being torn down (an event can still arrive while the app quits)
        self.border_subtitle = view.status
        self.set_class(not view.running, "-finished")
        shown = view.phases[-PHASES_SHOWN:]
        for number in [number for number in self._phase_rows if number < shown[0].number] if shown else []:
            self._phase_rows.pop(number).remove()
        for phase in shown:
            row = self._phase_rows.get(phase.number)
            if row is None:
                row = self._phase_rows[phase.number] = PhaseRow(phase, self.key.list_name)
                self._phases.mount(row)
            row.show(phase, view)
        self._figures.update(figures_text(view))
        self._log.update(log_text(view))


def figures_text(view: JobView) -> Text:
    p = view.progress
    tokens = view.token_counts()
    text = Text()
    text.append(f"status {view.status}", style=STATUS_STYLES.get(view.status, "bold"))
    text.append(f"   phase {p.phase}\n")
    text.append(f"{p.item_unit} {fmt.count(p.items)} of {fmt.count(p.expected_items)} expected\n")
    text.append(f"chunks {fmt.count(p.chunks_done)}/{fmt.count(p.chunks_total)}  ")
    text.append(f"failed {p.chunks_failed}", style="bold red" if p.chunks_failed else "bold")
    text.append(f"  retried ok {p.chunks_retried_ok}\n")
    text.append(
        f"requests {fmt.count(p.requests)}  {fmt.rate(p.requests_per_second)} rps "
        f"of {fmt.rate(p.ceiling_rps)} ceiling\n"
    )
    text.append("errors ")
    text.append(fmt.errors_by_code(p.errors_by_code), style="yellow" if p.errors_by_code else "")
    text.append("\ntokens ")
    text.append(f"{tokens['ok']} active", style="green")
    text.append(" · ")
    text.append(f"{tokens['cooling']} cooling", style="yellow" if tokens["cooling"] else "")
    text.append(" · ")
    text.append(f"{tokens['disabled']} disabled", style="red" if tokens["disabled"] else "")
    incidents = incidents_line(view.finished.summary) if view.finished is not None else ""
    if incidents:
        text.append(f"\n{incidents}", style="yellow")
    return text


def log_text(view: JobView) -> Text:
    text = Text()
    for index, (level, line) in enumerate(view.log):
        if index:
            text.append("\n")
        text.append(f"› {line}", style=LEVEL_STYLES.get(level, ""))
    return text
