"""The live panel of one running sync: phases with bars and ETA, figures, tokens, errors and a short log.

The panel holds no state of its own beyond its widgets: the App folds engine events into a `JobView` and calls
`show(view)`; the engine's reporter already throttles `Progress`, so a render per event is cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Label, ProgressBar, Static

from vksync_tui.sync.runs import incidents_line
from vksync_tui.tui import format as fmt
from vksync_tui.tui.jobs import JobKey, JobView, PhaseView
from vksync_tui.tui.widgets.too_small import TALL_HEIGHT

PHASES_SHOWN = 4  # the latest phases; a long job's earlier ones scroll off
PHASES_SHOWN_SHORT = 2  # on a terminal shorter than TALL_HEIGHT, where the panel must fit under the cards
LEVEL_STYLES = {"info": "dim", "warning": "yellow", "error": "bold red"}
STATUS_STYLES = {
    "running": "bold cyan",
    "applied": "bold green",
    "done": "bold green",
    "pending": "bold yellow",
    "aborted": "bold red",
    "failed": "bold red",
    "cancelled": "yellow",
    "discarded": "yellow",
}


class PhaseRow(Horizontal):
    """One phase name: its bar and percentage, then its own figures (items in its unit) and the engine's ETA
    (not the bar's own, which would depend on the wall clock)."""

    def __init__(self, phase: PhaseView, list_name: str) -> None:
        super().__init__(classes="phase-row")
        self.number = phase.number
        self._name = Label(phase_title(phase.name, list_name), classes="phase-name")
        self._bar = ProgressBar(total=None, show_eta=False, classes="phase-bar")
        self._detail = Label("", classes="phase-eta")

    def compose(self) -> ComposeResult:
        yield self._name
        yield self._bar
        yield self._detail

    def show(self, phase: PhaseView, view: JobView, list_name: str) -> None:
        jobs = f" ×{len(phase.runs)}" if len(phase.runs) > 1 else ""
        self._name.update(f"{phase_title(phase.name, list_name)}{jobs}")
        total, done = bar_figures(phase)
        self._bar.update(total=total, progress=done)
        self._detail.update(phase_detail(phase, view))


def phase_title(phase: str, list_name: str) -> str:
    """`interactions-repost` in the interactions panel reads better as `repost`."""
    prefix = f"{list_name}-"
    return phase[len(prefix) :] if phase.startswith(prefix) and len(phase) > len(prefix) else phase


def bar_figures(phase: PhaseView) -> tuple[float | None, float]:
    """Chunks are the honest unit of progress; the phase's items are the fallback when it has no chunk count
    (only against its own expected figure: the job's expected count may be in another unit). A phase that
    ended short of its total (cancelled, failed) keeps its bar where it stopped."""
    total = phase.chunks_total
    if phase.complete:
        return 1, 1
    if total:
        return total, min(phase.chunks_done, total)
    expected = phase.expected_items
    if expected:
        return expected, min(phase.items, expected)
    return None, 0


def phase_detail(phase: PhaseView, view: JobView) -> str:
    """The phase's own figures: items in its unit (of its expected count), then how it is going or ended."""
    expected = phase.expected_items
    items = f"{fmt.count(phase.items)}/{fmt.count(expected)}" if expected else fmt.count(phase.items)
    parts = [f"{items} {phase.item_unit}"] if phase.snapshots else []
    if phase.complete:
        parts.append(f"done in {fmt.duration(phase.seconds)}")
    elif phase.done or not view.running:
        ended = view.status if view.status in ENDED_SHORT else "stopped"
        parts.append(ended)  # the bar shows where
    else:
        running = phase.running
        eta = running[-1].eta_seconds if running else None
        parts.append(f"ETA {fmt.duration(eta)}" if eta is not None else "running")
    return " · ".join(parts)


ENDED_SHORT = frozenset({"cancelled", "failed", "aborted"})


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

    @dataclass
    class CancelRequested(Message):
        """Stop the panel's sync at its next batch boundary."""

        key: JobKey

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
        """Phases beside the log, the run's figures under both (the log moves under them when narrow)."""
        with Horizontal(classes="panel-columns"):
            yield self._phases
            yield self._log
        yield self._figures

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
        self.set_class(view.status == "pending", "-pending")
        limit = PHASES_SHOWN if self.screen.size.height >= TALL_HEIGHT else PHASES_SHOWN_SHORT
        shown = view.phases[-limit:]
        for number in [number for number in self._phase_rows if number < shown[0].number] if shown else []:
            self._phase_rows.pop(number).remove()
        for phase in shown:
            row = self._phase_rows.get(phase.number)
            if row is None:
                later = [shown_row for number, shown_row in self._phase_rows.items() if number > phase.number]
                row = self._phase_rows[phase.number] = PhaseRow(phase, self.key.list_name)
                self._phases.mount(row, before=min(later, key=lambda r: r.number) if later else None)
            row.show(phase, view, self.key.list_name)
        wide = self.screen.has_class("-wide")
        self._figures.update(figures_text(view, last_note=not wide))
        self._log.update(log_text(view))

    def on_resize(self) -> None:
        """Crossing the 120-column breakpoint moves the log beside the phases or into the figures."""
        if self._view is not None:
            self.show(self._view)


def figures_text(view: JobView, *, last_note: bool = False) -> Text:
    """The run's totals (labelled `run`), the running phases' rates (`now`, by phase), errors, tokens.

    Each phase's own items are on its row; these lines belong to the whole run. A finished run's totals come
    from its summary (what was recorded), a running one's from the reporter's running totals. Every line
    stays within an 80-column panel; `last_note` adds the log's latest line (a panel too narrow for the log),
    after the run's latest warning of its own if it has one.
    """
    summary = view.finished.summary if view.finished is not None else None
    text = Text()
    text.append(f"status {view.status}", style=STATUS_STYLES.get(view.status, "bold"))
    text.append(" · run: ")
    if summary is not None:
        seconds = summary.get("seconds")
        text.append(
            f"fetched {fmt.count(_int(summary.get('fetched')))} of {fmt.count(_int(summary.get('expected')))}"
            f" expected in {fmt.duration(seconds if isinstance(seconds, int | float) else None)}"
        )
        requests, retried_ok = _int(summary.get("requests")), _int(summary.get("retried_ok")) or 0
        failed = len(summary.get("failed_chunks") or [])
    else:
        run = view.progress.run
        text.append(f"{fmt.count(view.expected_items)} expected")
        requests, retried_ok = run.requests, run.chunks_retried_ok
        failed = run.chunks_failed
    text.append(f"\nrun: {fmt.plural(requests, 'request')} · ")
    text.append(f"{fmt.plural(failed, 'chunk')} failed", style="bold red" if failed else "")
    text.append(f", {retried_ok} retried ok · errors ")
    errors = view.progress.errors_by_code
    text.append(fmt.errors_by_code(errors), style="yellow" if errors else "")
    rate = rate_line(view)
    if rate:
        text.append(f"\n{rate}")
    tokens = view.token_counts()
    text.append("\ntokens ")
    text.append(f"{tokens['ok']} active", style="green")
    text.append(" · ")
    text.append(f"{tokens['cooling']} cooling", style="yellow" if tokens["cooling"] else "")
    text.append(" · ")
    text.append(f"{tokens['disabled']} disabled", style="red" if tokens["disabled"] else "")
    incidents = incidents_line(summary) if summary is not None else ""
    if incidents:
        text.append(f"\n{incidents}", style="yellow")
    if last_note:
        notes = [view.notice] if view.notice is not None else []
        notes += [note for note in list(view.log)[-1:] if note not in notes]
        for level, line in notes:
            text.append(f"\n› {line}", style=LEVEL_STYLES.get(level, ""))
    return text


def rate_line(view: JobView) -> str:
    """The rate of each phase running now, against its own ceiling (phases of one run may overlap)."""
    if not view.running:
        return ""
    parts = [
        f"{phase_title(progress.phase, view.key.list_name)} {fmt.rate(progress.requests_per_second)} rps "
        f"of {fmt.rate(progress.ceiling_rps)} ceiling"
        for phase in view.phases
        for progress in phase.running[-1:]
    ]
    return "now: " + " · ".join(parts) if parts else ""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def log_text(view: JobView) -> Text:
    text = Text()
    for index, (level, line) in enumerate(view.log):
        if index:
            text.append("\n")
        text.append(f"› {line}", style=LEVEL_STYLES.get(level, ""))
    return text
