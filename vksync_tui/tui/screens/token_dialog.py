"""What the two dialogs that bring a new token share (add a token, log in with VK).

A dialog checks what it can see itself, then asks the App to check the token with VK and stays open, its
fields as typed and its submit button disabled, until the answer: the App closes it with the new entry
(`dismiss(entry)`) or says why VK refused it (`rejected`), so the operator can correct it and try again.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from vksync_tui.config import Config, TokenEntry


class TokenDialog(ModalScreen[TokenEntry | None]):
    # Ids of the widgets every such dialog has: its submit button, its problem line and the field the token is
    # typed or pasted into (where focus goes back after a refusal).
    SUBMIT_ID: ClassVar[str]
    PROBLEM_ID: ClassVar[str]
    SECRET_ID: ClassVar[str]

    def __init__(self, config: Config) -> None:
        """`config` is the App's (read, never changed here)."""
        super().__init__(classes="modal")
        self._config = config

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        if not self._submit_button.disabled:  # disabled: a check is under way
            self.submit()

    @abstractmethod
    def submit(self) -> None:
        """Check the fields; if they hold a token, post it to the App and call `checking()` (each dialog knows
        its own fields)."""

    def rejected(self, reason: str) -> None:
        """VK refused the token: say why, keep what was typed, let the operator correct it and retry."""
        self.problem(reason)
        self._submit_button.disabled = False
        self.query_one(f"#{self.SECRET_ID}", Input).focus()

    def checking(self) -> None:
        self.problem("checking the token with VK…")
        self._submit_button.disabled = True

    def problem(self, text: str) -> None:
        self.query_one(f"#{self.PROBLEM_ID}", Label).update(text)

    @property
    def _submit_button(self) -> Button:
        return self.query_one(f"#{self.SUBMIT_ID}", Button)
