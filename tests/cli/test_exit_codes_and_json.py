"""Every `sync --json` ends with one JSON line; an unconfigured `--group` is refused; the dashboard and the
commands fail the same way (same line, same exit code) on an unusable home or a broken config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vksync_tui.cli import main
from vksync_tui.config import Community, Config, TokenEntry, save_config
from vksync_tui.home import Home
from vksync_tui.store.db import open_database
from vksync_tui.store.models import SyncRun

GROUP = 101
# Nothing listens on port 9 of the loopback: a sync that did go to "VK" would fail at once.
DEAD_API = "http://127.0.0.1:9/method/"
USER_TOKEN = TokenEntry("reader", "vk1.a.READERsecretREADERsecretREADER0002", "user")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def last_json(out: str) -> dict[str, Any]:
    return json.loads(out.strip().splitlines()[-1])


def recorded_runs(home: Home) -> int:
    db = open_database(home.db_path)
    try:
        return SyncRun.select().count()
    finally:
        db.close()


def test_an_unconfigured_group_is_refused_with_the_group_add_hint(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    save_config(
        home.config_file,
        Config(api_url=DEAD_API, communities=[Community(GROUP, "club", "Club")], tokens=[USER_TOKEN]),
    )
    code, out, err = run(capsys, "--home", str(home.root), "sync", "subscribers", "--group", "999", "--json")
    assert code == 2
    assert err.splitlines()[-1] == (
        "vksync-tui: error: community 999 is not configured: add it with `vksync-tui group add 999` "
        "(see `vksync-tui group list`)"
    )
    summary = last_json(out)
    assert summary["status"] == "refused" and summary["group_id"] == 999 and summary["run_id"] is None
    assert "group add 999" in summary["error"]
    assert not home.db_path.exists() or recorded_runs(home) == 0


def test_no_usable_token_still_ends_with_the_json_line(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    save_config(home.config_file, Config(api_url=DEAD_API, communities=[Community(GROUP, "club", "Club")]))
    code, out, err = run(capsys, "--home", str(home.root), "sync", "subscribers", "--json")
    assert code == 2 and "no usable token" in err
    summary = last_json(out)
    assert (summary["list"], summary["group_id"], summary["status"]) == ("subscribers", GROUP, "refused")
    assert "no usable token" in summary["error"] and summary["run_id"] is None


def test_a_broken_config_ends_with_a_refused_json_line(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config_file.write_text("this = = not toml\n", encoding="utf-8")
    code, out, err = run(capsys, "--home", str(home.root), "sync", "posts", "--json")
    assert code == 2 and err.startswith("vksync-tui: error: bad config: ")
    summary = last_json(out)
    assert (summary["list"], summary["group_id"], summary["status"]) == ("posts", None, "refused")
    assert summary["error"].startswith("bad config: ")


def test_an_unusable_home_is_the_same_line_and_code_for_the_dashboard_and_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    results = [
        run(capsys, "--home", str(blocker)),
        run(capsys, "--home", str(blocker), "sync", "subscribers"),
        run(capsys, "--home", str(blocker), "diff", "show"),
    ]
    expected = f"vksync-tui: error: home folder unusable: cannot create folder {blocker}: File exists\n"
    assert [(code, err) for code, _out, err in results] == [(1, expected)] * 3


def test_a_broken_config_is_the_same_line_and_code_for_the_dashboard_and_commands(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config_file.write_text("[tuning]\nsafety_threshold = 1.5\n", encoding="utf-8")
    dashboard = run(capsys, "--home", str(home.root))
    command = run(capsys, "--home", str(home.root), "diff", "show")
    assert dashboard[0] == command[0] == 2
    assert (
        dashboard[2] == command[2] and "bad config: " in dashboard[2] and "safety_threshold" in dashboard[2]
    )
