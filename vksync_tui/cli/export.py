"""`vksync-tui export <list> --format csv|jsonl [--out FILE]`: a list as CSV (with header) or JSON Lines.

Rows come from each list's export (its `ListDefinition`, shared with the TUI), streamed, so big lists do not
load into memory.
Without `--out` the rows go to stdout. The file is written to a temporary name and renamed when complete.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from vksync_tui.cli.common import EXIT_FAILURE, EXIT_OK, CliError
from vksync_tui.cli.homeconfig import database_problem, load_home_config
from vksync_tui.cli.sync import add_group_argument, resolve_group
from vksync_tui.store.errors import StoreError


def register(subparsers: Any) -> None:
    from vksync_tui.sync.exports.format import FORMATS
    from vksync_tui.sync.registry import LISTS

    parser = subparsers.add_parser("export", help="export a list as CSV or JSON Lines")
    lists = parser.add_subparsers(dest="list_name", metavar="LIST", required=True)
    for definition in LISTS.values():
        if definition.export is None:
            continue
        sub = lists.add_parser(definition.name, help=f"export the {definition.name} list")
        add_group_argument(sub)
        sub.add_argument("--format", choices=FORMATS, required=True, help="csv (with header) or jsonl")
        sub.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
        if definition.export.include_all_help is not None:
            sub.add_argument("--all", action="store_true", help=definition.export.include_all_help)
        sub.set_defaults(func=export_command)


def export_command(args: argparse.Namespace) -> int:
    from vksync_tui.store.db import open_database
    from vksync_tui.sync.registry import write_export

    home, config = load_home_config(args)
    group_id = resolve_group(config, args.group)
    include_all = bool(getattr(args, "all", False))
    try:
        db = open_database(home.db_path)
    except StoreError as exc:
        raise database_problem(exc) from None
    try:
        if args.out is None:
            write_export(args.list_name, group_id, sys.stdout, fmt=args.format, include_all=include_all)
            sys.stdout.flush()
            return EXIT_OK
        target = Path(args.out)
        descriptor, temp_name = tempfile.mkstemp(prefix=".export-", dir=target.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
                rows = write_export(
                    args.list_name, group_id, handle, fmt=args.format, include_all=include_all
                )
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        print(f"exported {rows} row(s) to {target}", file=sys.stderr)
        return EXIT_OK
    except BrokenPipeError:
        raise  # the reader of stdout went away (`| head`): main() ends quietly
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}", EXIT_FAILURE) from None
    finally:
        db.close()
