"""The subscribers history plot: member count over time, and joins and leaves per day, in the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Label
from textual_plotext import PlotextPlot

from vksync_tui.store.models import database_proxy
from vksync_tui.tui.listview.history import History, member_history
from vksync_tui.tui.widgets.key_bar import KeyBar

TICKS = 6
MIN_DAYS = 2  # one day is a single dot and one bar as wide as the plot: say it in words instead


def _day_label(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d")


class HistoryScreen(Screen[None]):
    DEFAULT_CSS = """
    HistoryScreen PlotextPlot { height: 1fr; }
    HistoryScreen #history-status { padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q", "app.pop_screen", "Back", tooltip="Back to the subscribers list.", id="history-back"
        ),
    ]

    @dataclass
    class Loaded(Message):
        """The community's membership history, read from the database."""

        history: History

    def __init__(self, group_id: int, title: str) -> None:
        super().__init__()
        self.group_id = group_id
        self.list_title = title
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("reading membership events…", id="history-status")
        yield PlotextPlot(id="members-plot")
        yield PlotextPlot(id="churn-plot")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = f"{self.list_title}: history"
        self._load()

    @work(
        thread=True, exclusive=True, group="history-load", exit_on_error=False, description="Member history"
    )
    def _load(self) -> None:
        with database_proxy.connection_context():
            history = member_history(self.group_id)
        self.post_message(self.Loaded(history))

    def on_history_screen_loaded(self, message: Loaded) -> None:
        self.loaded = True
        history = message.history
        status = self.query_one("#history-status", Label)
        plots = list(self.query(PlotextPlot).results(PlotextPlot))
        if len(history.days) < MIN_DAYS:
            for plot in plots:
                plot.display = False
            status.update(short_history_text(history))
            return
        status.update(
            f"{_day_label(history.days[0])} … {_day_label(history.days[-1])}: "
            f"{sum(history.joins):,} joined, {sum(history.leaves):,} left, "
            f"{history.members[-1]:,} members now"
        )
        x = list(range(len(history.days)))
        step = max(1, -(-len(x) // TICKS))
        ticks = x[::step]
        labels = [_day_label(history.days[i]) for i in ticks]
        members = self.query_one("#members-plot", PlotextPlot)
        plt = members.plt
        plt.clear_figure()
        plt.title("Members at the end of each day")
        plt.plot(x, history.members, marker="braille")
        plt.xticks(ticks, labels)
        plt.yticks(*integer_ticks(min(history.members), max(history.members)))
        members.refresh()
        churn = self.query_one("#churn-plot", PlotextPlot)
        plt = churn.plt
        plt.clear_figure()
        plt.title("Joins (up) and leaves (down) per day")
        plt.bar(x, history.joins, label="joins", color="green", width=0.6)
        plt.bar(x, [-n for n in history.leaves], label="leaves", color="red", width=0.6)
        plt.xticks(ticks, labels)
        plt.yticks(*integer_ticks(-max(history.leaves), max(history.joins)))
        churn.refresh()


def short_history_text(history: History) -> str:
    """What a history too short to plot says instead (a plot of one day is one dot and one full-width bar)."""
    if history.empty:
        return "No joins or leaves recorded yet: they appear after the second subscribers sync."
    return (
        f"Only one day of history so far ({_day_label(history.days[0])}): {history.joins[0]:,} joined, "
        f"{history.leaves[0]:,} left, {history.members[-1]:,} members now. "
        f"The plots appear once joins or leaves are recorded on {MIN_DAYS} different days."
    )


def integer_ticks(low: int, high: int, count: int = 5) -> tuple[list[int], list[str]]:
    """About `count` round integer ticks from `low` to `high` (steps of 1, 2 or 5 × 10^k), labelled with
    thousands separators: plotext's own labels are floats (`150045.0`)."""
    if high <= low:
        return [low], [f"{low:,}"]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** max(len(str(int(raw))) - 1, 0)
    step = next((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw), 10 * magnitude)
    first = -(-low // step) * step
    ticks = list(range(first, high + 1, step)) or [low]
    return ticks, [f"{tick:,}" for tick in ticks]
