"""The headless face of the engine. Each command group lives in its own module with a `register(subparsers)`.

Keeping the parser modular lets every list add its `sync`/`export` subcommands without touching the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from vksync_tui import __version__
from vksync_tui.cli.common import EXIT_FAILURE, EXIT_OK, CliError, print_error
from vksync_tui.vk.budget import BudgetUnavailable

# Modules that contribute subcommands; each exposes register(subparsers) and sets `func` on its parsers.
COMMAND_MODULES = (
    "vksync_tui.cli.tokens",
    "vksync_tui.cli.groups",
    "vksync_tui.cli.sync",
    "vksync_tui.cli.diff",
    "vksync_tui.cli.export",
    "vksync_tui.cli.emulator",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vksync-tui",
        description="Sync a VK community's data into a local database and watch it in a terminal dashboard. "
        "Without a command, opens the dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"vksync-tui {__version__}")
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="keep config, database and logs in DIR (default: VKSYNC_HOME, else the platform's user dirs)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the dashboard on a built-in VK emulator with a demo community and tokens "
        "(no real token needed)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from vksync_tui.tui.launch import launch_tui

            return launch_tui(home=args.home, demo=args.demo)
        return int(args.func(args) or EXIT_OK)
    except CliError as exc:
        print_error(exc.message)
        return exc.exit_code
    except BudgetUnavailable as exc:
        print_error(str(exc))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print_error("interrupted; stored data is unchanged")
        return 130
    except BrokenPipeError:
        # `vksync-tui export ... | head`: the reader has all it wanted; stop quietly, like other Unix tools.
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # the last line of defence: one line, no traceback, no secrets
        from vksync_tui.secrets import redact

        print_error(f"unexpected {type(exc).__name__}: {redact(str(exc))} (VKSYNC_DEBUG=1 shows details)")
        if _debug_enabled():
            raise
        return EXIT_FAILURE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not raise a second BrokenPipeError."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _debug_enabled() -> bool:
    import os

    return os.environ.get("VKSYNC_DEBUG") == "1"


if __name__ == "__main__":
    sys.exit(main())
