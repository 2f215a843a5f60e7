"""One list screen: the virtual table, its search and filters, the detail pane, copy, export and live refresh.

Data flow (attributes down, messages up): the screen builds a `ListQuery` from what the operator chose and
hands it to its `PageReader` thread with a new generation number; the reader posts the first page, then the
count, then the pages the table asks for (`ReaderMessage`). Anchors for deep jumps, the detail pane and
exports run in thread workers. No database call ever runs on the UI loop.

What keeps opening a million-row list quick: the first rows are shown as soon as they are read,
before the COUNT; the search box is a stand-in until the operator first searches (`IdleSearchBox`: an
`Input` is the costliest widget to build); the filter bar is one line per filter (`ChoiceChip`, not `Select`),
the keys one line of text (`KeyBar`, not `Footer`, which builds a widget per key and rebuilds them on
focus); the detail pane is mounted the first time the operator opens it (`d`); the anchor pass (a full
ordered scan) runs only when the operator goes deep into the list, not on every open.
"""

from __future__ import annotations

import time
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from vksync_tui.clock import WallClock
from vksync_tui.store.models import database_proxy
from vksync_tui.tui.listview.choice import ChoiceChip
from vksync_tui.tui.listview.details import DETAILS, Section
from vksync_tui.tui.listview.export_view import ExportUnavailable, export_view, list_export
from vksync_tui.tui.listview.plot import HistoryScreen
from vksync_tui.tui.listview.query import ANCHOR_STEP, FilterError, ListQuery, Row, ViewState
from vksync_tui.tui.listview.reader import (
    PAGE_SIZE,
    ChangeResult,
    CountResult,
    PageReader,
    PageResult,
    ReaderResult,
    ReadFailed,
)
from vksync_tui.tui.listview.search_box import IdleSearchBox
from vksync_tui.tui.listview.specs import ListSpec
from vksync_tui.tui.listview.table import VirtualTable
from vksync_tui.tui.listview.title_line import TitleLine
from vksync_tui.tui.widgets.key_bar import KeyBar

POLL_SECONDS = 1.0
ANCHOR_REFRESH_SECONDS = 10.0


@dataclass
class ReaderMessage(Message):
    """A page (or a count) the reader thread read for the table."""

    result: ReaderResult


@dataclass
class AnchorsReady(Message):
    """The anchor rows for deep jumps of the view `state`, read for table generation `generation`."""

    generation: int
    state: ViewState
    anchors: list[Row]


@dataclass
class DetailLoaded(Message):
    """The detail pane's sections for the row at `index`."""

    index: int
    sections: list[Section]


@dataclass
class ExportDone(Message):
    """An export ended; `text` says where the file went or why it failed."""

    text: str
    _: KW_ONLY
    error: bool = False


def render_sections(sections: list[Section]) -> Text:
    text = Text()
    for i, section in enumerate(sections):
        if i:
            text.append("\n")
        text.append(section.title + "\n", style="bold")
        for line in section.lines:
            text.append(line + "\n")
    return text


class ListScreen(Screen[None]):
    AUTO_FOCUS = "#list-table"  # not the first focusable widget: the idle search box would swap itself in
    DEFAULT_CSS = """
    ListScreen #list-status { padding: 0 1; width: 1fr; height: 1; color: $text-muted; }
    ListScreen #list-filters { height: 3; }
    ListScreen #list-search, ListScreen #list-search-idle { width: 1fr; }
    ListScreen #list-body { height: 1fr; }
    ListScreen #list-detail { width: 52; border-left: vkey $panel; padding: 0 1; }
    ListScreen.-no-detail #list-detail { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the previous screen.", id="list-back"),
        Binding(
            "slash",
            "focus_search",
            "Search",
            tooltip="Search by name or id, or type filters.",
            id="list-search",
        ),
        Binding(
            "s", "sort", "Sort", tooltip="Sort by the highlighted column (again: reverse).", id="list-sort"
        ),
        # The table's own left/right, also from a filter chip: the column to sort by can be chosen whatever
        # is focused (the search box keeps left/right for its text).
        Binding("left", "column(-1)", "Column left", show=False, id="list-column-left"),
        Binding("right", "column(1)", "Column right", show=False, id="list-column-right"),
        Binding("c", "copy_cell", "Copy cell", tooltip="Copy the highlighted cell.", id="list-copy-cell"),
        Binding("i", "copy_id", "Copy id", tooltip="Copy the row's id.", id="list-copy-id"),
        Binding("d", "toggle_detail", "Detail", tooltip="Show or hide the detail pane.", id="list-detail"),
        Binding(
            "e", "export('csv')", "Export CSV", tooltip="Export the filtered view as CSV.", id="list-csv"
        ),
        Binding(
            "E",
            "export('jsonl')",
            "Export JSONL",
            tooltip="Export the filtered view as JSON Lines.",
            id="list-jsonl",
        ),
        Binding("p", "plot", "History plot", tooltip="Joins, leaves and members over time.", id="list-plot"),
        Binding("f5", "reload", "Reload", tooltip="Re-read the list from the database.", id="list-reload"),
    ]

    def __init__(
        self,
        spec: ListSpec,
        group_id: int,
        *,
        export_dir: Path,
        clock: WallClock = time.time,
        community_title: str | None = None,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.group_id = group_id
        self.export_dir = export_dir
        self.clock = clock
        self.community_title = community_title or f"club{group_id}"
        self.state = ViewState(choices={f.name: f.choices[0].label for f in spec.choice_filters})
        self.total: int | None = None
        self.reader = PageReader(lambda result: self.post_message(ReaderMessage(result)))
        self._anchors: list[Row] | None = None
        self._anchors_at: float | None = None
        self._anchors_building = False
        self.add_class("-no-detail")
        # Start reading now: the first page and the COUNT (SQLite releases the GIL) overlap Textual's compose,
        # CSS and layout of this screen instead of following them. Results wait in the message queue.
        self.query_: ListQuery = ListQuery(spec, group_id, self.state)
        self.generation = 1
        self.reader.start()
        self.reader.set_query(self.query_, self.generation)

    # --- layout and life cycle -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleLine(self._sub_title())
        with Horizontal(id="list-filters"):
            yield IdleSearchBox(self._search_hint(), id="list-search-idle")
            for choice_filter in self.spec.choice_filters:
                yield ChoiceChip(choice_filter, id=f"filter-{choice_filter.name}")
        yield Label("counting…", id="list-status")
        with Horizontal(id="list-body"):
            yield VirtualTable(self.spec, self._load_page, id="list-table")
        yield KeyBar()

    def _search_hint(self) -> str:
        tokens = " ".join(f"{f.name}:…" for f in self.spec.value_filters)
        return f"search {self.spec.search_hint}{'; filters ' + tokens if tokens else ''} (enter)"

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#list-table", VirtualTable)

    def _sub_title(self) -> str:
        return f"{self.spec.title} · {self.community_title}"

    def on_mount(self) -> None:
        self.sub_title = self._sub_title()
        self._show_view(self.query_)
        self.table.focus()
        self.set_interval(POLL_SECONDS, self.reader.poll)

    def on_unmount(self) -> None:
        self.reader.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "plot":
            return self.spec.name == "subscribers"
        return True

    # --- the view ----------------------------------------------------------------------------------------

    def apply_view(self, state: ViewState, *, live: bool = False) -> bool:
        """Show `state` (a new generation of pages); False (and a warning) if a typed filter is invalid."""
        try:
            query = ListQuery(self.spec, self.group_id, state)
        except FilterError as problem:
            self.notify(str(problem), severity="warning", title="Filter")
            return False
        self.state = state
        self.query_ = query
        self.generation += 1
        if not live:
            self.total = None
            self._anchors = None
            self._anchors_at = None
        self.reader.set_query(query, self.generation)
        if self._anchors is not None:
            self.reader.set_anchors(self.generation, self._anchors)
        self._show_view(query, keep_rows=live)
        return True

    def _show_view(self, query: ListQuery, *, keep_rows: bool = False) -> None:
        table = self.table
        table.sort_column = query.sort_column.name
        table.descending = query.descending
        table.reset(self.generation, keep_rows=keep_rows)
        self._show_status()

    def on_reader_message(self, message: ReaderMessage) -> None:
        result = message.result
        if isinstance(result, ChangeResult):
            self.apply_view(self.state, live=True)
        elif isinstance(result, ReadFailed):
            self.notify(result.error, severity="error", title=f"{self.spec.title}: read failed")
        elif result.generation != self.generation:
            return
        elif isinstance(result, CountResult):
            self.total = result.total
            self.table.set_total(result.total)
            self._refresh_stale_anchors()
            self._show_status()
        elif isinstance(result, PageResult):
            # The first rows before the count: the table must know they exist before it takes them, or the
            # cursor's row reads as missing and the detail pane is never told about it.
            if self.total is None and result.page == 0:
                self.table.set_total(len(result.rows))
            self.table.add_page(result.generation, result.page, result.rows)

    def _load_page(self, generation: int, page: int) -> None:
        """The table's page wish goes to the reader; a page deep inside a big list also asks for anchors."""
        self.reader.request_page(generation, page)
        if self.total is not None and self._anchors is None:
            start = page * PAGE_SIZE
            if min(start, self.total - start) >= ANCHOR_STEP:
                self._build_anchors()

    def _refresh_stale_anchors(self) -> None:
        """A live sync reuses the last anchors for a while (they shift slightly), then reads them again."""
        if self._anchors is None or self._anchors_at is None:
            return
        if self.clock() - self._anchors_at >= ANCHOR_REFRESH_SECONDS:
            self._build_anchors()

    def _build_anchors(self) -> None:
        """Deep jumps need anchors: one ordered pass in a worker, never more than one at a time."""
        if self._anchors_building:
            return
        self._anchors_building = True
        self._anchors_at = self.clock()
        self._read_anchors(self.query_, self.generation)

    @work(thread=True, group="list-anchors", description="Indexing the list for jumps", exit_on_error=False)
    def _read_anchors(self, query: ListQuery, generation: int) -> None:
        anchors: list[Row] = []
        try:
            with database_proxy.connection_context():
                anchors = query.anchors()
        finally:  # a failed pass still ends the build, so a later deep jump may try again
            self.post_message(AnchorsReady(generation, query.state, anchors))

    def on_anchors_ready(self, message: AnchorsReady) -> None:
        self._anchors_building = False
        if message.state != self.state or not message.anchors:
            return
        self._anchors = message.anchors
        self.reader.set_anchors(self.generation, message.anchors)

    def _show_status(self) -> None:
        table = self.table
        parts = [self.spec.title]
        if self.total is None:
            parts.append("counting…")
        elif self.total == 0:
            parts.append("no rows")
        else:
            first = min(table.first_visible + 1, self.total)
            last = min(table.first_visible + table.visible_rows, self.total)
            parts.append(f"rows {first:,}–{last:,} of {self.total:,}")
        if self.query_ is not None:
            arrow = "▼" if self.query_.descending else "▲"
            parts.append(f"sorted by {self.query_.sort_column.title} {arrow}")
        if self.state.search:
            parts.append(f"search {self.state.search!r}")
        # A fixed one-line box: new text needs no layout of the screen (Static's default would do one).
        self.query_one("#list-status", Label).update(" · ".join(parts), layout=False)

    @on(VirtualTable.ViewMoved)
    def _view_moved(self) -> None:
        self._show_status()

    # --- search, filters, sort -------------------------------------------------------------------------

    @on(Input.Submitted, "#list-search")
    def _search(self, event: Input.Submitted) -> None:
        if self.apply_view(
            ViewState(event.value.strip(), self.state.choices, self.state.sort, self.state.descending)
        ):
            self.table.focus()

    @on(ChoiceChip.Changed)
    def _choice(self, event: ChoiceChip.Changed) -> None:
        if self.state.choices.get(event.name) != event.value:
            choices = {**self.state.choices, event.name: event.value}
            self.apply_view(ViewState(self.state.search, choices, self.state.sort, self.state.descending))

    def set_filter(self, name: str, choice: str) -> None:
        """Choose a choice filter by name (what the chip does; also for tests and the palette)."""
        self.query_one(f"#filter-{name}", ChoiceChip).value = choice

    def action_column(self, delta: int) -> None:
        self.table.action_column(delta)

    def action_sort(self) -> None:
        """Sort by the highlighted column; again: reverse. Counts start largest first."""
        self.sort_by(self.spec.columns[self.table.cursor_column].name)

    def sort_by(self, name: str) -> None:
        column = self.spec.column(name)
        if column.sort_sql is None:
            names = ", ".join(c.title for c in self.spec.sortable)
            self.notify(f"{column.title} is not sortable; sortable: {names}", severity="warning")
            return
        if self.query_.sort_column.name == column.name:
            descending = not self.query_.descending
        else:
            descending = column.descending_first
        self.apply_view(ViewState(self.state.search, self.state.choices, column.name, descending))

    async def action_focus_search(self) -> None:
        (await self.search_input()).focus()

    async def search_input(self) -> Input:
        """The search `Input`, swapped in for the idle box the first time the operator goes for it."""
        found = self.query("#list-search")
        if found:
            return found.first(Input)
        search = Input(placeholder=self._search_hint(), id="list-search")
        idle = self.query_one("#list-search-idle", IdleSearchBox)
        await self.query_one("#list-filters").mount(search, before=idle)
        await idle.remove()
        return search

    @on(IdleSearchBox.Wanted)
    async def _search_wanted(self) -> None:
        await self.action_focus_search()

    def action_reload(self) -> None:
        self.apply_view(self.state)

    def action_back(self) -> None:
        if self.focused is not None and self.focused.id == "list-search":
            self.table.focus()
        else:
            self.app.pop_screen()

    # --- detail, copy ----------------------------------------------------------------------------------

    def _row_id(self, row: Row) -> int:
        if self.spec.detail == "post":
            return int(row[0])
        return int(row[self.spec.user_key_index or 0])

    @on(VirtualTable.CursorMoved)
    def _cursor_moved(self, message: VirtualTable.CursorMoved) -> None:
        if self.has_class("-no-detail"):
            return
        if message.row is None:  # its page is on the way: never leave the previous row's details up
            self.query_one("#detail-text", Static).update(Text("…", style="dim"))
            return
        self._load_detail(message.index, self._row_id(message.row))

    @work(thread=True, exclusive=True, group="list-detail", description="Reading the row's details",
          exit_on_error=False)
    def _load_detail(self, index: int, row_id: int) -> None:
        with database_proxy.connection_context():
            sections = DETAILS[self.spec.detail](self.group_id, row_id)
        self.post_message(DetailLoaded(index, sections))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        if message.index == self.table.cursor_row and not self.has_class("-no-detail"):
            self.query_one("#detail-text", Static).update(render_sections(message.sections))

    def action_toggle_detail(self) -> None:
        """The pane is mounted the first time it is shown (most visits never open it), then only toggled."""
        if not self.query("#list-detail"):
            self.query_one("#list-body", Horizontal).mount(
                VerticalScroll(Static("", id="detail-text"), id="list-detail")
            )
        self.toggle_class("-no-detail")
        if not self.has_class("-no-detail"):
            table = self.table
            self.post_message(VirtualTable.CursorMoved(table.cursor_row, table.row(table.cursor_row)))

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {what}: {text}")

    def action_copy_cell(self) -> None:
        table = self.table
        row = table.row(table.cursor_row)
        if row is not None:
            self._copy(
                table.cell_text(row, table.cursor_column), self.spec.columns[table.cursor_column].title
            )

    def action_copy_id(self) -> None:
        row = self.table.row(self.table.cursor_row)
        if row is not None:
            self._copy(str(self._row_id(row)), "id")

    # --- export, plot --------------------------------------------------------------------------------------

    def action_export(self, fmt: str) -> None:
        if self.query_ is None:
            return
        try:
            list_export(self.query_)
        except ExportUnavailable as problem:
            self.notify(str(problem), severity="warning", title="Export")
            return
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%d-%H%M%S")
        path = self.export_dir / f"{self.spec.name}-{self.group_id}-{stamp}.{fmt}"
        self.notify(f"exporting the filtered view to {path}…")
        self._export(self.query_, path, fmt)

    @work(thread=True, group="list-export", description="Exporting the filtered view", exit_on_error=False)
    def _export(self, query: ListQuery, path: Path, fmt: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with database_proxy.connection_context(), path.open("w", encoding="utf-8", newline="") as out:
                count = export_view(query, out, fmt)
        except (OSError, ExportUnavailable) as problem:
            self.post_message(ExportDone(f"export failed: {problem}", error=True))
            return
        self.post_message(ExportDone(f"exported {count:,} rows to {path}"))

    def on_export_done(self, message: ExportDone) -> None:
        """Long enough on screen to read (and copy) where the file went."""
        self.notify(
            message.text, severity="error" if message.error else "information", title="Export", timeout=15
        )

    def action_plot(self) -> None:
        self.app.push_screen(HistoryScreen(self.group_id, self.community_title))
