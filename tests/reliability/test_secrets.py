"""Secrets: every list synced through the CLI under faults (a token revoked mid-run included, so error 5 texts
travel through logs and run records) with debug logging, then every list exported and the TUI screenshotted.
No token string may appear in the log files, stdout/stderr, the database file (and its WAL), the exports or
the screenshots; config.toml must be 0600.

Debug logging: the CLI has no switch for a DEBUG log level (`VKSYNC_DEBUG=1` only re-raises unexpected
errors), so the test sets VKSYNC_DEBUG=1 *and* makes the CLI's `setup_logging` use DEBUG, with httpx and
httpcore logging at DEBUG into the same scrubbed file.
"""

from __future__ import annotations

import functools
import logging
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.list_checks import check_for, registered_lists
from tests.helpers.list_runs import start_small_world
from vksync_tui import logs
from vksync_tui.cli import homeconfig, main
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.home import Home

# No captcha/29/9 here: the CLI's real cool-downs (60 s) would make this test minutes long; the fault matrix
# covers those with short cool-downs, and their error texts take the same path as error 10's.
FAULTS = "http500=0.1,error10=0.1,reset=0.05,inner_false=0.1,revoke=user-editor@2"
CLI_FLAGS = {"subscribers": ("--yes",)}


def cli_options(list_name: str) -> tuple[str, ...]:
    """The list's `run_sync` options as CLI flags (the ones the fault matrix uses)."""
    flags: list[str] = list(CLI_FLAGS.get(list_name, ()))
    for name, value in check_for(list_name).options.items():
        if name == "scope":
            flags += ["--scope", str(value)]
    return tuple(flags)


@pytest.fixture
def debug_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VKSYNC_DEBUG", "1")
    debug_setup = functools.partial(logs.setup_logging, level=logging.DEBUG)
    monkeypatch.setattr(homeconfig, "setup_logging", debug_setup)
    for name in ("httpx", "httpcore"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.DEBUG)


def home_files(home: Home) -> list[Path]:
    return [path for path in home.root.rglob("*") if path.is_file()]


async def screenshots(home: Home) -> list[str]:
    from vksync_tui.tui.app import VkSyncApp

    app = VkSyncApp(home)
    shots = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        shots.append(app.export_screenshot())
        await pilot.press("f2")
        await pilot.pause()
        shots.append(app.export_screenshot())
    return shots


async def test_no_token_leaks_into_logs_output_database_exports_or_screenshots(
    home: Home, emulator_factory: Callable[..., RunningEmulator], debug_logging: None,
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    setup: EmulatorHome = start_small_world(emulator_factory, home)
    secrets = [token.secret for token in setup.config.tokens]
    setup.set_faults(FAULTS)
    outputs: list[str] = []
    for list_name in registered_lists():
        main(["sync", list_name, "--group", str(setup.group_id), "--json", *cli_options(list_name)])
        outputs.extend(capsys.readouterr())
    assert main(["tokens", "check"]) in (0, 1)  # user-editor is revoked by now: the check must say so safely
    assert main(["tokens", "list"]) == 0
    exports = tmp_path / "exports"
    exports.mkdir()
    for list_name in registered_lists():
        for fmt in ("csv", "jsonl"):
            assert main(["export", list_name, "--group", str(setup.group_id), "--format", fmt,
                         "--out", str(exports / f"{list_name}.{fmt}")]) == 0
    outputs.extend(capsys.readouterr())
    outputs.extend(await screenshots(setup.home))

    stored = [path for path in home_files(setup.home) if path != setup.home.config_file]  # the one keeper
    places = {str(path): path.read_bytes() for path in [*stored, *exports.iterdir()]}
    places.update({f"output {index}": text.encode() for index, text in enumerate(outputs)})
    log_text = b"".join(data for where, data in places.items() if ".log" in where)
    assert b" DEBUG " in log_text  # debug logging was on
    assert any("token user-editor: disabled" in text for text in outputs)  # the error-5 path really ran
    assert any(where.endswith(".db") for where in places) and len(outputs) > 2 * len(registered_lists())
    leaks = [(where, secret[:8]) for where, data in places.items() for secret in secrets
             if secret.encode() in data]
    assert not leaks, f"token strings found in: {leaks}"
    assert stat.S_IMODE(setup.home.config_file.stat().st_mode) == 0o600
