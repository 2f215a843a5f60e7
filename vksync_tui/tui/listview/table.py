"""A virtual table on Textual's Line API: as many rows as the list has, only the visible ones ever rendered.

`virtual_size.height` is the row count (+1 for the header, which stays on line 0 whatever the scroll), so the
scroll bar spans every row of a ten-million-row list. `render_line` serves rows from an LRU cache of pages;
a missing page is asked for through `load_page` (the screen forwards it to its reader thread) and drawn as a
placeholder until `add_page` brings it. Nothing here touches the database.

After a live refresh the cache keeps the previous generation's pages on screen until the new ones arrive, so
a list that is being synced updates in place instead of blinking.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from vksync_tui.tui.listview.cells import format_cell
from vksync_tui.tui.listview.query import Row
from vksync_tui.tui.listview.reader import PAGE_SIZE
from vksync_tui.tui.listview.specs import ListSpec

CACHE_PAGES = 64
CACHE_STRIPS = 512
SEPARATOR = " │ "
LOADING = "…"


@dataclass(frozen=True)
class TableStyles:
    """The rich styles every line is drawn with, resolved once (each lookup walks the widget's ancestors)."""

    base: Style
    header: Style
    cursor_row: Style
    cursor_cell: Style
    loading: Style
    cursor_loading: Style


def fit_cell(text: str, width: int, *, right: bool = False) -> str:
    """The cell's text in exactly `width` cells; a longer one ends in `…` so a cut value never passes for a
    whole one (a cut id reads as another id). `c` copies the whole value."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + LOADING
    return text.rjust(width) if right else set_cell_size(text, width)


class VirtualTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        overflow-y: scroll;
        background: $surface;
    }
    VirtualTable > .virtual-table--header {
        text-style: bold;
        color: $accent;
        background: $panel;
    }
    VirtualTable > .virtual-table--cursor-row {
        background: $boost;
    }
    VirtualTable > .virtual-table--cursor-cell {
        background: $accent 40%;
        text-style: bold;
    }
    VirtualTable > .virtual-table--loading {
        color: $text-muted;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor-row",
        "virtual-table--cursor-cell",
        "virtual-table--loading",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="table-up"),
        Binding("down,j", "move(1)", "Down", show=False, id="table-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table-page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table-page-down"),
        Binding("home,g", "first", "First row", show=False, id="table-first"),
        Binding("end,G", "last", "Last row", show=False, id="table-last"),
        Binding("left,h", "column(-1)", "Column left", show=False, id="table-column-left"),
        Binding("right,l", "column(1)", "Column right", show=False, id="table-column-right"),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True)
    cursor_column: reactive[int] = reactive(0)

    @dataclass
    class CursorMoved(Message):
        """The highlighted row changed or its data arrived; `row` is None while its page loads."""

        index: int
        row: Row | None

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, VirtualTable.CursorMoved)

    class ViewMoved(Message):
        """The visible window scrolled (for the "rows X–Y of Z" line)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, VirtualTable.ViewMoved)

    def __init__(
        self, spec: ListSpec, load_page: Callable[[int, int], None], *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.spec = spec
        self.load_page = load_page
        self.total = 0
        self.generation = 0
        self.sort_column: str | None = None
        self.descending = False
        self._pages: OrderedDict[int, tuple[int, list[Row]]] = OrderedDict()
        self._requested: set[int] = set()
        self._key_width = len(spec.key)
        self._styles: TableStyles | None = None
        self._strips: dict[tuple[int, int | None], tuple[Row | None, Strip]] = {}

    # --- data in -----------------------------------------------------------------------------------------

    def reset(self, generation: int, *, keep_rows: bool) -> None:
        """A new generation of the view: re-request pages; keep the old rows on screen for a live refresh."""
        self.generation = generation
        self._requested.clear()
        if not keep_rows:
            self._pages.clear()
            self.set_total(0)
            self.cursor_row = 0
            self.scroll_to(y=0, animate=False)
        self.request_visible()
        self.refresh()

    def request_visible(self) -> None:
        """Ask for every page the window shows that is missing or stale (before drawing, not while)."""
        first = self.first_visible
        last = min(first + self.visible_rows, self.total) - 1
        for page in range(first // PAGE_SIZE, last // PAGE_SIZE + 1 if last >= first else first // PAGE_SIZE):
            cached = self._pages.get(page)
            if cached is None or cached[0] != self.generation:
                self._request(page)

    def set_total(self, total: int) -> None:
        self.total = total
        self._resize_virtually(Size(self.content_width, total + 1))
        if self.cursor_row >= total:
            self.cursor_row = max(0, total - 1)
        self.request_visible()
        self.refresh()
        self.post_message(self.ViewMoved())

    def add_page(self, generation: int, page: int, rows: list[Row]) -> None:
        if generation != self.generation:
            return
        self._pages[page] = (generation, rows)
        self._pages.move_to_end(page)
        self._requested.discard(page)
        while len(self._pages) > CACHE_PAGES:
            self._pages.popitem(last=False)
        self.refresh()
        if self.cursor_row // PAGE_SIZE == page:
            self.post_message(self.CursorMoved(self.cursor_row, self.row(self.cursor_row)))

    def row(self, index: int) -> Row | None:
        """The row at `index` if its page is cached (a stale page counts: it is what the screen shows)."""
        if not 0 <= index < self.total:
            return None
        cached = self._pages.get(index // PAGE_SIZE)
        if cached is None:
            return None
        rows = cached[1]
        offset = index % PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    def cell_text(self, row: Row, column_index: int) -> str:
        column = self.spec.columns[column_index]
        return format_cell(column.fmt, row[self._key_width + column_index])

    # --- geometry ----------------------------------------------------------------------------------------

    def _resize_virtually(self, size: Size) -> None:
        """A new row count without a screen layout, unless it shows or hides a scroll bar.

        Setting `virtual_size` asks Textual to lay out the whole screen (header, filters, key bar …), which
        was most of the UI work between the rows arriving and being drawn. The table's own box does not depend
        on its row count, so only the scroll bars' range must follow — what layout would do for this widget.
        The vertical bar is always shown (`overflow-y: scroll`): the first page and the count never add one.
        """
        bars = (self.show_horizontal_scrollbar, self.show_vertical_scrollbar)
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)
        if (self.show_horizontal_scrollbar, self.show_vertical_scrollbar) != bars:
            self.refresh(layout=True)

    @property
    def content_width(self) -> int:
        return sum(column.width for column in self.spec.columns) + len(SEPARATOR) * (
            len(self.spec.columns) - 1
        )

    @property
    def visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def first_visible(self) -> int:
        return int(self.scroll_offset.y)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.request_visible()
        self.post_message(self.ViewMoved())

    # --- rendering ---------------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    @property
    def table_styles(self) -> TableStyles:
        if self._styles is None:
            base = self.rich_style
            cursor_row = base + self.get_component_rich_style("virtual-table--cursor-row")
            loading = self.get_component_rich_style("virtual-table--loading")
            self._styles = TableStyles(
                base=base,
                header=self.get_component_rich_style("virtual-table--header"),
                cursor_row=cursor_row,
                cursor_cell=cursor_row + self.get_component_rich_style("virtual-table--cursor-cell"),
                loading=base + loading,
                cursor_loading=cursor_row + loading,
            )
        return self._styles

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            strip = self._header_strip()
        else:
            index = scroll_y + y - 1
            strip = self._row_strip(index) if index < self.total else Strip.blank(self.content_width)
        return strip.crop_extend(scroll_x, scroll_x + width, self.table_styles.base)

    def _header_strip(self) -> Strip:
        style = self.table_styles.header
        texts = []
        for column in self.spec.columns:
            arrow = ("▼" if self.descending else "▲") if column.name == self.sort_column else ""
            texts.append(column.title + arrow)
        return self._strip(texts, [style] * len(texts), style)

    def _row_strip(self, index: int) -> Strip:
        """A row's line, reused while the same row object is shown the same way.

        Textual redraws every visible line after each layout (a screen opening does several), so the same
        rows were formatted again and again before this cache.
        """
        page = index // PAGE_SIZE
        cached = self._pages.get(page)
        if cached is None or cached[0] != self.generation:
            self._request(page)
        row = self.row(index)
        key = (index, self.cursor_column if index == self.cursor_row else None)
        drawn = self._strips.get(key)
        if drawn is not None and drawn[0] is row:
            return drawn[1]
        strip = self._draw_row(row, key[1])
        if len(self._strips) >= CACHE_STRIPS:
            self._strips.clear()
        self._strips[key] = (row, strip)
        return strip

    def _draw_row(self, row: Row | None, cursor_column: int | None) -> Strip:
        styles = self.table_styles
        base = styles.base if cursor_column is None else styles.cursor_row
        if row is None:
            loading = styles.loading if cursor_column is None else styles.cursor_loading
            return self._strip([LOADING], [loading], base)
        texts = [self.cell_text(row, i) for i in range(len(self.spec.columns))]
        cell_styles = [base] * len(texts)
        if cursor_column is not None:
            cell_styles[cursor_column] = styles.cursor_cell
        return self._strip(texts, cell_styles, base)

    def _strip(self, texts: list[str], styles: list[Style], filler: Style) -> Strip:
        segments: list[Segment] = []
        for i, (column, text, style) in enumerate(zip(self.spec.columns, texts, styles, strict=False)):
            if i:
                segments.append(Segment(SEPARATOR, filler))
            segments.append(Segment(fit_cell(text, column.width, right=column.fmt == "int"), style))
        return Strip(segments).extend_cell_length(self.content_width, filler)

    def _request(self, page: int) -> None:
        if page not in self._requested:
            self._requested.add(page)
            self.load_page(self.generation, page)

    # --- cursor ------------------------------------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._keep_cursor_visible()
        self.refresh()
        self.post_message(self.CursorMoved(new, self.row(new)))

    def watch_cursor_column(self) -> None:
        column_start = sum(c.width + len(SEPARATOR) for c in self.spec.columns[: self.cursor_column])
        column_end = column_start + self.spec.columns[self.cursor_column].width
        width = self.scrollable_content_region.width
        if column_start < self.scroll_x:
            self.scroll_to(x=column_start, animate=False)
        elif column_end > self.scroll_x + width:
            self.scroll_to(x=column_end - width, animate=False)
        self.refresh()

    def _keep_cursor_visible(self) -> None:
        top = self.first_visible
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + self.visible_rows:
            self.scroll_to(y=self.cursor_row - self.visible_rows + 1, animate=False)

    def go_to(self, index: int) -> None:
        self.cursor_row = max(0, min(index, self.total - 1))

    def action_move(self, delta: int) -> None:
        self.go_to(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.go_to(self.cursor_row + direction * self.visible_rows)

    def action_first(self) -> None:
        self.go_to(0)

    def action_last(self) -> None:
        self.go_to(self.total - 1)

    def action_column(self, delta: int) -> None:
        self.cursor_column = max(0, min(self.cursor_column + delta, len(self.spec.columns) - 1))
