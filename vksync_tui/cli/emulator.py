"""`vksync-tui emulator`: serve the VK API emulator on a local port until interrupted.

The first line on stdout is `VK emulator listening on http://HOST:PORT/method/`, flushed at once, so a script
(or a test) can start it with `--port 0` and read which port it got; then one line per token it accepts, with
the token masked (the full strings are at `/_emu/tokens`, which answers loopback clients only).
"""

from __future__ import annotations

import argparse
import gc
import signal
import threading
from pathlib import Path
from typing import Any

from vksync_tui.cli.common import EXIT_OK, BadInput
from vksync_tui.secrets import mask


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="serve the local VK API emulator (for demos, tests and trying a sync without VK)",
        description="Serve a deterministic VK API emulator on a loopback port until SIGINT/SIGTERM.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on, loopback only (default %(default)s)")
    add("--port", type=int, default=8765, help="port, 0 = any free port (default %(default)s)")
    add("--world", metavar="FILE", help="world spec TOML (communities, sizes); default: the demo world")
    add("--seed", type=int, default=1, help="world seed (default %(default)s)")
    add("--members", type=int, help="members of the main community (default: the world's)")
    add("--faults", metavar="SPEC", help="fault spec, e.g. error6=0.05,http500=0.02,delay=0.05")
    parser.set_defaults(func=run_emulator)


def run_emulator(args: argparse.Namespace) -> int:
    from vksync_tui.emulator.faults import FaultSpec
    from vksync_tui.emulator.server import is_loopback_host, start_emulator

    if not is_loopback_host(args.host):
        raise BadInput(f"--host {args.host} is not a loopback address; the emulator only serves this machine")
    if not 0 <= args.port <= 65535:
        raise BadInput(f"--port {args.port} is not a port number")
    if args.members is not None and args.members < 0:
        raise BadInput("--members cannot be negative")
    try:
        FaultSpec.parse(args.faults)
    except ValueError as exc:
        raise BadInput(f"--faults: {exc}") from None
    world = _load_world(args)
    # The world lives until exit: out of the collector's generations, a full collection no longer walks
    # every dialog, message and post plan of it (in-process, four executes of projected getConversations
    # over 20,000 dialogs: 1.05-1.19 → 0.69-1.01 CPU s).
    gc.freeze()
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with start_emulator(world, faults=args.faults, host=args.host, port=args.port) as emulator:
            print(f"VK emulator listening on {emulator.url}", flush=True)
            for token in emulator.world.tokens:
                print(f"  {token.label:<40} {token.kind:<8} {mask(token.token)}", flush=True)
            print(f"  full tokens: {emulator.base_url}/_emu/tokens", flush=True)
            stop.wait()
    except OSError as exc:
        raise BadInput(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


def _load_world(args: argparse.Namespace) -> Any:
    from vksync_tui.emulator.spec import WorldSpec
    from vksync_tui.emulator.world import World

    if args.world is None:
        return World.generate(args.seed, WorldSpec.demo(args.members))
    path = Path(args.world)
    try:
        spec = WorldSpec.from_toml(path)
    except FileNotFoundError:
        raise BadInput(f"--world {path}: no such file") from None
    except (ValueError, TypeError) as exc:
        raise BadInput(f"--world {path}: {exc}") from None
    if args.members is not None:
        spec.communities[0].members = args.members
    seed = spec.seed if spec.seed is not None else args.seed
    return World.generate(seed, spec)
