"""`vksync-tui group …`: the VK communities to sync (add by id, screen name or link; list; remove)."""

from __future__ import annotations

import argparse

from vksync_tui.cli.common import EXIT_FAILURE, BadInput, CliError
from vksync_tui.cli.homeconfig import load_home_config, open_vk_session, store_config
from vksync_tui.config import Community
from vksync_tui.vk.communities import CommunityInputError, community_reference, resolve_community
from vksync_tui.vk.errors import VkError


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


def add_group(args: argparse.Namespace) -> int:
    _reference(args.community)
    home, config = load_home_config(args)
    with open_vk_session(home, config) as vk:
        try:
            community = resolve_community(vk.pool, vk.client, args.community)
        except CommunityInputError as exc:
            raise BadInput(str(exc)) from None
        except VkError as exc:
            raise CliError(f"VK could not resolve '{args.community}': {exc}", EXIT_FAILURE) from None
    if config.community(community.id) is not None:
        raise BadInput(f"community {community.id} is already configured")
    config.communities.append(community)
    store_config(home, config)
    print(f"added community {community.id} ({community.screen_name}) {community.title}")
    return 0


def _reference(typed: str) -> str:
    try:
        return community_reference(typed)
    except CommunityInputError as exc:
        raise BadInput(str(exc)) from None


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
    reference = _reference(args.community)
    community: Community | None = next(
        (c for c in config.communities if reference in (str(c.id), c.screen_name)), None
    )
    if community is None:
        raise BadInput(f"community '{args.community}' is not configured (see: vksync-tui group list)")
    config.communities.remove(community)
    store_config(home, config)
    print(f"removed community {community.id} ({community.screen_name}); its stored data is kept")
    return 0
