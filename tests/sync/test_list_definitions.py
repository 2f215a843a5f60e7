"""One `ListDefinition` per list: the CLI, the dashboard and the exports read it, so a list is said once."""

from __future__ import annotations

import inspect
import io
from pathlib import Path
from typing import Any

import pytest

from vksync_tui.cli import build_parser
from vksync_tui.store.db import open_database
from vksync_tui.store.models import database_proxy
from vksync_tui.sync import registry
from vksync_tui.sync.definition import ListDefinition, ListOption
from vksync_tui.sync.exports.format import ExportSpec
from vksync_tui.sync.posts import DEFAULT_REFRESH_DAYS
from vksync_tui.sync.runs import RunSummary
from vksync_tui.tui.lists import list_statuses
from vksync_tui.tui.listview import SPECS


@pytest.mark.parametrize("list_name", list(registry.LISTS))
def test_an_options_default_is_the_sync_functions_own(list_name: str) -> None:
    definition = registry.LISTS[list_name]
    parameters = inspect.signature(definition.sync).parameters
    for option in definition.options:
        own = parameters[option.keyword].default
        assert own is not inspect.Parameter.empty, option.keyword
        assert option.default == (None if option.value_type is None else own), option.keyword
        assert option.value_type is not None or own is False, f"{option.keyword} is a switch: off by default"


def test_the_cli_offers_each_lists_options_with_their_defaults() -> None:
    parser = build_parser()
    posts = parser.parse_args(["sync", "posts"])
    assert (posts.full, posts.refresh_days) == (False, DEFAULT_REFRESH_DAYS)
    assert parser.parse_args(["sync", "posts", "--refresh-days", "7"]).refresh_days == 7.0
    assert parser.parse_args(["sync", "subscribers", "--yes"]).apply is True
    profiles = parser.parse_args(["sync", "profiles", "--max", "25"])
    assert (profiles.scope, profiles.max_users, profiles.older_than_days) == ("all", 25, None)
    assert parser.parse_args(["export", "subscribers", "--all", "--format", "csv"]).all is True
    with pytest.raises(SystemExit):
        parser.parse_args(["export", "posts", "--all", "--format", "csv"])  # only where it means something


def test_every_list_has_a_screen_and_every_screen_a_list() -> None:
    assert set(SPECS) == set(registry.LISTS)


def test_an_eighth_list_is_its_definition_for_the_cli_the_dashboard_and_the_export(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    synced: list[dict[str, Any]] = []

    def sync_echoes(ctx: object, group_id: int, *, depth: int = 2, deep: bool = False) -> RunSummary:
        synced.append({"group_id": group_id, "depth": depth, "deep": deep})
        return RunSummary("echoes", group_id, status="done")

    echoes = ListDefinition(
        "echoes", "Echoes", sync_echoes, ("user",), "echoes heard", lambda group_id: 42,
        options=(ListOption("depth", "--depth", "how deep", int, 2, "N"), ListOption("deep", "--deep", "x")),
        export=ExportSpec(("echo_id", "heard_at"), lambda group_id, include_all: [(1, None), (2, None)]),
    )
    monkeypatch.setitem(registry.LISTS, "echoes", echoes)

    args = build_parser().parse_args(["sync", "echoes", "--depth", "4"])
    assert (args.list_name, args.depth, args.deep) == ("echoes", 4, False)
    assert registry.run_sync("echoes", None, 7, depth=args.depth).status == "done"  # type: ignore[arg-type]
    assert synced == [{"group_id": 7, "depth": 4, "deep": False}]

    assert build_parser().parse_args(["export", "echoes", "--format", "jsonl"]).list_name == "echoes"
    out = io.StringIO()
    assert registry.write_export("echoes", 7, out, fmt="csv") == 2
    assert out.getvalue() == "echo_id,heard_at\n1,\n2,\n"

    db = open_database(tmp_path / "vksync.db")
    try:
        card = next(status for status in list_statuses(7) if status.info.name == "echoes")
    finally:
        db.close()
        database_proxy.close()
    assert (card.available, card.rows, card.info.rows_label) == (True, 42, "echoes heard")
