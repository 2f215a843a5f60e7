"""`vksync-tui tokens …`: add, login, list, check, remove, enable and disable VK access tokens.

A token is shown only masked (`vk1.a…9f3c`), never echoed, and never printed in an error. `tokens add -`
reads it from stdin so it stays out of shell history and the process list; `tokens login` reads the pasted
redirect address without echoing it on a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from datetime import datetime

from vksync_tui.cli.common import BadInput, CliError
from vksync_tui.cli.homeconfig import load_home_config, open_vk_session, store_config
from vksync_tui.config import TOKEN_KINDS, Config, TokenCheck, TokenEntry
from vksync_tui.secrets import MALFORMED_TOKEN, extract_token, mask, register_secret
from vksync_tui.vk.check import apply_check, check_token, checking_token
from vksync_tui.vk.oauth import OAuthError, TokenRefused, authorize_url, new_token_entry, parse_redirect
from vksync_tui.vk.session import VkSession

ADMIN_LEVEL_NAMES = {1: "moderator", 2: "editor", 3: "administrator"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tokens",
        help="manage VK access tokens (add, login, list, check, remove, enable, disable)",
        description="Manage the VK access tokens vksync-tui syncs with. Tokens are stored in config.toml "
        "(mode 0600) and always shown masked.",
    )
    actions = parser.add_subparsers(dest="tokens_action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="add a token (checked with VK first)",
        description="Add a VK access token. VK is asked about it first (as `tokens check` does: owner, kind, "
        "admin levels, scopes); a token VK rejects is not saved. With --no-check nothing is sent to VK.",
    )
    add.add_argument("token", metavar="TOKEN",
                     help="the access token, or an OAuth redirect URL containing access_token=…, or - to "
                     "read it from stdin (keeps it out of shell history)")
    add.add_argument("--label", help="a short name for the token (default: KIND-N, e.g. user-1)")
    add.add_argument("--kind", choices=TOKEN_KINDS,
                     help="user (default), group (community token) or service (app key)")
    add.add_argument("--group", type=int, metavar="ID",
                     help="for a community token: the community's numeric id (implies --kind group)")
    add.add_argument("--no-check", action="store_true",
                     help="save the token without asking VK (check it later with `tokens check LABEL`)")
    add.set_defaults(func=add_token)

    login = actions.add_parser(
        "login",
        help="get a user token from VK in a browser (OAuth) and add it",
        description="Print VK's authorization address for your VK app; open it in a browser, allow access, "
        "and paste the address of the page VK then shows (https://oauth.vk.ru/blank.html#access_token=…). "
        "The token is checked with VK (as `tokens check` does) and added; it is never echoed. Exit 2 for an "
        "address without a token, 1 when VK does not accept the token.",
    )
    login.add_argument("--app-id", type=int, metavar="ID",
                       help="your standalone VK app's id (saved in config.toml for next time)")
    login.add_argument("--label", help="a short name for the token (default: user-N)")
    login.set_defaults(func=login_token)

    listing = actions.add_parser("list", help="list tokens (masked) with kind, owner, status and last error",
                                 description="List configured tokens, masked.")
    listing.set_defaults(func=list_tokens)

    check = actions.add_parser(
        "check",
        help="ask VK about each token (owner, kind, admin levels, scopes); exit 1 if any check fails",
        description="Call VK with each token (or just LABEL) and record what it is: its kind, owner, admin "
        "level in each configured community and its scopes/rights. A token VK says is dead is marked "
        "expired or invalid with VK's reason and left out of syncs (it stays in config.toml; remove it "
        "yourself). A failed check never changes a token's kind. Exit 1 if any check failed.",
    )
    check.add_argument("label", nargs="?", metavar="LABEL", help="check only this token")
    check.set_defaults(func=check_tokens)

    for name, func, text in (
        ("remove", remove_token, "delete a token from config.toml"),
        ("enable", enable_token, "use a token again in syncs"),
        ("disable", disable_token, "keep a token but leave it out of syncs"),
    ):
        action = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        action.add_argument("label", metavar="LABEL")
        action.set_defaults(func=func)


def parse_token(raw: str) -> str:
    """The bare token from what the operator pasted; raises BadInput without ever repeating the input."""
    token = extract_token(raw)
    if token is None:
        raise BadInput(f"{MALFORMED_TOKEN}; nothing was saved")
    return token


def add_token(args: argparse.Namespace) -> int:
    secret = parse_token(sys.stdin.readline() if args.token == "-" else args.token)
    register_secret(secret)
    kind = args.kind or ("group" if args.group else "user")
    if args.group is not None and (kind != "group" or args.group <= 0):
        raise BadInput("--group takes a positive community id, and only for a community token (--kind group)")
    home, config = load_home_config(args)
    duplicate = next((entry for entry in config.tokens if entry.secret == secret), None)
    if duplicate is not None:
        raise BadInput(f"this token is already configured as '{duplicate.label}'")
    label = (args.label or config.free_label(kind)).strip()
    if not label:
        raise BadInput("--label must not be empty")
    if config.token(label) is not None:
        raise BadInput(f"a token labelled '{label}' already exists; choose another --label")
    entry = TokenEntry(label=label, secret=secret, kind=kind, group_id=args.group)
    if args.no_check:
        config.tokens.append(entry)
        store_config(home, config)
        print(f"added {kind} token '{label}' ({mask(secret)}) unchecked; check it with: "
              f"vksync-tui tokens check {label}")
        return 0
    with open_vk_session(home, config) as vk:
        result = _check(vk, entry, config)
    if result.invalid:
        raise BadInput(f"VK rejected this token ({result.last_error}); nothing was saved")
    apply_check(entry, result)
    config.tokens.append(entry)
    store_config(home, config)
    if result.last_error:
        print(f"added {entry.kind} token '{label}' ({mask(secret)}), but VK could not check it now "
              f"({result.last_error}); check it later with: vksync-tui tokens check {label}")
    else:
        print(f"added token '{label}' ({mask(secret)}): {_describe(entry)}")
    return 0


def _check(vk: VkSession, entry: TokenEntry, config: Config) -> TokenCheck:
    return check_token(checking_token(vk.pool, entry), vk.client, config.communities)


def login_token(args: argparse.Namespace) -> int:
    home, config = load_home_config(args)
    if args.app_id is not None:
        if args.app_id <= 0:
            raise BadInput("--app-id takes your VK app's positive numeric id")
        config.app_id = args.app_id
    if config.app_id is None:
        raise BadInput("no VK app id: create a standalone app on VK (see README, Getting tokens), then run "
                       "`vksync-tui tokens login --app-id ID`")
    print("Open this address in a browser, allow access, then paste the address of the page VK shows:")
    print(authorize_url(config.app_id, api_version=config.api_version), flush=True)
    try:
        redirect = parse_redirect(_read_secret_line("address: "))
        with open_vk_session(home, config) as vk:
            entry = new_token_entry(vk, redirect, config, args.label)
    except TokenRefused as exc:
        raise CliError(f"{exc}; nothing was saved") from None
    except OAuthError as exc:
        raise BadInput(f"{exc}; nothing was saved") from None
    config.tokens.append(entry)
    store_config(home, config)
    print(f"added {entry.kind} token '{entry.label}' ({mask(entry.secret)}): {_describe(entry)}, "
          f"expires {_expiry(entry)}")
    return 0


def _read_secret_line(prompt: str) -> str:
    """One line from the operator: without echo on a terminal (the token is in it), else from the pipe."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline()


def _expiry(entry: TokenEntry) -> str:
    """When the token stops working: a local time, `expired`, or `-` (it does not, or nobody said)."""
    if entry.expired(time.time()):
        return "expired"
    if entry.expires_at is None:
        return "-"
    return datetime.fromtimestamp(entry.expires_at).strftime("%Y-%m-%d %H:%M")


def list_tokens(args: argparse.Namespace) -> int:
    _, config = load_home_config(args)
    if not config.tokens:
        print("no tokens yet; add one with: vksync-tui tokens add TOKEN")
        return 0
    rows = [("LABEL", "KIND", "TOKEN", "STATUS", "OWNER", "ADMIN", "EXPIRES", "LAST ERROR")]
    rows += [
        (entry.label, entry.kind, mask(entry.secret), token_status(entry), _owner(entry),
         _admin_summary(entry.check), _expiry(entry), entry.check.last_error or "")
        for entry in config.tokens
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    return 0


def token_status(entry: TokenEntry) -> str:
    if not entry.enabled:
        return "disabled"
    dead = entry.dead(time.time())
    if dead is not None:
        return dead
    if entry.check.checked_at is None:
        return "unchecked"
    return "error" if entry.check.last_error else "ok"


def _owner(entry: TokenEntry) -> str:
    check = entry.check
    if check.owner_id is None:
        return f"club{entry.group_id}" if entry.group_id else "-"
    shown = f"club{-check.owner_id}" if check.owner_id < 0 else f"id{check.owner_id}"
    return f"{check.owner_name} ({shown})" if check.owner_name else shown


def _admin_summary(check: TokenCheck) -> str:
    return ", ".join(f"{group}:{ADMIN_LEVEL_NAMES.get(level, level)}"
                     for group, level in sorted(check.admin_levels.items()) if level) or "-"


def check_tokens(args: argparse.Namespace) -> int:
    home, config = load_home_config(args)
    targets = [_entry(config, args.label)] if args.label else list(config.tokens)
    if not targets:
        raise BadInput("no tokens to check; add one with: vksync-tui tokens add TOKEN")
    failed = 0
    with open_vk_session(home, config) as vk:
        for entry in targets:
            result = _check(vk, entry, config)
            apply_check(entry, result)
            failed += result.last_error is not None
            print(f"{entry.label}: {_outcome(entry, result)}")
    store_config(home, config)
    if failed:
        raise CliError(f"{failed} of {len(targets)} token check(s) failed")
    return 0


def _outcome(entry: TokenEntry, result: TokenCheck) -> str:
    """One line per checked token: what it is, or why the check failed (VK's reason, and for a dead token
    that it is left out of syncs)."""
    if result.last_error is None:
        return _describe(entry)
    if result.invalid:
        verdict = "EXPIRED" if result.expired else "INVALID"
        return (f"{verdict}: {result.last_error} (left out of syncs; add a new token with vksync-tui "
                "tokens login or tokens add)")
    return f"FAILED: {result.last_error}"


def _describe(entry: TokenEntry) -> str:
    check = entry.check
    parts = [f"ok, {entry.kind} token", f"owner {_owner(entry)}" if check.owner_id is not None else ""]
    if entry.kind == "user":
        parts.append(f"admin {_admin_summary(check)}")
    if check.scopes:
        parts.append(("rights " if entry.kind == "group" else "scopes ") + ",".join(check.scopes))
    return ", ".join(part for part in parts if part)


def _entry(config: Config, label: str) -> TokenEntry:
    entry = config.token(label)
    if entry is None:
        known = ", ".join(item.label for item in config.tokens) or "none"
        raise BadInput(f"no token labelled '{label}' (known: {known})")
    return entry


def remove_token(args: argparse.Namespace) -> int:
    home, config = load_home_config(args)
    config.tokens.remove(_entry(config, args.label))
    store_config(home, config)
    print(f"removed token '{args.label}'")
    return 0


def _set_enabled(args: argparse.Namespace, enabled: bool) -> int:
    home, config = load_home_config(args)
    _entry(config, args.label).enabled = enabled
    store_config(home, config)
    print(f"token '{args.label}' {'enabled' if enabled else 'disabled'}")
    return 0


def enable_token(args: argparse.Namespace) -> int:
    return _set_enabled(args, True)


def disable_token(args: argparse.Namespace) -> int:
    return _set_enabled(args, False)
