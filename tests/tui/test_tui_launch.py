"""launch_tui turns problems the operator can fix into one-line CliErrors before any terminal takeover."""

from __future__ import annotations

from pathlib import Path

import pytest

from vksync_tui.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, CliError
from vksync_tui.tui.launch import launch_tui


def test_a_broken_config_is_a_one_line_bad_input_error(tmp_path: Path) -> None:
    root = tmp_path / "home"
    root.mkdir()
    (root / "config.toml").write_text("[tuning]\nsafety_threshold = 1.5\n", encoding="utf-8")
    with pytest.raises(CliError) as caught:
        launch_tui(home=str(root), demo=False)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert "config.toml" in caught.value.message and "tuning.safety_threshold" in caught.value.message
    assert "\n" not in caught.value.message


def test_an_unusable_home_fails_as_it_does_for_every_command(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(CliError) as caught:
        launch_tui(home=str(blocker / "home"), demo=False)
    assert caught.value.exit_code == EXIT_FAILURE
    assert caught.value.message.startswith("home folder unusable: ")
