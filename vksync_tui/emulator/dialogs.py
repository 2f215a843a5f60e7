"""A community's dialogs with users (messages.getConversations / messages.getHistory).

Each dialog is derived from (seed, group, peer): how many messages, who wrote first (the user, or the
community — a mailing), the dates, whether the community may still write (`can_write`), whether it is
unanswered/important/unread. Message ids are allocated per community in blocks (one block per dialog, in
the order dialogs were first started), so ids grow with time inside a dialog but are not interleaved
between dialogs the way a real VK inbox is.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable
from typing import Any, NamedTuple

from vksync_tui.emulator.hashing import distinct_walk, hash_of, hash_one, hash_prefix, rng_for
from vksync_tui.emulator.profiles import UserTraits, user_traits
from vksync_tui.emulator.spec import CommunitySpec
from vksync_tui.emulator.texts import short_reply

_TAG_PEERS = 0x4450
_TAG_DIALOG = 0x444C
_TAG_MESSAGE = 0x4D53
_BLOCKED_REASONS = ((901, 8), (900, 2))  # (can_write reason, percent of dialogs)


class Message(NamedTuple):
    message_id: int
    local_id: int  # conversation_message_id (1-based inside the dialog)
    date: int
    out: int  # 1 = sent by the community


class Dialog(NamedTuple):
    peer_id: int
    messages: tuple[Message, ...]
    can_write: dict[str, Any]
    important: bool
    unread: int  # trailing incoming messages the community has not read
    peer: UserTraits  # worked out to decide `can_write`, kept for the profiles of extended answers

    @property
    def first(self) -> Message:
        return self.messages[0]

    @property
    def last(self) -> Message:
        return self.messages[-1]

    @property
    def unanswered(self) -> bool:
        return self.last.out == 0


class Dialogs:
    """All dialogs of one community, sorted like the inbox (latest message first)."""

    def __init__(self, seed: int, cspec: CommunitySpec, audience: array, created: int, now: int) -> None:
        self.seed = seed
        self.group_id = cspec.id
        self._message_hash = hash_prefix(seed, _TAG_MESSAGE, cspec.id)
        key = hash_of(seed, _TAG_PEERS, cspec.id)
        peers = distinct_walk(audience, min(cspec.dialogs, len(audience)), key)
        self._span = (created, now - 600)
        self._dialogs: dict[int, Dialog] = {}
        next_id = 1
        by_start = sorted(peers, key=lambda peer: (self._first_date(peer), peer))
        for peer in by_start:
            dialog = self._build(peer, next_id)
            self._dialogs[peer] = dialog
            next_id = dialog.last.message_id + 1
        self.inbox: list[int] = sorted(self._dialogs, key=lambda p: (-self._dialogs[p].last.date, p))
        self._in_inbox_order = tuple(self._dialogs[peer] for peer in self.inbox)
        self.unread_dialogs = sum(1 for dialog in self._in_inbox_order if dialog.unread)
        self._by_filter: dict[str, tuple[Dialog, ...]] = {}

    def __len__(self) -> int:
        return len(self._dialogs)

    def in_inbox_order(self) -> tuple[Dialog, ...]:
        """Every dialog, latest message first. Built once: dialogs never change after the world is made,
        and messages.getConversations pages through them 200 at a time (a copy per page cost ~8 ms at 20k)."""
        return self._in_inbox_order

    def filtered(self, keep: str, matches: Callable[[Dialog, str], bool]) -> tuple[Dialog, ...]:
        """The dialogs in inbox order for which `matches(dialog, keep)` holds, memoized per `keep` (a
        conversations filter name) for the same reason as `in_inbox_order`."""
        selected = self._by_filter.get(keep)
        if selected is None:
            selected = self._by_filter[keep] = tuple(d for d in self._in_inbox_order if matches(d, keep))
        return selected

    def get(self, peer_id: int) -> Dialog | None:
        return self._dialogs.get(peer_id)

    def _first_date(self, peer: int) -> int:
        start, end = self._span
        return start + hash_of(self.seed, _TAG_DIALOG, self.group_id, peer) % max(1, end - start)

    def _build(self, peer: int, first_message_id: int) -> Dialog:
        rng = rng_for(self.seed, _TAG_DIALOG, self.group_id, peer, 1)
        count = 1 + int(59 * rng.random() ** 3)
        started_by_user = rng.random() < 0.6
        first_date = self._first_date(peer)
        horizon = max(1, min(self._span[1] - first_date, count * 40_000))
        later = sorted(first_date + 1 + rng.randrange(horizon) for _ in range(count - 1))
        messages = [Message(first_message_id, 1, first_date, 0 if started_by_user else 1)]
        for index, date in enumerate(later, start=1):
            messages.append(Message(first_message_id + index, index + 1, date, int(rng.random() < 0.45)))
        roll = rng.randrange(100)
        can_write: dict[str, Any] = {"allowed": True}
        traits = user_traits(self.seed, peer)
        if traits.deactivated:
            can_write = {"allowed": False, "reason": 18}
        else:
            threshold = 0
            for reason, percent in _BLOCKED_REASONS:
                threshold += percent
                if roll < threshold:
                    can_write = {"allowed": False, "reason": reason}
                    break
        trailing_in = 0
        for message in reversed(messages):
            if message.out:
                break
            trailing_in += 1
        unread = trailing_in if rng.random() < 0.5 else 0
        return Dialog(peer, tuple(messages), can_write, rng.random() < 0.05, unread, traits)

    def message_object(self, dialog: Dialog, message: Message) -> dict[str, Any]:
        """`messages_message` for one message of the dialog."""
        rng = random.Random(hash_one(self._message_hash, message.message_id))
        obj: dict[str, Any] = {
            "id": message.message_id,
            "conversation_message_id": message.local_id,
            "date": message.date,
            "from_id": -self.group_id if message.out else dialog.peer_id,
            "peer_id": dialog.peer_id,
            "out": message.out,
            "text": short_reply(rng),
            "attachments": [],
            "fwd_messages": [],
            "important": False,
            "is_hidden": False,
            "version": message.message_id * 16 + 3,
        }
        if message.out:
            obj["random_id"] = rng.randrange(1, 2**31)
        return obj

    def conversation_object(self, dialog: Dialog) -> dict[str, Any]:
        """`messages_conversation` as a community sees it (with `important`/`unanswered`)."""
        last = dialog.last
        read = dialog.messages[:len(dialog.messages) - dialog.unread]  # all but the unread incoming tail
        in_read = read[-1].message_id if read else 0
        conversation: dict[str, Any] = {
            "peer": {"id": dialog.peer_id, "type": "user", "local_id": dialog.peer_id},
            "last_message_id": last.message_id,
            "last_conversation_message_id": last.local_id,
            "in_read": in_read,
            "out_read": last.message_id,
            "in_read_cmid": read[-1].local_id if read else 0,
            "out_read_cmid": last.local_id,
            "sort_id": {"major_id": 0, "minor_id": last.message_id},
            "version": last.message_id * 16 + 3,
            "important": dialog.important,
            "unanswered": dialog.unanswered,
            "is_marked_unread": False,
            "can_write": dict(dialog.can_write),
        }
        if dialog.unread:
            conversation["unread_count"] = dialog.unread
        return conversation
