"""A one-line choice filter for the list screens' filter bar: `members: current ▸`, cycled with enter/space.

Why not `Select`: each Select mounts six widgets (current value, arrow, overlay with an option list) and their
styles, and a list screen has up to two of them; the filter bar is on the way to the first screenful of rows.
A filter with three or four fixed choices reads as well as one focusable line that steps through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from vksync_tui.tui.listview.specs import ChoiceFilter


class ChoiceChip(Static, can_focus=True):
    DEFAULT_CSS = """
    ChoiceChip {
        width: auto;
        height: 3;
        padding: 1 1 0 1;
        color: $text-muted;
    }
    ChoiceChip:focus {
        color: $text;
        background: $boost;
        text-style: bold;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "step(1)", "Next choice", show=False, id="filter-next"),
        Binding("backspace", "step(-1)", "Previous choice", show=False, id="filter-previous"),
    ]

    @dataclass
    class Changed(Message):
        """The chip's filter `name` now shows `value`."""

        chip: ChoiceChip
        name: str
        value: str

        @property
        def control(self) -> ChoiceChip:
            return self.chip

    def __init__(self, choice_filter: ChoiceFilter, *, id: str | None = None) -> None:
        self.choice_filter = choice_filter
        self.labels = [choice.label for choice in choice_filter.choices]
        self._value = self.labels[0]
        super().__init__(self._text(), id=id)
        self.tooltip = f"{choice_filter.title}: {' / '.join(self.labels)} (enter or click: next)"

    def _text(self) -> str:
        return f"{self.choice_filter.title}: {self._value} ▸"

    @property
    def value(self) -> str:
        return self._value

    @value.setter
    def value(self, label: str) -> None:
        if label not in self.labels:
            known = ", ".join(self.labels)
            raise ValueError(f"{self.choice_filter.name}: no choice {label!r} (choices: {known})")
        if label != self._value:
            self._value = label
            self.update(self._text())
            self.post_message(self.Changed(self, self.choice_filter.name, label))

    def action_step(self, delta: int) -> None:
        self.value = self.labels[(self.labels.index(self._value) + delta) % len(self.labels)]

    def on_click(self, event: events.Click) -> None:
        self.action_step(1)
