"""Entry point of the dashboard (`vksync-tui` with no command, `vksync-tui --demo`).

Problems the operator can fix (a broken config.toml, an unwritable home, a locked or too-new database)
become a `CliError`, which the CLI prints as one line; they never reach Textual as a traceback.
"""

from __future__ import annotations

import os

from vksync_tui.cli.homeconfig import bad_config, database_problem, open_home_folder
from vksync_tui.config import API_URL_ENV, ConfigError, load_config
from vksync_tui.home import Home
from vksync_tui.logs import setup_logging
from vksync_tui.store.db import StoreError


def launch_tui(home: str | None, demo: bool) -> int:
    """Run the dashboard until the operator quits; returns the process exit code."""
    if demo:
        from vksync_tui.tui.demo import demo_environment

        # The demo must talk to its own emulator, whatever the environment says about the real API.
        os.environ.pop(API_URL_ENV, None)
        with demo_environment() as environment:
            return run_app(environment.home, demo=environment)
    return run_app(open_home_folder(home))


def run_app(home: Home, *, demo: object | None = None) -> int:
    """The same one-line errors and exit codes as the commands (`cli/homeconfig.py`)."""
    from vksync_tui.tui.app import VkSyncApp
    from vksync_tui.tui.keymap import check_keymap

    setup_logging(home)
    try:
        check_keymap(load_config(home.config_file), home.config_file, VkSyncApp)  # before anything opens
        app = VkSyncApp(home, demo=demo)
    except ConfigError as exc:
        raise bad_config(exc) from None
    except StoreError as exc:
        raise database_problem(exc) from None
    try:
        return app.run() or 0
    finally:
        app.close()
