"""The add-token dialog: label, secret (masked input), kind and, for community tokens, whose token it is.

The dialog validates what it can see locally (empty fields, duplicate label or secret), then asks the App to
check the token against VK (`Submitted`) and stays open, its fields as typed, until the answer: the App closes
it when VK accepts the token, or shows VK's reason in it (`rejected`) so the operator can correct and retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from vksync_tui.config import TOKEN_KINDS, Config, TokenEntry, TokenKind
from vksync_tui.secrets import MALFORMED_TOKEN, extract_token


class AddTokenScreen(ModalScreen[TokenEntry | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="add-token-cancel")]

    @dataclass
    class Submitted(Message):
        """A locally valid entry to check against VK (the dialog waits for `accepted` or `rejected`)."""

        entry: TokenEntry

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

    def rejected(self, reason: str) -> None:
        """VK refused the token: say why, keep what was typed, let the operator correct it and retry."""
        self.query_one("#add-token-problem", Label).update(reason)
        self.query_one("#add", Button).disabled = False
        self.query_one("#add-token-secret", Input).focus()

    def _submit(self) -> None:
        if self.query_one("#add", Button).disabled:
            return  # a check is under way
        label = self.query_one("#add-token-label", Input).value.strip()
        secret = self.query_one("#add-token-secret", Input).value.strip()
        kind: TokenKind = self.query_one("#add-token-kind", Select).value  # type: ignore[assignment]
        group_text = self.query_one("#add-token-group", Input).value.strip()
        problem = self._problem(label, secret, kind, group_text)
        if problem is not None:
            self.query_one("#add-token-problem", Label).update(problem)
            return
        self.query_one("#add-token-problem", Label).update("checking the token with VK…")
        self.query_one("#add", Button).disabled = True
        self.post_message(
            self.Submitted(
                TokenEntry(
                    label=label,
                    secret=extract_token(secret) or secret,
                    kind=kind,
                    group_id=int(group_text) if group_text else None,
                )
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
