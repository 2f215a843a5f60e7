"""Settings: the token pool, tuning values with the API URL, and the configured communities.

Every change goes through the App (`app.config` + `app.save()`), which writes config.toml atomically with
`save_config`; token checks and community look-ups run in App workers and update the tables as results arrive.
Secrets are only ever shown masked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Static, TabbedContent, TabPane

from vksync_tui.config import TokenEntry
from vksync_tui.secrets import mask
from vksync_tui.tui import format as fmt
from vksync_tui.tui.screens.add_token import AddTokenScreen
from vksync_tui.tui.screens.confirm import ConfirmScreen
from vksync_tui.tui.tuning import TUNING_FIELDS, TuningProblem, parse_tuning
from vksync_tui.tui.widgets.key_bar import KeyBar
from vksync_tui.tui.widgets.too_small import TooSmall

if TYPE_CHECKING:
    from vksync_tui.tui.app import VkSyncApp

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
# What says whether a token works comes first: at 80 columns the table shows label, status, last error, kind
# and the masked token; the rest scrolls (and the details under the table say everything about the selected).
TOKEN_COLUMNS = (
    ("label", 16),
    ("status", 9),
    ("last error", 20),
    ("kind", 6),
    ("token", 11),
    ("owner", 16),
    ("admin", 12),
    ("calls today", 11),
)


class SettingsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.view('dashboard')", "Dashboard", id="settings-back"),
        Binding(
            "a", "add", "Add", tooltip="Add a token or a community (depending on the tab).", id="settings-add"
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

    @property
    def vk_app(self) -> VkSyncApp:
        return cast("VkSyncApp", self.app)

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
                    yield Button("Enable/disable (e)", id="token-toggle")
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
        self.show_config()
        tokens.focus()

    @property
    def active_tab(self) -> str:
        return self.query_one("#settings-tabs", TabbedContent).active

    def show_config(self) -> None:
        """Re-render the tables and the tuning form from the App's config (called after every save)."""
        app = self.vk_app
        self.show_tokens()
        table = self.query_one("#community-table", DataTable)
        table.clear()
        for community in app.config.communities:
            table.add_row(str(community.id), community.screen_name, community.title, key=str(community.id))
        tuning = app.config.tuning
        for name, _label in TUNING_FIELDS:
            value = app.config.api_url if name == "api_url" else getattr(tuning, name)
            self.query_one(f"#tuning-{name}", Input).value = str(value)
        self.query_one("#tuning-problem", Label).update("")

    def show_tokens(self) -> None:
        app = self.vk_app
        table = self.query_one("#token-table", DataTable)
        selected = self.selected_token()
        table.clear()
        for entry in app.config.tokens:
            table.add_row(*self._token_cells(entry), key=entry.label)
        if selected is not None and app.config.token(selected) is not None:
            table.move_cursor(row=table.get_row_index(selected))
        self._show_details()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "token-table":
            self._show_details()

    def _show_details(self) -> None:
        """Everything the last check learned about the selected token (the table has room for a summary)."""
        label = self.selected_token()
        entry = self.vk_app.config.token(label) if label is not None else None
        details = self.query_one("#token-details", Static)
        if entry is None:
            details.update("No token yet: press a to add one (it is checked against VK before it is added).")
            return
        check = entry.check
        text = Text()
        text.append(f"{entry.label}", style="bold")
        text.append(
            f"  {mask(entry.secret)} · {entry.kind} token · {'enabled' if entry.enabled else 'disabled'}"
        )
        if entry.group_id is not None:
            text.append(f" · community {entry.group_id}")
        text.append("\n")
        if check.checked_at is None:
            text.append(
                "never checked: press c to ask VK what this token is and what it may do", style="italic"
            )
            return details.update(text)
        text.append(f"checked {fmt.ago(check.checked_at, self.vk_app.clock())}")
        if check.owner_id is not None:
            text.append(f" · owner {check.owner_name or ''} (id {check.owner_id})")
        text.append("\nscopes/rights: " + (", ".join(check.scopes) or "unknown"))
        admin = [
            f"{self.vk_app.community_title(group)}: {ADMIN_LEVELS.get(level, str(level))}"
            for group, level in sorted(check.admin_levels.items())
            if level
        ]
        text.append("\nadmin in: " + ("; ".join(admin) or "none of the configured communities"))
        if check.last_error:
            text.append(f"\nlast error: {check.last_error}", style="red")
        details.update(text)

    def _token_cells(self, entry: TokenEntry) -> list[str | Text]:
        app = self.vk_app
        check = entry.check
        owner = check.owner_name or (str(check.owner_id) if check.owner_id is not None else "")
        if entry.kind == "group" and entry.group_id is not None:
            owner = owner or f"club{entry.group_id}"
        admin = ", ".join(
            ADMIN_LEVELS.get(level, str(level)) for _, level in sorted(check.admin_levels.items()) if level
        )
        status = app.token_status(entry)
        return [
            entry.label,
            Text(status, style=STATUS_STYLES.get(status, "")),
            check.last_error or "",
            entry.kind,
            mask(entry.secret),
            owner or "—",
            admin or "—",
            fmt.count(app.calls_today(entry.label)),
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
            "token-check-all": self.vk_app.action_check_tokens,
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
        self.app.push_screen(AddTokenScreen(self.vk_app.config))

    def _add_community(self) -> None:
        field = self.query_one("#community-input", Input)
        query = field.value.strip()
        if query:
            self.vk_app.add_community(query)
            field.value = ""

    def action_check_selected(self) -> None:
        label = self.selected_token()
        if label is not None and self.active_tab == "tab-tokens":
            self.vk_app.action_check_tokens(label)

    def action_toggle_selected(self) -> None:
        label = self.selected_token()
        if label is not None and self.active_tab == "tab-tokens":
            self.vk_app.toggle_token(label)

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
                    lambda yes: self.vk_app.remove_community(group_id) if yes else None,
                )
            return
        label = self.selected_token()
        if label is not None:
            self.app.push_screen(
                ConfirmScreen(
                    "Remove token", f"Remove token {label!r} from the pool?\nThis cannot be undone."
                ),
                lambda yes: self.vk_app.remove_token(label) if yes else None,
            )

    def action_save_tuning(self) -> None:
        values = {name: self.query_one(f"#tuning-{name}", Input).value for name, _label in TUNING_FIELDS}
        problem_label = self.query_one("#tuning-problem", Label)
        try:
            tuning, api_url = parse_tuning(values, self.vk_app.config.tuning)
        except TuningProblem as problem:
            problem_label.update(Text(str(problem), style="bold red"))
            self.query_one(f"#tuning-{problem.name}", Input).focus()
            return
        self.vk_app.save_tuning(tuning, api_url)
        problem_label.update(Text("saved to config.toml", style="green"))
