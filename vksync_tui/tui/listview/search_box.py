"""The list screen's search box as it looks before the operator first searches: an `Input`'s frame and hint.

Why not the `Input` itself from the start: an `Input` is the costliest widget of the screen to build and
style (cursor, selection and suggestion machinery, a blink timer), and most openings of a list never search.
This stand-in draws the same cells; when it gets focus (`/`, a click, tab) the screen swaps in the real
`Input`, focused, in its place (`ListScreen.search_input`).
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Static


class IdleSearchBox(Static, can_focus=True):
    DEFAULT_CSS = """
    IdleSearchBox {
        background: $surface;
        color: $text-disabled;
        padding: 0 2;
        border: tall $border-blurred;
        width: 1fr;
        height: 3;
        pointer: text;
    }
    """

    class Wanted(Message):
        """The operator went for the search box: replace it with the real input."""

    def on_focus(self, event: events.Focus) -> None:
        self.post_message(self.Wanted())
