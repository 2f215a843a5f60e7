"""The add-token dialog: label, secret (masked input), kind and, for community tokens, whose token it is.

The dialog only validates what it can see locally (empty fields, duplicate label or secret); the App then
checks the token against VK in a worker and adds it only if VK accepts it.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from vksync_tui.config import TOKEN_KINDS, Config, TokenEntry, TokenKind
from vksync_tui.secrets import MALFORMED_TOKEN, extract_token


class AddTokenScreen(ModalScreen[TokenEntry | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="add-token-cancel")]

    def __init__(self, config: Config) -> None:
        super().__init__(classes="modal")
        self._config = config

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Add token"
            with Grid(id="add-token-grid"):
                yield Label("label")
                yield Input(placeholder="e.g. admin-anna", id="add-token-label")
                yield Label("token")
                yield Input(placeholder="paste the access token", password=True, id="add-token-secret")
                yield Label("kind")
                yield Select(
                    [(kind, kind) for kind in TOKEN_KINDS],
                    value="user",
                    allow_blank=False,
                    id="add-token-kind",
                )
                yield Label("community id")
                yield Input(placeholder="community tokens only", id="add-token-group", type="integer")
            yield Label("", id="add-token-problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Check and add", id="add", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#add-token-label", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "add":
            self._submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _submit(self) -> None:
        label = self.query_one("#add-token-label", Input).value.strip()
        secret = self.query_one("#add-token-secret", Input).value.strip()
        kind: TokenKind = self.query_one("#add-token-kind", Select).value  # type: ignore[assignment]
        group_text = self.query_one("#add-token-group", Input).value.strip()
        problem = self._problem(label, secret, kind, group_text)
        if problem is not None:
            self.query_one("#add-token-problem", Label).update(problem)
            return
        self.dismiss(
            TokenEntry(
                label=label,
                secret=extract_token(secret) or secret,
                kind=kind,
                group_id=int(group_text) if group_text else None,
            )
        )

    def _problem(self, label: str, secret: str, kind: str, group_text: str) -> str | None:
        if not label:
            return "the label must not be empty"
        if self._config.token(label) is not None:
            return f"a token labelled {label!r} already exists"
        if not secret:
            return "paste the token"
        secret = extract_token(secret) or ""
        if not secret:
            return MALFORMED_TOKEN
        if any(entry.secret == secret for entry in self._config.tokens):
            return "this token is already in the pool"
        if group_text and (not group_text.isdigit() or int(group_text) <= 0):
            return "the community id must be a positive number"
        if kind == "group" and not group_text:
            return "a community token needs the id of its community"
        return None
