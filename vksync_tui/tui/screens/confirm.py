"""A keyboard-complete yes/no modal: `y` confirms, `n` or `escape` declines."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True only on an explicit yes, so a stray key never confirms a destructive action."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
        Binding("left,h", "app.focus_previous", "Previous", show=False, id="confirm-previous"),
        Binding("right,l", "app.focus_next", "Next", show=False, id="confirm-next"),
    ]

    def __init__(
        self, title: str, question: str, *, yes_label: str = "Yes (y)", no_label: str = "No (n)"
    ) -> None:
        super().__init__(classes="modal")
        self._title = title
        self._question = question
        self._yes_label = yes_label
        self._no_label = no_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = self._title
            yield Static(self._question, classes="question")
            with Horizontal(classes="buttons"):
                yield Button(self._no_label, id="no", variant="primary")
                yield Button(self._yes_label, id="yes", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
