"""A one-line key bar: the screen's shown bindings as text, for screens that must open fast.

Why not Textual's `Footer`: it builds one widget per key (a list screen has about fifteen) and rebuilds them
all whenever the screen's bindings change, which happens several times while a screen opens (mount, focus).
On a list screen that was two thirds of the UI thread's work before the first rows could be drawn. This bar
renders the same keys into one `Text` and re-renders it when the bindings change. A click on a key presses it,
as a Footer key does.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

SPACING = " "


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
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
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

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

    def render(self) -> Text:
        """Keys from the left while they fit whole, the palette's key at the right edge (as Footer does)."""
        key_style = self.get_component_rich_style("key-bar--key")
        keys, palette = self._keys()
        tail = Text() if palette is None else Text.assemble((f" {palette[1]} ", key_style), palette[2] + " ")
        room = self.size.width - len(tail)
        text = Text(no_wrap=True, overflow="crop")
        spans: list[tuple[int, int, str]] = []
        for key, shown, description in keys:
            item = Text.assemble((f" {shown} ", key_style), description + SPACING)
            if len(text) + len(item) > room:
                break
            spans.append((len(text), len(text) + len(item), key))
            text.append_text(item)
        if palette is not None:
            text.pad_right(max(0, room - len(text)))
            spans.append((len(text), len(text) + len(tail), palette[0]))
            text.append_text(tail)
        self._spans = spans
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
