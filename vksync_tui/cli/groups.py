"""`vksync-tui group …`: the VK communities to sync (add by id, screen name or link; list; remove)."""

from __future__ import annotations

import argparse
import re
from typing import Any

from vksync_tui.cli.common import EXIT_FAILURE, BadInput, CliError
from vksync_tui.cli.homeconfig import load_home_config, make_client, store_config
from vksync_tui.config import Community, Config
from vksync_tui.vk.errors import REQUEST_ERROR_CODES, VkApiError, VkError
from vksync_tui.vk.tokens import TokenPool

_LINK_PREFIX = re.compile(r"^(?:https?://)?(?:m\.)?vk\.(?:com|ru)/", re.IGNORECASE)
_SCREEN_NAME = re.compile(r"^[A-Za-z0-9_.]{2,64}$")
_NUMERIC_FORMS = re.compile(r"^(?:-|club|public|event)?(\d+)$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "group",
        help="manage the VK communities to sync (add, list, remove)",
        description="Manage the VK communities (groups, public pages, events) vksync-tui syncs.",
    )
    actions = parser.add_subparsers(dest="group_action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="add a community (asks VK through any enabled token)",
        description="Add a community. VK resolves it through any enabled token, so add a token first.",
    )
    add.add_argument("community", metavar="ID_OR_SCREEN_NAME",
                     help="numeric id (42, -42, club42), screen name (apiclub) or link (https://vk.com/apiclub)")
    add.set_defaults(func=add_group)
    listing = actions.add_parser("list", help="list configured communities",
                                 description="List configured communities.")
    listing.set_defaults(func=list_groups)
    remove = actions.add_parser("remove", help="remove a community from config.toml (stored data is kept)",
                                description="Remove a community from config.toml; its stored data is kept.")
    remove.add_argument("community", metavar="ID", help="numeric id or screen name of a configured community")
    remove.set_defaults(func=remove_group)


def community_reference(raw: str) -> str:
    """What to ask VK for: a bare numeric id or a screen name, from whatever form the operator typed."""
    value = _LINK_PREFIX.sub("", raw.strip()).strip("/").lstrip("@")
    numeric = _NUMERIC_FORMS.match(value)
    if numeric:
        return str(int(numeric.group(1)))
    if not _SCREEN_NAME.match(value):
        raise BadInput(f"'{raw}' is not a community id, screen name or vk.com link")
    return value


def add_group(args: argparse.Namespace) -> int:
    reference = community_reference(args.community)
    home, config = load_home_config(args)
    group = _resolve(config, reference, args.community)
    if config.community(group["id"]) is not None:
        raise BadInput(f"community {group['id']} is already configured")
    community = Community(id=group["id"], screen_name=str(group.get("screen_name", "")),
                          title=str(group.get("name", "")))
    config.communities.append(community)
    store_config(home, config)
    print(f"added community {community.id} ({community.screen_name}) {community.title}")
    return 0


def _resolve(config: Config, reference: str, typed: str) -> dict[str, Any]:
    pool = TokenPool(config.tokens, config.tuning)
    candidates = pool.eligible()
    if not candidates:
        raise BadInput("no enabled, valid token to ask VK with; add one: vksync-tui tokens add TOKEN")
    unknown = BadInput(f"no VK community '{typed}'; check the id or screen name")
    with make_client(config) as client:
        try:
            response = pool.with_fallback(
                lambda token: token.call(client, "groups.getById", {"group_ids": reference}),
                candidates,
                rounds=2,  # the token may have been busy a moment ago (error 6): one more try after cool-down
            )
        except VkApiError as exc:
            if exc.code in REQUEST_ERROR_CODES:
                raise unknown from None
            raise CliError(f"VK could not resolve '{typed}': {exc}", EXIT_FAILURE) from None
        except VkError as exc:
            raise CliError(f"VK could not resolve '{typed}': {exc}", EXIT_FAILURE) from None
    groups = response.get("groups", []) if isinstance(response, dict) else response
    found = groups[0] if isinstance(groups, list) and groups and isinstance(groups[0], dict) else None
    if found is None or not isinstance(found.get("id"), int) or found.get("deactivated") == "deleted":
        raise unknown
    return found


def list_groups(args: argparse.Namespace) -> int:
    _, config = load_home_config(args)
    if not config.communities:
        print("no communities yet; add one with: vksync-tui group add ID_OR_SCREEN_NAME")
        return 0
    width = max(len(str(community.id)) for community in config.communities)
    name_width = max(len(community.screen_name) for community in config.communities)
    for community in config.communities:
        shown_id, shown_name = str(community.id).ljust(width), community.screen_name.ljust(name_width)
        print(f"{shown_id}  {shown_name}  {community.title}")
    return 0


def remove_group(args: argparse.Namespace) -> int:
    home, config = load_home_config(args)
    reference = community_reference(args.community)
    community = next((c for c in config.communities if reference in (str(c.id), c.screen_name)), None)
    if community is None:
        raise BadInput(f"community '{args.community}' is not configured (see: vksync-tui group list)")
    config.communities.remove(community)
    store_config(home, config)
    print(f"removed community {community.id} ({community.screen_name}); its stored data is kept")
    return 0
