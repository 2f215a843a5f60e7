"""Home + config access for CLI commands, with every failure turned into one operator-readable line.

Shared by the command modules so each of them opens the home, loads and saves config.toml, and opens its VK
session (the token pool on the home's shared rate budget) the same way (and a broken config or an unwritable
folder reads the same everywhere).
"""

from __future__ import annotations

import argparse

from vksync_tui.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, CliError
from vksync_tui.config import Config, ConfigError, load_config, save_config
from vksync_tui.home import Home, HomeError, resolve_home
from vksync_tui.logs import setup_logging
from vksync_tui.vk.budget import BudgetUnavailable
from vksync_tui.vk.session import VkSession


def open_home(args: argparse.Namespace) -> Home:
    """The home of a command's `--home` argument; see `open_home_folder`."""
    return open_home_folder(getattr(args, "home", None))


def open_home_folder(cli_home: str | None) -> Home:
    """The home from `--home` / VKSYNC_HOME / platform dirs, created (0700) and logging into its logs/.

    The dashboard and every command fail the same way here: one line, exit code 1 (like a database that
    cannot be opened: the folder, not what the operator asked for, is the problem).
    """
    try:
        home = resolve_home(cli_home).ensure()
        setup_logging(home)
    except HomeError as exc:
        raise CliError(f"home folder unusable: {exc}", EXIT_FAILURE) from None
    except OSError as exc:
        raise CliError(f"home folder unusable: {exc.strerror or exc}", EXIT_FAILURE) from None
    return home


def bad_config(exc: ConfigError) -> CliError:
    return CliError(f"bad config: {exc}", EXIT_BAD_INPUT)


def database_problem(exc: Exception) -> CliError:
    return CliError(f"database problem: {exc}", EXIT_FAILURE)


def load_home_config(args: argparse.Namespace) -> tuple[Home, Config]:
    home = open_home(args)
    try:
        return home, load_config(home.config_file)
    except ConfigError as exc:
        raise bad_config(exc) from None


def store_config(home: Home, config: Config) -> None:
    try:
        save_config(home.config_file, config)
    except (OSError, HomeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"cannot save {home.config_file}: {reason}", EXIT_FAILURE) from None


def open_vk_session(home: Home, config: Config) -> VkSession:
    """The session every VK request of a command goes through (close it: `with open_vk_session(...)`)."""
    try:
        return VkSession.open(home, config)
    except BudgetUnavailable as exc:
        raise CliError(str(exc), EXIT_FAILURE) from None
