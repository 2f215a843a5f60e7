"""What every CLI command shares: exit codes, one-line errors, the home folder."""

from __future__ import annotations

import sys
from typing import NoReturn

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_THRESHOLD_ABORT = 3


class CliError(Exception):
    """An error the operator can act on: printed as one line on stderr, never as a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class BadInput(CliError):
    """The operator asked for something impossible (unknown group, malformed token, bad flag value)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_BAD_INPUT)


def fail(message: str, exit_code: int = EXIT_FAILURE) -> NoReturn:
    raise CliError(message, exit_code)


def print_error(message: str) -> None:
    print(f"vksync-tui: error: {message}", file=sys.stderr)
