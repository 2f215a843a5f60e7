"""Review of a subscribers diff before anything is marked as left: totals, paged joined/left lists, search.

`y` applies, `n` discards, `escape` leaves the diff pending for later (the dashboard badge brings it back).
A threshold abort opens the same screen with its figures and nothing to confirm: nothing was changed.
Pages are read by a thread worker on this screen (reads only; leaving the screen may cancel them harmlessly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static, TabbedContent, TabPane

from vksync_tui.store.models import database_proxy
from vksync_tui.tui import format as fmt
from vksync_tui.tui.diff_pages import PAGE_SIZE, DiffPage, diff_page
from vksync_tui.tui.lists import PendingInfo
from vksync_tui.tui.listview.title_line import TitleLine
from vksync_tui.tui.widgets.key_bar import KeyBar
from vksync_tui.tui.widgets.too_small import TooSmall

Decision = Literal["apply", "discard"]
PROFILES_HINT = (
    "Some people here have no profile yet: f fetches their profiles (a profiles sync of this diff's people)."
)
KINDS = ("joined", "left")


@dataclass(frozen=True)
class ThresholdAbort:
    """Figures of a subscribers sync stopped by the safety threshold (from its summary)."""

    expected: int | None
    fetched: int | None
    threshold: float | None
    error: str | None = None


@dataclass
class Pager:
    """Keyset pages of one list: `starts[i]` is the user id after which page i begins."""

    starts: list[int] = field(default_factory=lambda: [0])
    last_page: DiffPage | None = None

    @property
    def index(self) -> int:
        return len(self.starts) - 1


@dataclass
class PageLoaded(Message):
    """A page of the pending diff, read for the search `search` after `after_user_id`."""

    page: DiffPage
    search: str
    after_user_id: int


def percent(part: int | None, whole: int | None) -> str:
    if part is None or not whole:
        return "?"
    return f"{100.0 * part / whole:.2f}%"


class DiffReviewScreen(Screen[Decision | None]):
    # Every widget the screen updates is a reference made in __init__/compose, never looked up: after
    # app.exit() (or a pop while the screen mounts) on_mount and the page loads still run with nothing nested
    # mounted, so at the key-latency bench's exit `query_one("#table-joined")` in on_mount crashed, and
    # `query_one("#diff-tabs")` in on_page_loaded still could (tests/tui/test_tabbed_mount_order.py).
    AUTO_FOCUS = "#table-joined"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y",
            "decide('apply')",
            "Apply",
            tooltip="Apply: record joins and mark left members as left.",
            id="diff-apply",
        ),
        Binding(
            "n",
            "decide('discard')",
            "Discard",
            tooltip="Discard this diff; members stay unchanged.",
            id="diff-discard",
        ),
        Binding(
            "escape",
            "leave_pending",
            "Leave pending",
            tooltip="Close and keep the diff for later (in the search box: back to the list).",
            id="diff-leave",
        ),
        # Priority: the focused table would otherwise scroll within the 100 loaded rows instead of paging SQL.
        Binding("pagedown", "page(1)", "Next page", id="diff-next-page", priority=True),
        Binding("pageup", "page(-1)", "Previous page", id="diff-previous-page", priority=True),
        Binding("right_square_bracket", "page(1)", "Next page", show=False, id="diff-next-page-alt"),
        Binding("left_square_bracket", "page(-1)", "Previous page", show=False, id="diff-previous-page-alt"),
        Binding("slash", "focus_search", "Search", id="diff-search"),
        Binding(
            "f",
            "fetch_profiles",
            "Fetch profiles",
            tooltip="Fetch the profiles of the people in this diff (a profiles sync), to see their names.",
            id="diff-fetch-profiles",
        ),
        Binding("tab", "switch_list", "Joined/left", show=False, id="diff-switch"),
    ]

    def __init__(
        self,
        group_id: int,
        community_title: str,
        pending: PendingInfo | None,
        abort: ThresholdAbort | None = None,
        *,
        now: float,
    ) -> None:
        super().__init__(classes="diff-review")
        self.group_id = group_id
        self.community_title = community_title
        self.pending = pending
        self.abort = abort
        self.now = now
        self.pagers = {kind: Pager() for kind in KINDS}
        self.tables: dict[str, DataTable[Any]] = {}
        # Open where the rows are: a mass exodus with nobody joining must not open on an empty Joined list.
        leavers_only = pending is not None and pending.joined == 0 and pending.left > 0
        self.first_kind = "left" if leavers_only else "joined"
        self.AUTO_FOCUS = f"#table-{self.first_kind}"
        # No `initial=`: a tab bar told its first tab checks on mount that the tab exists, and after
        # app.exit() its tabs are never mounted, so ctrl+q as the review opens would raise "No Tab with id";
        # on_mount picks the tab when it is there.
        self.tabs = TabbedContent(id="diff-tabs")
        self.pager_label = Label("", id="diff-pager")
        self.search_input = Input(placeholder="name, screen name or id", id="diff-search-input")
        self.profiles_hint = Label(PROFILES_HINT, id="diff-profiles-hint")
        self.profiles_hint.display = pending is not None and pending.profiles_missing
        self.search = ""

    def compose(self) -> ComposeResult:
        # Not Textual's Header: its on_mount looks up its own title widget, which is missing when the screen
        # is popped while it mounts (escape on a busy loop) — a crash (tests/tui/test_tabbed_mount_order.py).
        yield TitleLine("threshold abort" if self.pending is None else "pending diff")
        yield TooSmall()
        yield Static(self._totals(), id="diff-totals")
        if self.pending is None:
            yield Static(self._abort_text(), id="diff-abort")
            yield KeyBar()
            return
        with Horizontal(id="diff-search-bar"):
            yield Label("Search", id="diff-search-label")
            yield self.search_input
        with self.tabs:
            for kind in KINDS:
                count = self.pending.joined if kind == "joined" else self.pending.left
                sign = "+" if kind == "joined" else "−"
                with TabPane(f"{kind.capitalize()} {sign}{fmt.count(count)}", id=f"tab-{kind}"):
                    yield self._table(kind)
        yield self.pager_label
        yield self.profiles_hint
        yield Static(
            Text.assemble(
                ("y", "bold green"),
                " apply   ",
                ("n", "bold red"),
                " discard   ",
                ("escape", "bold"),
                " leave pending",
            ),
            id="diff-actions",
        )
        yield KeyBar()

    def _table(self, kind: str) -> DataTable[Any]:
        table: DataTable[Any] = DataTable(id=f"table-{kind}", cursor_type="row", zebra_stripes=True)
        table.add_column("user id", key="id", width=12)
        table.add_column("name", key="name", width=32)
        table.add_column("screen name", key="domain", width=20)
        table.add_column("note", key="note", width=10)
        self.tables[kind] = table
        return table

    def on_mount(self) -> None:
        if self.pending is None:
            self.sub_title = "threshold abort"
            return
        self.sub_title = "pending diff"
        if self._has_tab(self.first_kind):  # else the screen is going before its tabs mounted
            self.tabs.active = f"tab-{self.first_kind}"
        for kind in KINDS:
            self.load_page(kind)

    def _has_tab(self, kind: str) -> bool:
        try:
            self.tabs.get_tab(f"tab-{kind}")
        except NoMatches:
            return False
        return True

    async def action_fetch_profiles(self) -> None:
        """Ask the App for the profiles sync of this diff's people (`profiles_fetched` follows it)."""
        self.profiles_hint.update("fetching the profiles of the people in this diff…")
        self.profiles_hint.display = True
        await self.app.run_action(f"app.fetch_diff_profiles({self.group_id})")

    def profiles_fetched(self) -> None:
        """A profiles sync of this community ended: read the pages again, now with the names it stored."""
        self.profiles_hint.display = False
        if self.pending is not None:
            for kind in KINDS:
                self.load_page(kind)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A threshold abort has nothing to confirm, page or search: hide those keys (escape leaves)."""
        if self.pending is None:
            return action == "leave_pending"
        return True

    @property
    def active_kind(self) -> str:
        return "left" if self.tabs.active == "tab-left" else "joined"

    def _totals(self) -> Text:
        text = Text()
        if self.pending is not None:
            p = self.pending
            text.append(f"Pending subscribers diff of {self.community_title}", style="bold")
            text.append(f" — run #{p.run_id}, {fmt.ago(p.created_at, self.now)}\n")
            text.append(
                f"expected {fmt.count(p.expected)} · fetched {fmt.count(p.fetched)} "
                f"({percent(p.fetched, p.expected)}) · "
            )
            text.append(f"joined +{fmt.count(p.joined)}", style="green")
            text.append(" · ")
            text.append(f"left −{fmt.count(p.left)}", style="red")
            text.append(f" · verified still members {fmt.count(p.still_member)}")
            if p.threshold is not None:
                text.append(f" · threshold {p.threshold:.0%}")
            if p.baseline:
                text.append(
                    "\nFirst sync of this community: applying records the members as a baseline "
                    "(no join events, join dates unknown).",
                    style="italic",
                )
            return text
        text.append(
            f"Subscribers sync of {self.community_title} stopped by the safety threshold", style="bold red"
        )
        return text

    def _abort_text(self) -> Text:
        abort = self.abort or ThresholdAbort(None, None, None)
        text = Text()
        text.append(
            f"expected {fmt.count(abort.expected)} · fetched {fmt.count(abort.fetched)} "
            f"({percent(abort.fetched, abort.expected)})"
        )
        if abort.threshold is not None:
            text.append(f" · below the {abort.threshold:.0%} threshold", style="bold red")
        text.append("\n\n")
        if abort.error:
            text.append(f"{abort.error}\n\n", style="yellow")
        text.append(
            "Nothing was changed: no member is marked as left and there is nothing to confirm.\n"
            "Check the tokens and the network, then sync again.\n\n"
        )
        text.append("escape", style="bold")
        text.append(" back to the dashboard")
        return text

    def load_page(self, kind: str) -> None:
        """Read the current page of `kind` in a thread; a newer request for the same list supersedes it (each
        list has its own exclusive worker group, so paging one never cancels the other's read)."""
        assert self.pending is not None
        readers = {"joined": self._read_joined_page, "left": self._read_left_page}
        readers[kind](self.pending.run_id, self.pagers[kind].starts[-1], self.search)

    @work(thread=True, exclusive=True, group="diff-page-joined", exit_on_error=False,
          description="Reading a page of joined members")
    def _read_joined_page(self, run_id: int, after_user_id: int, search: str) -> None:
        self._read_page(run_id, "joined", after_user_id, search)

    @work(thread=True, exclusive=True, group="diff-page-left", exit_on_error=False,
          description="Reading a page of left members")
    def _read_left_page(self, run_id: int, after_user_id: int, search: str) -> None:
        self._read_page(run_id, "left", after_user_id, search)

    def _read_page(self, run_id: int, kind: str, after_user_id: int, search: str) -> None:
        with database_proxy.connection_context():
            page = diff_page(run_id, kind, search=search, after_user_id=after_user_id)
        self.post_message(PageLoaded(page, search, after_user_id))

    def on_page_loaded(self, message: PageLoaded) -> None:
        page = message.page
        if message.search != self.search or message.after_user_id != self.pagers[page.kind].starts[-1]:
            return
        self.pagers[page.kind].last_page = page
        table = self.tables[page.kind]
        table.clear()
        for row in page.rows:
            table.add_row(
                str(row.user_id), row.name, row.domain or "", row.deactivated or "", key=str(row.user_id)
            )
        self._show_pager()

    def _show_pager(self) -> None:
        kind = self.active_kind
        pager = self.pagers[kind]
        page = pager.last_page
        if page is None:
            self.pager_label.update("loading…")
            return
        first = pager.index * PAGE_SIZE + 1
        last = pager.index * PAGE_SIZE + len(page.rows)
        matched = f" matching “{self.search}”" if self.search else ""
        shown = f"rows {fmt.count(first)}–{fmt.count(last)}" if page.rows else "no rows"
        self.pager_label.update(
            f"{kind}: {shown} of {fmt.count(page.matching)}{matched} · page {pager.index + 1}"
            " · pgdn/] next · pgup/[ previous · / search"
        )

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._show_pager()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "diff-search-input":
            return
        self.search = event.value.strip()
        for kind in KINDS:
            self.pagers[kind] = Pager()
            self.load_page(kind)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.tables[self.active_kind].focus()

    def action_page(self, step: int) -> None:
        if self.pending is None:
            return
        kind = self.active_kind
        pager = self.pagers[kind]
        page = pager.last_page
        if step > 0 and page is not None and page.has_next and page.rows:
            pager.starts.append(page.rows[-1].user_id)
        elif step < 0 and pager.index > 0:
            pager.starts.pop()
        else:
            return
        self.load_page(kind)

    def action_focus_search(self) -> None:
        if self.pending is not None:
            self.search_input.focus()

    def action_switch_list(self) -> None:
        if self.pending is None:
            return
        self.tabs.active = "tab-left" if self.tabs.active == "tab-joined" else "tab-joined"
        self.tables[self.active_kind].focus()

    def action_decide(self, decision: Decision) -> None:
        if self.pending is not None:
            self.dismiss(decision)

    def action_leave_pending(self) -> None:
        """Escape in the search box goes back to the list (the search stays); elsewhere it leaves."""
        if self.focused is self.search_input:
            self.tables[self.active_kind].focus()
            return
        self.dismiss(None)
