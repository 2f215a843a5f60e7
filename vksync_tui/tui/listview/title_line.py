"""The list screen's title line: what Textual's `Header` shows, drawn by one widget instead of four.

Why: `Header` mounts an icon, a title and a clock space, watches four titles and re-lays-out the screen each
time one is set, which it does while the screen opens — on the way to the first screenful of rows. The list
screen's title is fixed once the screen is built, so one line of text, laid out like the header (icon in 8
cells on the left, title centred between it and 10 cells on the right), shows the same. A click on the icon
opens the command palette, as the header's does.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

ICON = "⭘"
ICON_CELLS = 8
RIGHT_CELLS = 10


class TitleLine(Widget):
    DEFAULT_CSS = """
    TitleLine {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, sub_title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sub_title = sub_title

    def render(self) -> Text:
        title = Text.assemble(self.app.title, (" — ", "dim"), (self.sub_title, "dim"))
        title.truncate(max(0, self.size.width - ICON_CELLS - RIGHT_CELLS), overflow="ellipsis")
        title.align("center", max(0, self.size.width - ICON_CELLS - RIGHT_CELLS))
        line = Text(f" {ICON}".ljust(ICON_CELLS), no_wrap=True, overflow="crop")
        line.append_text(title)
        return line

    def on_click(self, event: events.Click) -> None:
        if event.x < ICON_CELLS and self.app.ENABLE_COMMAND_PALETTE:
            event.stop()
            self.app.action_command_palette()
