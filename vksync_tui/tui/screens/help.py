"""The help screen: what each screen is for and the keys that drive it (`?` shows the key panel)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown

from vksync_tui.tui.widgets.too_small import TooSmall

HELP_TEXT = """\
# vksync-tui

Sync a VK community's data into the local database, watch every sync live, and review what changed
before anything is marked as left.

## Dashboard
- One **card per list**: rows stored, the last sync (when, outcome, figures) and a *pending diff*
  badge on subscribers. Move between cards with `tab`; `enter` (or `s`) syncs the focused list,
  `v` opens its list screen (search, filter, export); `u` syncs subscribers from anywhere.
- A **panel per sync**: each phase with its bar and ETA, items fetched vs expected, chunks done / failed /
  retried, requests per second against the tokens' ceiling, errors by VK code, tokens active / cooling /
  disabled and the last notable events. Focus a panel and press `c` to cancel it.
- `r` opens the pending subscribers diff, `f5` re-reads the figures, `m` simulates churn (demo only).

## Diff review
Nothing is marked as left until you confirm. `y` applies, `n` discards, `escape` leaves the diff pending
(the dashboard badge brings it back). `tab` switches between joined and left, `pgdn`/`pgup` (or `]`/`[`) page,
`/` searches by name, screen name or id. A sync stopped by the safety threshold shows its figures and
has nothing to confirm.

## Settings (`f2`)
- **Tokens**: `a` add (checked against VK before it joins the pool), `c` check the selected token, `C` check
  all, `e` enable/disable, `x` remove (asks first). Tokens are always shown masked.
- **Tuning**: requests per second per token kind, workers, retry pause and attempts, safety threshold,
  execute batch, timeout and the API URL; `ctrl+s` saves to config.toml.
- **Communities**: add by id, screen name or link (looked up with groups.getById), `x` removes.

## Everywhere
`ctrl+p` command palette (every action is there), `?` key panel, `f1` this help, `f3` dashboard,
`ctrl+q` quits (running syncs are cancelled first).
"""


class HelpScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "app.pop_screen", "Close help", id="help-close")
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP_TEXT)
        yield Footer()
