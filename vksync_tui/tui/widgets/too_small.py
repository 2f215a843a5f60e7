"""The "terminal too small" state: every screen shows it instead of its content below 80×24."""

from __future__ import annotations

from textual.widgets import Static

MIN_WIDTH = 80
MIN_HEIGHT = 24
TALL_HEIGHT = 36  # below it the dashboard keeps a running sync in view by drawing cards on one line


class TooSmall(Static):
    """Hidden by CSS unless the screen carries a `-too-narrow` or `-too-short` breakpoint class."""

    def __init__(self) -> None:
        super().__init__(
            f"Terminal too small.\nResize to at least {MIN_WIDTH} × {MIN_HEIGHT} to use vksync-tui."
            "\n\nctrl+q quits.",
            classes="too-small",
        )
