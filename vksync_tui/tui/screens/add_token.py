"""The add-token dialog: label, secret (masked input), kind and, for community tokens, whose token it is.

The dialog validates what it can see locally (empty fields, duplicate label or secret), then asks the App to
check the token against VK (`Submitted`) and waits for the answer as every `TokenDialog` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select

from vksync_tui.config import TOKEN_KINDS, TokenEntry, TokenKind
from vksync_tui.secrets import MALFORMED_TOKEN, extract_token
from vksync_tui.tui.screens.token_dialog import TokenDialog


class AddTokenScreen(TokenDialog):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="add-token-cancel")]
    SUBMIT_ID = "add"
    PROBLEM_ID = "add-token-problem"
    SECRET_ID = "add-token-secret"

    @dataclass
    class Submitted(Message):
        """A locally valid entry to check against VK (the dialog waits for `accepted` or `rejected`)."""

        entry: TokenEntry

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
                yield Button("Cancel (esc)", id="cancel", action="screen.cancel")
                yield Button("Check and add", id="add", variant="primary", action="screen.submit")

    def on_mount(self) -> None:
        self.query_one("#add-token-label", Input).focus()

    def submit(self) -> None:
        label = self.query_one("#add-token-label", Input).value.strip()
        secret = self.query_one("#add-token-secret", Input).value.strip()
        kind: TokenKind = self.query_one("#add-token-kind", Select).value  # type: ignore[assignment]
        group_text = self.query_one("#add-token-group", Input).value.strip()
        problem = self._problem(label, secret, kind, group_text)
        if problem is not None:
            self.problem(problem)
            return
        self.checking()
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
