"""messages.getConversations and messages.getHistory (community dialogs).

Who may read a community's dialogs (decided from the notes/schema, which allow user and group tokens):
- a community token of that community with the `messages` right (without it: error 15);
- a user token with the `messages` scope that passes `group_id` of a community it manages (moderator+);
  without the scope → 15, for a community it does not manage → 15.
A user token without `group_id` reads the user's personal inbox, which this world does not model: it is
empty (count 0). The service key gets 28 from the kind check before any of this.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vksync_tui.emulator.access import caller_level, group_object, known_profile_page, profiles_for
from vksync_tui.emulator.dialogs import Dialog, Dialogs
from vksync_tui.emulator.errors import EmuApiError
from vksync_tui.emulator.params import Params
from vksync_tui.emulator.profiles import ProfilePage
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.vkscript.values import DeferredAnswer
from vksync_tui.emulator.world import Community, World

CONVERSATIONS_MAX = 200
HISTORY_MAX = 200
CHAT_PEER_BASE = 2_000_000_000
_NO_ACCESS = "no access to call this method"
_FILTERS = ("all", "unanswered", "important", "unread", "archive", "sorted_chats")


def _inbox_owner(world: World, params: Params, token: TokenInfo) -> Community | None:
    """The community whose dialogs the caller reads, or None for a user's (unmodelled) personal inbox."""
    requested = params.integer("group_id")
    if token.kind == "group":
        if "messages" not in token.rights:
            raise EmuApiError(15, _NO_ACCESS)
        if requested is not None and requested != token.group_id:
            raise EmuApiError(15, _NO_ACCESS)
        return world.community(token.group_id or 0)
    if "messages" not in token.scopes:
        raise EmuApiError(15, _NO_ACCESS)
    if requested is None:
        return None
    community = world.community(requested)
    if community is None:
        raise EmuApiError(100, "group_id is invalid")
    if caller_level(community, token) < 1:
        raise EmuApiError(15, _NO_ACCESS)
    return community


def _matches(dialog: Dialog, conversation_filter: str) -> bool:
    match conversation_filter:
        case "all":
            return True
        case "unanswered":
            return dialog.unanswered
        case "important":
            return dialog.important
        case "unread":
            return dialog.unread > 0
    return False  # archive / sorted_chats: the world has no archived dialogs and no chats


@dataclass(frozen=True)
class _ConversationsPage:
    """What one getConversations call answers, before any object is built: the dialogs its filter selected
    (for `count`), the requested page of them, and for `extended=1` the peers' profiles (as of the call)
    and the community."""

    dialogs: Dialogs
    selected: tuple[Dialog, ...]
    page: tuple[Dialog, ...]
    profiles: ProfilePage | None
    groups: list[dict[str, Any]] | None

    def answer(self) -> dict[str, Any]:
        dialogs = self.dialogs
        items = [{"conversation": dialogs.conversation_object(dialog),
                  "last_message": dialogs.message_object(dialog, dialog.last)} for dialog in self.page]
        response: dict[str, Any] = {"count": len(self.selected), "items": items}
        if dialogs.unread_dialogs:
            response["unread_count"] = dialogs.unread_dialogs
        if self.profiles is not None:
            response["profiles"] = self.profiles.objects()
            response["groups"] = self.groups
        return response

    def column(self, array: str | None, path: str) -> list[Any] | None:
        """`items@.<path>` for the per-dialog numbers the mailing sync projects (straight from the `Dialog`
        tuples), `profiles@.<field>` from the peers' `ProfilePage` (its object-valued columns are the dicts
        the whole answer will hold, so a script that mutates one sees it there too); None for anything
        else."""
        if array == "profiles" and self.profiles is not None and "." not in path:
            return self.profiles.column(path)
        item_column = _ITEM_COLUMNS.get(path) if array == "items" else None
        return None if item_column is None else item_column(self.page)


# `items@.a@.b` of a getConversations page from the `Dialog` tuples alone, exactly as `conversation_object`
# and `message_object` would give them (a user peer; `reason` only on a closed dialog). Whole columns, not a
# function per element: these run for every dialog of every page the mailing sync reads.
_ITEM_COLUMNS: dict[str, Callable[[Sequence[Dialog]], list[Any]]] = {
    "conversation.peer.id": lambda page: [dialog.peer_id for dialog in page],
    "conversation.peer.type": lambda page: ["user"] * len(page),
    "conversation.peer.local_id": lambda page: [dialog.peer_id for dialog in page],
    "conversation.can_write.allowed": lambda page: [dialog.can_write["allowed"] for dialog in page],
    "conversation.can_write.reason": lambda page: [dialog.can_write.get("reason") for dialog in page],
    "conversation.unanswered": lambda page: [dialog.unanswered for dialog in page],
    "conversation.important": lambda page: [dialog.important for dialog in page],
    "last_message.date": lambda page: [dialog.last.date for dialog in page],
}


def _conversations_page(world: World, params: Params, token: TokenInfo) -> _ConversationsPage | None:
    """The checks and the selection of messages.getConversations; None for a personal inbox (empty)."""
    community = _inbox_owner(world, params, token)
    conversation_filter = params.text("filter", "all")
    if conversation_filter not in _FILTERS:
        raise EmuApiError(100, "filter is invalid")
    offset = params.offset()
    count = params.count(20, CONVERSATIONS_MAX)
    if community is None:
        return None
    dialogs = community.dialogs
    selected = dialogs.filtered(conversation_filter, _matches)
    start_message_id = params.integer("start_message_id")
    if start_message_id is not None:
        start = next((i for i, d in enumerate(selected) if d.last.message_id == start_message_id), 0)
        selected = selected[start:]
    page = selected[offset:offset + count]
    if not params.flag("extended"):
        return _ConversationsPage(dialogs, selected, page, None, None)
    profiles = known_profile_page(world, [dialog.peer for dialog in page], params.fields())  # distinct users
    return _ConversationsPage(dialogs, selected, page, profiles, [group_object(world, community, token)])


def messages_get_conversations(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    page = _conversations_page(world, params, token)
    return {"count": 0, "items": []} if page is None else page.answer()


def messages_get_conversations_deferred(world: World, params: Params, token: TokenInfo) -> Any:
    """`messages_get_conversations` for a script variable: the mailing sync's columns (`items@.conversation
    @.peer@.id`, ..., `profiles@.id`, ...) and `count` come without building the page's conversation and
    message objects, which are made only if the script needs the answer whole. The profiles and the
    community are built with the call, as the whole answer would hold them at that moment."""
    page = _conversations_page(world, params, token)
    if page is None:
        return {"count": 0, "items": []}

    def build() -> Any:
        with world.lock:
            return page.answer()

    return DeferredAnswer(build, page.column, {"count": len(page.selected)})


def messages_get_history(world: World, params: Params, token: TokenInfo) -> dict[str, Any]:
    """Newest first by default, `rev=1` oldest first; `start_message_id` anchors a ≤0 offset."""
    community = _inbox_owner(world, params, token)
    peer_id = params.integer("peer_id")
    if peer_id is None:
        peer_id = params.integer("user_id")
    if peer_id is None:
        raise EmuApiError(100, "peer_id is undefined")
    rev = params.integer("rev", 0) or 0
    start_message_id = params.integer("start_message_id")
    if start_message_id is not None and rev == 1:
        raise EmuApiError(100, "rev param can not be used with start_message_id")
    offset = params.integer("offset", 0) or 0
    if start_message_id is None and offset < 0:
        raise EmuApiError(100, "offset should be positive")
    if start_message_id is not None and offset > 0:
        raise EmuApiError(100, "offset should be negative or zero when start_message_id is passed")
    count = params.count(20, HISTORY_MAX)
    if peer_id >= CHAT_PEER_BASE and token.kind == "group":
        raise EmuApiError(917)
    dialog = community.dialogs.get(peer_id) if community is not None else None
    if community is None or dialog is None:
        return {"count": 0, "items": []}
    if start_message_id is None:
        ordered = dialog.messages if rev == 1 else dialog.messages[::-1]
        page = list(ordered[offset:offset + count])
    else:
        newest_first = dialog.messages[::-1]
        if start_message_id == -1:
            anchor, offset = 0, offset + dialog.unread
        else:
            anchor = next((i for i, m in enumerate(newest_first) if m.message_id <= start_message_id),
                          len(newest_first))
        begin = max(0, anchor + offset)
        page = newest_first[begin:begin + count]
    response: dict[str, Any] = {
        "count": len(dialog.messages),
        "items": [community.dialogs.message_object(dialog, message) for message in page],
    }
    if params.flag("extended"):
        response["profiles"] = profiles_for(world, [dialog.peer_id], params.fields())
        response["groups"] = [group_object(world, community, token)]
        response["conversations"] = [community.dialogs.conversation_object(dialog)]
    return response
