"""`diff show|apply|discard` with nothing pending: the same one clean line and exit 1 from all three."""

from __future__ import annotations

import pytest

from vksync_tui.cli import main
from vksync_tui.config import Community, Config, save_config
from vksync_tui.home import Home

GROUP = 101
NOTHING_PENDING = f"vksync-tui: error: no pending diff for community {GROUP}: run `sync subscribers` first\n"


@pytest.mark.parametrize("action", ["show", "apply", "discard"])
@pytest.mark.parametrize("as_json", [False, True])
def test_nothing_pending_is_one_line_and_exit_1(
    home: Home, capsys: pytest.CaptureFixture[str], action: str, as_json: bool
) -> None:
    save_config(home.config_file, Config(communities=[Community(GROUP, "club101", "Club")]))
    code = main(["--home", str(home.root), "diff", action, *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    assert (code, out, err) == (1, "", NOTHING_PENDING)
