"""What a list is, said once: `ListDefinition`, which the CLI, the TUI and the sync registry all read.

A definition names the list, its sync function (run through `registry.run_sync`), the options that function
takes as the CLI offers them (`ListOption`: flag, default, help), the token kinds it runs on, what the
dashboard counts for it, and its export. A face builds everything a list needs from it: `sync <list>` and
`export <list>` with their options, the dashboard's card, the palette's entry, a list screen's title and
export. What is only about a screen (its columns, filters, search) stays in the screen's spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vksync_tui.sync.exports.format import ExportSpec
from vksync_tui.sync.runs import RunSummary

ListSync = Callable[..., RunSummary]  # (ctx, group_id, **options) -> RunSummary
OptionValue = int | float | str | bool | None


@dataclass(frozen=True)
class ListOption:
    """One keyword option of a list's sync function as the CLI offers it (`sync posts --refresh-days 7`).

    `keyword` is the sync function's argument, `flag` the command line's. `value_type` (int, float, str)
    parses the value; without one the option is a switch (present: True). `default` is what the sync gets
    when the option is not given: the sync function's own default, referenced, never restated."""

    keyword: str
    flag: str
    help: str
    value_type: type[int] | type[float] | type[str] | None = None
    default: OptionValue = None
    metavar: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListDefinition:
    """One list (see the module docstring). `token_kinds`: the token kinds its sync may run on (user,
    group, service); `stored_rows(group_id)` counts what the dashboard's card shows, in `rows_label`."""

    name: str
    title: str
    sync: ListSync
    token_kinds: tuple[str, ...]
    rows_label: str
    stored_rows: Callable[[int], int]
    options: tuple[ListOption, ...] = ()
    export: ExportSpec | None = None

    def token_kinds_text(self) -> str:
        """`user or community tokens`: the kinds as an operator calls them."""
        names = {"user": "user", "group": "community", "service": "service"}
        return " or ".join(names.get(kind, kind) for kind in self.token_kinds) + " tokens"
