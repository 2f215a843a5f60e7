"""`vksync-tui sync <list>`: run one list's sync headless (cron, scripts), through `sync.registry.run_sync`.

Output: progress on stderr (one rewritten line per phase on a terminal, plain lines otherwise), the summary on
stdout; with `--json` the summary object is the last line of stdout. Exit codes: 0 applied or pending diff
saved, 3 safety-threshold abort, 1 any other failure, 2 bad input (unknown or unconfigured group, unknown
list, bad config, no usable token: the `--json` line then says `refused`), 130 stopped by Ctrl-C (the first
press cancels the run at its next safe point: `cli/interrupt.py`).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

from vksync_tui.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_THRESHOLD_ABORT,
    BadInput,
    CliError,
)
from vksync_tui.cli.homeconfig import database_problem, load_home_config
from vksync_tui.cli.interrupt import EXIT_INTERRUPTED, first_ctrl_c_sets
from vksync_tui.config import Config
from vksync_tui.heap import freeze_startup_heap, thaw_heap
from vksync_tui.secrets import redact
from vksync_tui.store.errors import StoreError
from vksync_tui.sync.events import (
    ChunkFailed,
    ChunkRetried,
    JobFinished,
    Notice,
    PhaseFinished,
    PhaseStarted,
    Progress,
    SyncEvent,
    TokenChanged,
)
from vksync_tui.sync.runs import RunSummary, incidents_line

if TYPE_CHECKING:
    from vksync_tui.sync.definition import ListOption

EXIT_BY_STATUS = {"applied": EXIT_OK, "pending": EXIT_OK, "done": EXIT_OK, "aborted": EXIT_THRESHOLD_ABORT}
PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


def register(subparsers: Any) -> None:
    from vksync_tui.sync.registry import LISTS

    parser = subparsers.add_parser(
        "sync", help="sync one list of a community now", description="Sync one list of a community now."
    )
    lists = parser.add_subparsers(dest="list_name", metavar="LIST", required=True)
    for definition in LISTS.values():
        sub = lists.add_parser(
            definition.name,
            help=f"sync the {definition.name} list",
            description=f"Sync the {definition.title.lower()} list of a community "
            f"(it runs on {definition.token_kinds_text()}).",
        )
        add_group_argument(sub)
        sub.add_argument("--json", action="store_true", help="print the final summary as one JSON line")
        for option in definition.options:
            add_list_option(sub, option)
        sub.set_defaults(func=run_sync_command)


def add_list_option(parser: argparse.ArgumentParser, option: ListOption) -> None:
    """A list's sync option as a command-line option whose value goes to the sync as `option.keyword`."""
    if option.value_type is None:
        parser.add_argument(option.flag, action="store_true", dest=option.keyword, help=option.help)
        return
    parser.add_argument(
        option.flag,
        type=option.value_type,
        dest=option.keyword,
        metavar=option.metavar,
        default=option.default,
        choices=option.choices or None,
        help=option.help,
    )


def add_group_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--group",
        metavar="ID",
        help="community id or screen name (optional when exactly one community is configured)",
    )


def resolve_group(config: Config, raw: str | None) -> int:
    """The community the operator meant: `--group` (id, screen name, -id, vk.com link) or the only one."""
    if raw is None:
        if len(config.communities) == 1:
            return config.communities[0].id
        if not config.communities:
            raise BadInput("no community configured: add one with `vksync-tui group add` or pass --group")
        known = ", ".join(f"{c.id} ({c.screen_name})" for c in config.communities)
        raise BadInput(f"several communities are configured ({known}): choose one with --group")
    text = raw.strip().removeprefix("https://").removeprefix("vk.com/").lstrip("@")
    digits = text.removeprefix("-").removeprefix("club").removeprefix("public")
    if digits.isdigit():
        return int(digits)
    for community in config.communities:
        if community.screen_name and community.screen_name == text:
            return community.id
    raise BadInput(f"unknown community {raw!r}: use its numeric id or a configured screen name")


def require_configured(config: Config, group_id: int) -> None:
    """A sync of a community nobody added would ask VK about an id that was likely mistyped and record a
    failed run for it: refuse it, and say how to add the community."""
    if config.community(group_id) is None:
        raise BadInput(
            f"community {group_id} is not configured: add it with `vksync-tui group add {group_id}` "
            "(see `vksync-tui group list`)"
        )


class CliProgress:
    """The engine's events as terminal output (stderr): a live line on a TTY, sparse plain lines otherwise.

    It also keeps the run's final summary (`finished`), for the `--json` line of a run that ends by raising.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last_plain = 0.0
        self._line_open = False
        self.finished: dict[str, Any] | None = None

    def __call__(self, event: SyncEvent) -> None:
        match event:
            case Progress():
                self._progress(event)
            case PhaseStarted():
                self._line(f"{event.phase}: started" + (f" ({event.total} chunks)" if event.total else ""))
            case PhaseFinished():
                self._line(f"{event.phase}: done in {event.seconds:.1f} s")
            case ChunkFailed():
                self._line(f"{event.phase}: chunk {event.chunk} failed on every token ({event.error})")
            case ChunkRetried() if not event.ok:
                self._line(f"retry: chunk {event.chunk} still failing ({event.error})")
            case TokenChanged():
                self._line(f"token {event.label}: {event.state} ({event.reason})")
            case Notice():
                self._line(f"{event.level}: {event.text}")
            case JobFinished():
                self.finished = event.summary
                self._line(f"finished: {event.status}" + (f" ({event.error})" if event.error else ""))

    def _progress(self, event: Progress) -> None:
        expected = f"/{event.expected_items}" if event.expected_items else ""
        chunks = f" chunks {event.chunks_done}/{event.chunks_total}" if event.chunks_total else ""
        eta = f" eta {event.eta_seconds:.0f}s" if event.eta_seconds is not None else ""
        text = (
            f"{event.phase}: items {event.items}{expected}{chunks} requests {event.requests} "
            f"{event.requests_per_second:.1f}/{event.ceiling_rps:.0f} rps{eta}"
        )
        if event.chunks_failed:
            text += f" failed {event.chunks_failed}"
        if self.tty:
            self.stream.write("\r\x1b[2K" + redact(text))
            self.stream.flush()
            self._line_open = True
        elif time.monotonic() - self._last_plain >= PLAIN_PROGRESS_EVERY:
            self._last_plain = time.monotonic()
            self._line(text)

    def _line(self, text: str) -> None:
        if self._line_open:
            self.stream.write("\n")
            self._line_open = False
        self.stream.write(redact(text) + "\n")
        self.stream.flush()


def run_sync_command(args: argparse.Namespace) -> int:
    """Run the sync; with `--json` the last line of stdout is a summary object whatever the exit code."""
    from vksync_tui.sync.context import SyncContext
    from vksync_tui.sync.errors import SyncInputError
    from vksync_tui.sync.registry import LISTS, run_sync

    progress = CliProgress()
    group_id: int | None = None
    cancel = threading.Event()
    try:
        home, config = load_home_config(args)
        group_id = resolve_group(config, args.group)
        require_configured(config, group_id)
        options = {option.keyword: getattr(args, option.keyword) for option in LISTS[args.list_name].options}
        try:
            with (
                first_ctrl_c_sets(cancel, "Ctrl-C: stopping at the next safe point") as interrupted,
                SyncContext.open(home, on_event=progress, config=config, cancel=cancel) as ctx,
            ):
                # Start-up is over once the context is open (its HTTP client imported the transport).
                freeze_startup_heap(collect=False)
                try:
                    summary = run_sync(args.list_name, ctx, group_id, **options)
                finally:
                    thaw_heap()
        except SyncInputError as exc:
            raise CliError(str(exc), EXIT_BAD_INPUT) from None
        except StoreError as exc:
            raise database_problem(exc) from None
    except BaseException as exc:
        if args.json:
            print_summary(ended_by_raising(args.list_name, group_id, progress.finished, exc), as_json=True)
        raise
    print_summary(summary.as_json(), as_json=args.json)
    if interrupted.is_set() and summary.status == "cancelled":
        raise CliError(
            "interrupted: the run stopped at a safe point and is recorded as cancelled; nothing is "
            "half-applied (a subscribers run saved no diff; run it again to finish)",
            EXIT_INTERRUPTED,
        )
    return EXIT_BY_STATUS.get(summary.status, EXIT_FAILURE)


def ended_by_raising(
    list_name: str, group_id: int | None, finished: dict[str, Any] | None, exc: BaseException
) -> dict[str, Any]:
    """The `--json` summary of a sync command that ends with an error instead of a run's summary.

    A run that started is recorded, and its own summary (status `failed`, with the reason) is the line.
    Otherwise nothing ran: status `refused` for bad input (exit 2), `failed` for anything else.
    """
    if finished is not None:
        return finished
    if isinstance(exc, CliError):
        status, reason = ("refused" if exc.exit_code == EXIT_BAD_INPUT else "failed"), exc.message
    elif isinstance(exc, KeyboardInterrupt):
        status, reason = "cancelled", "interrupted"
    else:
        status, reason = "failed", f"{type(exc).__name__}: {exc}"
    summary = RunSummary(list_name, group_id, status=status, error=redact(reason))  # type: ignore[arg-type]
    return summary.as_json()


def print_summary(summary: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, ensure_ascii=False), flush=True)
        return
    line = (
        f"{summary['list']} of {summary['group_id']}: {summary['status']} — fetched {summary['fetched']} of "
        f"{summary['expected']} expected, joined {summary['joined']}, left {summary['left']}, "
        f"still members after re-check {summary['verified_still_member']}, "
        f"{summary['requests']} requests, {summary['seconds']:.1f} s"
    )
    print(redact(line))
    incidents = incidents_line(summary)
    if incidents:
        print(incidents)
    if summary["failed_chunks"]:
        print(f"failed chunks: {', '.join(summary['failed_chunks'])}")
    if summary.get("error"):
        print(redact(f"reason: {summary['error']}"))
    if summary["status"] == "pending":
        print("review with `vksync-tui diff show`, then `vksync-tui diff apply` (or `diff discard`)")
