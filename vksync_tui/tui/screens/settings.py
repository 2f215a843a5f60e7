"""Settings: the token pool, tuning values with the API URL, and the configured communities.

The screen changes nothing itself: the App hands it the config, each token's figures and the clock (attributes
down), and it posts what the operator asked for (check, toggle or remove a token, add or remove a community,
save the tuning) as messages the App acts on (messages up). The App writes config.toml atomically with
`save_config`, runs token checks and community look-ups in its workers, and re-renders the screen as results
arrive. Secrets are only ever shown masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Static, TabbedContent, TabPane

from vksync_tui.clock import WallClock
from vksync_tui.config import Config, TokenEntry, Tuning
from vksync_tui.secrets import mask
from vksync_tui.tui import format as fmt
from vksync_tui.tui.screens.add_token import AddTokenScreen
from vksync_tui.tui.screens.confirm import ConfirmScreen
from vksync_tui.tui.screens.login import LoginScreen
from vksync_tui.tui.tuning import TUNING_FIELDS, TuningProblem, parse_tuning
from vksync_tui.tui.widgets.key_bar import KeyBar
from vksync_tui.tui.widgets.too_small import TooSmall
from vksync_tui.vk.activity import TokenFigures

STATUS_STYLES = {
    "ok": "green",
    "cooling": "yellow",
    "invalid": "bold red",
    "expired": "bold red",
    "disabled": "dim",
    "unchecked": "italic",
    "checking": "cyan",
}
ADMIN_LEVELS = {1: "moderator", 2: "editor", 3: "admin"}
# What says whether a token works comes first: at 80 columns the table shows label, status, last error, kind,
# the masked token and when it expires; at 120 every column; narrower, the rest scrolls (and the details under
# the table say everything about the selected token).
TOKEN_COLUMNS = (
    ("label", 16),
    ("status", 9),
    ("last error", 16),
    ("kind", 6),
    ("token", 11),
    ("expires", 9),
    ("owner", 14),
    ("admin", 10),
    ("calls today", 11),
)


class SettingsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.view('dashboard')", "Dashboard", id="settings-back"),
        Binding(
            "a", "add", "Add", tooltip="Add a token or a community (depending on the tab).", id="settings-add"
        ),
        Binding(
            "l",
            "login",
            "Log in with VK",
            tooltip="Get a user token from VK's login page for your VK app, checked and added.",
            id="settings-login",
        ),
        Binding(
            "c",
            "check_selected",
            "Check",
            tooltip="Check the selected token against VK.",
            id="settings-check",
        ),
        Binding(
            "C",
            "app.check_tokens",
            "Check all",
            tooltip="Check every token against VK.",
            id="settings-check-all",
        ),
        Binding("e", "toggle_selected", "Enable/disable", id="settings-toggle"),
        Binding(
            "x,delete",
            "remove_selected",
            "Remove",
            tooltip="Remove the selected token or community.",
            id="settings-remove",
        ),
        Binding("ctrl+s", "save_tuning", "Save tuning", id="settings-save"),
    ]

    @dataclass
    class CheckTokens(Message):
        """Ask VK about the token labelled `label` (every token when None)."""

        label: str | None

    @dataclass
    class ToggleToken(Message):
        """Leave the token out of syncs, or take it back in."""

        label: str

    @dataclass
    class RemoveToken(Message):
        """Delete the token from the config (the operator has confirmed)."""

        label: str

    @dataclass
    class AddCommunity(Message):
        """Look up the community `query` names (id, screen name or link) and add it."""

        query: str

    @dataclass
    class RemoveCommunity(Message):
        """Delete the community from the config (the operator has confirmed; its data stays)."""

        group_id: int

    @dataclass
    class SaveTuning(Message):
        """Save validated tuning values and the API URL."""

        tuning: Tuning
        api_url: str

    def __init__(
        self, config: Config, figures: Mapping[str, TokenFigures], clock: WallClock
    ) -> None:
        """`config` is the App's (read, never changed here); `figures` each token's status and requests today;
        `clock` the wall clock for "checked … ago"."""
        super().__init__()
        self.config = config
        self.figures = figures
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        with TabbedContent(id="settings-tabs"):
            with TabPane("Tokens", id="tab-tokens"):
                yield DataTable(id="token-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="token-details")
                with Horizontal(classes="button-row"):
                    yield Button("Add (a)", id="token-add")
                    yield Button("Check (c)", id="token-check")
                    yield Button("Check all (C)", id="token-check-all")
                    yield Button("On/off (e)", id="token-toggle")
                    yield Button("Remove (x)", id="token-remove", variant="error")
            with TabPane("Tuning", id="tab-tuning"), Vertical(id="tuning-form"):
                with Grid(id="tuning-grid"):
                    for name, label in TUNING_FIELDS:
                        yield Label(label, classes="tuning-label")
                        yield Input(id=f"tuning-{name}", classes="tuning-input")
                yield Label("", id="tuning-problem")
                with Horizontal(classes="button-row"):
                    yield Button("Save (ctrl+s)", id="tuning-save", variant="primary")
            with TabPane("Communities", id="tab-communities"):
                yield DataTable(id="community-table", cursor_type="row", zebra_stripes=True)
                with Horizontal(classes="button-row"):
                    yield Input(placeholder="id, screen name or vk.com link", id="community-input")
                    yield Button("Add", id="community-add")
                    yield Button("Remove (x)", id="community-remove", variant="error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "settings"
        tokens = self.query_one("#token-table", DataTable)
        for title, width in TOKEN_COLUMNS:
            tokens.add_column(title, key=title, width=width)
        communities = self.query_one("#community-table", DataTable)
        for title, width in (("id", 12), ("screen name", 20), ("title", 40)):
            communities.add_column(title, key=title, width=width)
        self.show_config(self.figures)
        tokens.focus()

    @property
    def active_tab(self) -> str:
        return self.query_one("#settings-tabs", TabbedContent).active

    def show_config(self, figures: Mapping[str, TokenFigures]) -> None:
        """Re-render the tables and the tuning form from the config (the App calls it after every save)."""
        self.show_tokens(figures)
        table = self.query_one("#community-table", DataTable)
        table.clear()
        for community in self.config.communities:
            table.add_row(str(community.id), community.screen_name, community.title, key=str(community.id))
        tuning = self.config.tuning
        for name, _label in TUNING_FIELDS:
            value = self.config.api_url if name == "api_url" else getattr(tuning, name)
            self.query_one(f"#tuning-{name}", Input).value = str(value)
        self.query_one("#tuning-problem", Label).update("")

    def show_tokens(self, figures: Mapping[str, TokenFigures]) -> None:
        """Re-render the token table with fresh `figures` (a check started or ended, a sync ran)."""
        self.figures = figures
        table = self.query_one("#token-table", DataTable)
        selected = self.selected_token()
        table.clear()
        for entry in self.config.tokens:
            table.add_row(*self._token_cells(entry, figures[entry.label]), key=entry.label)
        if selected is not None and self.config.token(selected) is not None:
            table.move_cursor(row=table.get_row_index(selected))
        self._show_details()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "token-table":
            self._show_details()

    def _show_details(self) -> None:
        """Everything the last check learned about the selected token (the table has room for a summary)."""
        label = self.selected_token()
        entry = self.config.token(label) if label is not None else None
        details = self.query_one("#token-details", Static)
        if entry is None:
            details.update(
                "No token yet: press a to add one, or l to log in with VK for a user token (every token is "
                "checked against VK before it is added)."
            )
            return
        check = entry.check
        text = Text()
        text.append(f"{entry.label}", style="bold")
        text.append(
            f"  {mask(entry.secret)} · {entry.kind} token · {'enabled' if entry.enabled else 'disabled'}"
        )
        if entry.group_id is not None:
            text.append(f" · community {entry.group_id}")
        if entry.expires_at is not None:
            when = datetime.fromtimestamp(entry.expires_at).strftime("%Y-%m-%d %H:%M")
            if entry.expired(self.clock()):
                text.append(f" · expired {when}", style="bold red")
            else:
                text.append(f" · expires {when} ({fmt.until(entry.expires_at, self.clock())})")
        text.append("\n")
        if check.checked_at is None:
            text.append(
                "never checked: press c to ask VK what this token is and what it may do", style="italic"
            )
            return details.update(text)
        text.append(f"checked {fmt.ago(check.checked_at, self.clock())}")
        if check.owner_id is not None:
            text.append(f" · owner {check.owner_name or ''} (id {check.owner_id})")
        text.append("\nscopes/rights: " + (", ".join(check.scopes) or "unknown"))
        admin = [
            f"{fmt.community_title(self.config, group)}: {ADMIN_LEVELS.get(level, str(level))}"
            for group, level in sorted(check.admin_levels.items())
            if level
        ]
        text.append("\nadmin in: " + ("; ".join(admin) or "none of the configured communities"))
        if check.last_error:
            text.append(f"\nlast error: {check.last_error}", style="red")
        details.update(text)

    def _token_cells(self, entry: TokenEntry, figures: TokenFigures) -> list[str | Text]:
        check = entry.check
        owner = check.owner_name or (str(check.owner_id) if check.owner_id is not None else "")
        if entry.kind == "group" and entry.group_id is not None:
            owner = owner or f"club{entry.group_id}"
        admin = ", ".join(
            ADMIN_LEVELS.get(level, str(level)) for _, level in sorted(check.admin_levels.items()) if level
        )
        status = figures.status
        return [
            entry.label,
            Text(status, style=STATUS_STYLES.get(status, "")),
            check.last_error or "",
            entry.kind,
            mask(entry.secret),
            expiry(entry, self.clock()),
            owner or "—",
            admin or "—",
            fmt.count(figures.calls_today),
        ]

    def selected_token(self) -> str | None:
        table = self.query_one("#token-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return cast(str, row_key.value)

    def selected_community(self) -> int | None:
        table = self.query_one("#community-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(cast(str, row_key.value))

    # --- actions -----------------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        handlers = {
            "token-add": self.action_add,
            "token-check": self.action_check_selected,
            "token-check-all": lambda: self.post_message(self.CheckTokens(None)),
            "token-toggle": self.action_toggle_selected,
            "token-remove": self.action_remove_selected,
            "tuning-save": self.action_save_tuning,
            "community-add": self._add_community,
            "community-remove": self.action_remove_selected,
        }
        handler = handlers.get(event.button.id or "")
        if handler is not None:
            event.stop()
            handler()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "community-input":
            self._add_community()
        elif (event.input.id or "").startswith("tuning-"):
            self.action_save_tuning()

    def action_add(self) -> None:
        if self.active_tab == "tab-communities":
            self.query_one("#community-input", Input).focus()
            return
        self.app.push_screen(AddTokenScreen(self.config))

    def action_login(self) -> None:
        self.app.push_screen(LoginScreen(self.config))

    def _add_community(self) -> None:
        field = self.query_one("#community-input", Input)
        query = field.value.strip()
        if query:
            self.post_message(self.AddCommunity(query))
            field.value = ""

    def action_check_selected(self) -> None:
        label = self.selected_token()
        if label is not None and self.active_tab == "tab-tokens":
            self.post_message(self.CheckTokens(label))

    def action_toggle_selected(self) -> None:
        label = self.selected_token()
        if label is not None and self.active_tab == "tab-tokens":
            self.post_message(self.ToggleToken(label))

    def action_remove_selected(self) -> None:
        if self.active_tab == "tab-communities":
            group_id = self.selected_community()
            if group_id is not None:
                self.app.push_screen(
                    ConfirmScreen(
                        "Remove community",
                        f"Remove community {group_id} from the config?\n"
                        "Its stored data stays in the database.",
                    ),
                    lambda yes: self.post_message(self.RemoveCommunity(group_id)) if yes else None,
                )
            return
        label = self.selected_token()
        if label is not None:
            self.app.push_screen(
                ConfirmScreen(
                    "Remove token", f"Remove token {label!r} from the pool?\nThis cannot be undone."
                ),
                lambda yes: self.post_message(self.RemoveToken(label)) if yes else None,
            )

    def action_save_tuning(self) -> None:
        values = {name: self.query_one(f"#tuning-{name}", Input).value for name, _label in TUNING_FIELDS}
        problem_label = self.query_one("#tuning-problem", Label)
        try:
            tuning, api_url = parse_tuning(values, self.config.tuning)
        except TuningProblem as problem:
            problem_label.update(Text(str(problem), style="bold red"))
            self.query_one(f"#tuning-{problem.name}", Input).focus()
            return
        self.post_message(self.SaveTuning(tuning, api_url))

    def tuning_saved(self) -> None:
        self.query_one("#tuning-problem", Label).update(Text("saved to config.toml", style="green"))


def expiry(entry: TokenEntry, now: float) -> str:
    """When the token stops working, as the table says it: `in 5 h`, `expired`, or `—` (it does not, or VK did
    not say)."""
    if entry.expires_at is None:
        return "—"
    return "expired" if entry.expired(now) else fmt.until(entry.expires_at, now)
