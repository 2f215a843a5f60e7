"""The key bar every screen shows: the screen's shown bindings as text, on one line or, when narrow, two.

Why not Textual's `Footer`: it builds one widget per key (a list screen has about fifteen) and rebuilds them
all whenever the screen's bindings change, which happens several times while a screen opens (mount, focus).
On a list screen that was two thirds of the UI thread's work before the first rows could be drawn. This bar
renders the same keys into one `Text` and re-renders it when the bindings change. A click on a key presses it,
as a Footer key does.

Why two lines: a Footer cut at 80 columns dropped the keys at its end (a list screen's exports and plot, the
dashboard's quit, help and settings). When one line cannot hold every key, the bar takes a second line
rather than hide any; the palette's key stays at the right edge of the first line.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

SPACING = " "
MAX_LINES = 2


class KeySpan(NamedTuple):
    """Where one key is drawn: line, first and past-last column, and the key it presses."""

    line: int
    start: int
    end: int
    key: str


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        max-height: 2;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[KeySpan] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        """A new layout only when the bar needs another number of lines: a layout of a list screen is costly
        while it opens (its bindings change several times then)."""
        lines = len(self._lines(self.size.width)[0])
        self.refresh(layout=lines != self.size.height)

    def _keys(self) -> tuple[list[tuple[str, str, str]], tuple[str, str, str] | None]:
        """(key, shown key, description) of each shown binding (one per action), and the palette's key."""
        seen: set[str] = set()
        keys: list[tuple[str, str, str]] = []
        palette: tuple[str, str, str] | None = None
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if key == self.app.COMMAND_PALETTE_BINDING and self.app.ENABLE_COMMAND_PALETTE:
                palette = (key, self.app.get_key_display(binding), binding.description)
            elif binding.show and enabled and binding.action not in seen:
                seen.add(binding.action)
                keys.append((key, self.app.get_key_display(binding), binding.description))
        return keys, palette

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self._lines(width)[0])

    def render(self) -> Text:
        lines, spans = self._lines(self.size.width)
        self._spans = spans
        return Text("\n", no_wrap=True, overflow="crop").join(lines)

    def _lines(self, width: int) -> tuple[list[Text], list[KeySpan]]:
        """Keys from the left in order, onto a second line when the first is full, the palette's key at the
        right edge of the first line (as Footer does)."""
        key_style = self.get_component_rich_style("key-bar--key")
        keys, palette = self._keys()
        tail = Text() if palette is None else Text.assemble((f" {palette[1]} ", key_style), palette[2] + " ")
        lines = [Text(no_wrap=True, overflow="crop")]
        spans: list[KeySpan] = []
        for key, shown, description in keys:
            item = Text.assemble((f" {shown} ", key_style), description + SPACING)
            room = width - (len(tail) if len(lines) == 1 else 0)
            if len(lines[-1]) + len(item) > room and len(lines[-1]):
                if len(lines) == MAX_LINES:
                    break
                lines.append(Text(no_wrap=True, overflow="crop"))
            line = lines[-1]
            spans.append(KeySpan(len(lines) - 1, len(line), len(line) + len(item), key))
            line.append_text(item)
        if palette is not None:
            first = lines[0]
            first.pad_right(max(0, width - len(tail) - len(first)))
            spans.append(KeySpan(0, len(first), len(first) + len(tail), palette[0]))
            first.append_text(tail)
        return lines, spans

    def on_click(self, event: events.Click) -> None:
        for span in self._spans:
            if span.line == event.y and span.start <= event.x < span.end:
                self.app.simulate_key(span.key)
                return
