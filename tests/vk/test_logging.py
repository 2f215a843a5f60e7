"""The log level follows the environment, and token health changes reach the (scrubbed) log file."""

from __future__ import annotations

import logging

import pytest

from tests.helpers.token_pool import Harness, entry, fails
from vksync_tui.home import Home
from vksync_tui.logs import LOG_FILE_NAME, level_from_environment, setup_logging


@pytest.mark.parametrize(
    ("env", "level"),
    [
        ({}, logging.INFO),
        ({"VKSYNC_DEBUG": "1"}, logging.DEBUG),
        ({"VKSYNC_LOG_LEVEL": "warning"}, logging.WARNING),
        ({"VKSYNC_LOG_LEVEL": "nonsense"}, logging.INFO),
    ],
)
def test_level_from_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], level: int) -> None:
    monkeypatch.delenv("VKSYNC_DEBUG", raising=False)
    monkeypatch.delenv("VKSYNC_LOG_LEVEL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert level_from_environment() == level


def test_token_health_changes_are_logged_masked(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VKSYNC_LOG_LEVEL", raising=False)
    home = Home(tmp_path / "home")  # type: ignore[operator]
    path = setup_logging(home)
    harness = Harness([entry("a"), entry("b")], {"a": fails(5)})
    harness.run()
    for handler in logging.getLogger("vksync_tui").handlers:
        handler.flush()
    text = (home.logs_dir / LOG_FILE_NAME).read_text()
    assert path.name == LOG_FILE_NAME
    assert "token a: disabled (VK error 5" in text
    assert harness.pool.tokens[0].entry.secret not in text
