"""`vksync-tui diff show|apply|discard`: the operator's review of a subscribers sync's pending diff.

All the logic is in `sync.diff` (the TUI's diff screen uses the same functions); this module only parses
arguments and prints. Exit codes: 0 done, 1 nothing pending or a database problem, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import threading
from datetime import UTC, datetime
from typing import Any

from vksync_tui.cli.common import EXIT_FAILURE, EXIT_OK, CliError
from vksync_tui.cli.homeconfig import database_problem, load_home_config
from vksync_tui.cli.interrupt import first_ctrl_c_sets
from vksync_tui.cli.sync import add_group_argument, resolve_group
from vksync_tui.store.errors import StoreError
from vksync_tui.sync.names import display_name

SHOW_LIMIT = 50
# Apply and discard are one queued transaction each: an interrupt cannot take it back once queued (closing
# the writer runs it), so Ctrl-C says so and lets it finish instead of claiming nothing changed.
ONE_TRANSACTION = "Ctrl-C: this is one transaction; it finishes first"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="review the pending subscribers diff: show, apply or discard",
        description="A subscribers sync saves its changes as a pending diff; nothing changes until applied.",
    )
    actions = parser.add_subparsers(dest="diff_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="who joined and who left (with names where known)")
    add_group_argument(show)
    show.add_argument("--json", action="store_true", help="print everything as one JSON object")
    show.add_argument(
        "--limit", type=int, default=SHOW_LIMIT, help="people listed per side as text (default %(default)s)"
    )
    show.set_defaults(func=show_command)
    for name, func, text in (
        ("apply", apply_command, "apply the pending diff to the members table (one transaction)"),
        ("discard", discard_command, "drop the pending diff; members stay as they are"),
    ):
        sub = actions.add_parser(name, help=text)
        add_group_argument(sub)
        sub.add_argument("--json", action="store_true", help="print the outcome as one JSON line")
        sub.set_defaults(func=func)


def _open(args: argparse.Namespace) -> tuple[Any, int]:
    from vksync_tui.sync.context import SyncContext

    home, config = load_home_config(args)
    group_id = resolve_group(config, args.group)
    try:
        return SyncContext.open(home, config=config), group_id
    except StoreError as exc:
        raise database_problem(exc) from None


def show_command(args: argparse.Namespace) -> int:
    from vksync_tui.sync import diff

    ctx, group_id = _open(args)
    with ctx:
        try:
            view = diff.show_pending(group_id, limit=None if args.json else max(args.limit, 0))
        except diff.NoPendingDiff as exc:
            raise CliError(str(exc), EXIT_FAILURE) from None
    if args.json:
        print(json.dumps(view.as_json(), ensure_ascii=False))
        return EXIT_OK
    created = datetime.fromtimestamp(view.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    kind = " (first sync: a baseline, no join events)" if view.baseline else ""
    print(
        f"pending diff of community {group_id} from run {view.run_id} at {created}{kind}: "
        f"joined {view.counts.joined}, left {view.counts.left}, "
        f"still members after re-check {view.counts.still_member} (fetched {view.fetched} of {view.expected})"
    )
    sides = (("joined", view.joined, view.counts.joined), ("left", view.left, view.counts.left))
    for title, people, total in sides:
        if total:
            print(f"{title}:")
        for person in people:
            print(f"  {person.user_id}  {display_name(person.first_name, person.last_name)}")
        if total > len(people):
            print(f"  … and {total - len(people)} more (--json lists everyone)")
    return EXIT_OK


def apply_command(args: argparse.Namespace) -> int:
    from vksync_tui.sync import diff

    ctx, group_id = _open(args)
    with first_ctrl_c_sets(threading.Event(), ONE_TRANSACTION), ctx:
        try:
            result = diff.apply_pending(ctx, group_id)
        except diff.NoPendingDiff as exc:
            raise CliError(str(exc), EXIT_FAILURE) from None
    outcome = {
        "group_id": group_id,
        "run_id": result.run_id,
        "applied": True,
        "joined": result.joined,
        "left": result.left,
        "baseline": result.baseline,
    }
    if args.json:
        print(json.dumps(outcome))
    else:
        print(f"applied run {result.run_id}: {result.joined} joined, {result.left} left")
    return EXIT_OK


def discard_command(args: argparse.Namespace) -> int:
    from vksync_tui.sync import diff

    ctx, group_id = _open(args)
    with first_ctrl_c_sets(threading.Event(), ONE_TRANSACTION), ctx:
        try:
            run_id = diff.discard_pending(ctx, group_id)
        except diff.NoPendingDiff as exc:
            raise CliError(str(exc), EXIT_FAILURE) from None
    if args.json:
        print(json.dumps({"group_id": group_id, "run_id": run_id, "discarded": True}))
    else:
        print(f"discarded the pending diff of run {run_id}; members unchanged")
    return EXIT_OK
