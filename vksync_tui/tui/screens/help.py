"""The help screen: the keys of the screen it was opened from (read from its bindings, so none is missing),
then what each screen is for (`?` shows the key panel)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Markdown

from vksync_tui.tui.widgets.key_bar import KeyBar
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

## List screens (`v` on a card, or the palette's "view: … list")
One list of the selected community, paged from the database (millions of rows open at once).
- `/` searches by name or id; typed filters go in the same box (`joined:2025-01-31`, `author:123`, …, listed
  in the search hint); `enter` applies, `escape` returns to the list.
- The filter chips beside the search (`enter`/`space` step through their choices) narrow the list.
- `←`/`→` choose a column, `s` sorts by it (again: reverse; counts start largest first); the palette has
  "sort by …" and every filter choice too.
- `d` shows the detail pane (a user's membership history, interactions and posts; a post's likers and
  commenters), `c` copies the highlighted cell, `i` the row's id.
- `e` exports the filtered view as CSV, `E` as JSON Lines (the notification says where the file went),
  `p` plots the subscribers' history, `f5` re-reads the list, `escape` goes back.

## Settings (`f2`)
- **Tokens**: `a` add (checked against VK before it joins the pool), `l` log in with VK (a user token from
  VK's login page for your VK app, as `vksync-tui tokens login`: open the address shown, allow access, paste
  the address VK then shows; `ctrl+y` copies the address), `c` check the selected token, `C` check all,
  `e` enable/disable, `x` remove (asks first). Tokens are always shown masked; *expires* says when VK said a
  token stops working.
- **Tuning**: requests per second per token kind, workers, retry pause and attempts, safety threshold,
  execute batch, timeout and the API URL; `ctrl+s` saves to config.toml.
- **Communities**: add by id, screen name or link (looked up with groups.getById), `x` removes.

## Everywhere
`ctrl+p` command palette (every action is there), `?` key panel, `f1` this help, `f3` dashboard,
`ctrl+q` quits (running syncs are cancelled first).
"""


def keys_here(screen: Screen[Any], title: str) -> str:
    """Markdown: every key active on `screen`, shown in its key bar or not — the screen's own first, then the
    focused widget's, then the App's."""
    app = screen.app
    entries: list[tuple[int, str]] = []
    seen: set[str] = set()
    for key, (node, binding, _enabled, tooltip) in screen.active_bindings.items():
        if not binding.description or binding.action in seen or key == app.COMMAND_PALETTE_BINDING:
            continue
        seen.add(binding.action)
        order = 0 if node is screen else 2 if node is app else 1
        about = f" — {tooltip or binding.tooltip}" if tooltip or binding.tooltip else ""
        named = f" (id `{binding.id}`)" if binding.id else ""
        entries.append((order, f"- `{app.get_key_display(binding)}` **{binding.description}**{about}{named}"))
    lines = [text for _order, text in sorted(entries, key=lambda entry: entry[0])]
    return "\n".join([f"## Keys here: {title}", "", *lines, ""])


class HelpScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "app.pop_screen", "Close help", id="help-close")
    ]

    def __init__(self, opened_from: Screen[Any] | None = None) -> None:
        super().__init__()
        self.opened_from = opened_from

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        here = ""
        if self.opened_from is not None:
            here = keys_here(self.opened_from, self.opened_from.sub_title or "dashboard") + "\n"
        with VerticalScroll(id="help-body"):
            yield Markdown(here + HELP_TEXT)
        yield KeyBar()
