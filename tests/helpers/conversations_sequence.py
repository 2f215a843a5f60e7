"""Projected messages.getConversations execute scripts (the mailing sync's chained `@.` columns and scripts
that read, alias and mutate a page before projecting it), recorded as sha256 digests of the exact answer
bytes.

Recorded with the emulator building every conversation and message object, before getConversations got a
deferred answer; they pin that the deferred path answers byte-for-byte as the whole objects did.
`python -m tests.helpers.conversations_sequence` prints the digests as JSON.
"""

from __future__ import annotations

import json

from tests.helpers.answer_sequence import MAIN, PROFILE_FIELDS, RECORDED_PROFILE_FIELDS, Sequence
from vksync_tui.sync.mailing import CONVERSATIONS_PROJECTION
from vksync_tui.vk.execute import ApiCall, Projection, build_script

# The projection the digests were recorded with: the mailing sync's, with the profiles' columns as recorded.
RECORDED_PROJECTION = Projection(
    CONVERSATIONS_PROJECTION.fields,
    array=CONVERSATIONS_PROJECTION.array,
    keep=CONVERSATIONS_PROJECTION.keep,
    more=(Projection(RECORDED_PROFILE_FIELDS, array="profiles"),),
)

PAGE = f'"group_id": {MAIN}, "count": 40, "extended": 1, "fields": "{PROFILE_FIELDS}"'


def _page(offset: int, **extra: object) -> ApiCall:
    params = {"group_id": MAIN, "offset": offset, "count": 200, "extended": 1, "fields": PROFILE_FIELDS}
    return ApiCall("messages.getConversations", {**params, **extra}, RECORDED_PROJECTION)


def run_sequence() -> dict[str, str]:
    seq = Sequence()
    try:
        pages = [_page(offset) for offset in (0, 200, 1800, 1900, 5000)]
        seq.call("projected pages", "execute", "group-demo_community", code=build_script(pages))
        filtered = [_page(0, filter="unanswered"), _page(0, filter="important", count=7),
                    _page(3, filter="unread", extended=0), _page(0, filter="nonsense")]
        seq.call("projected filters", "execute", "group-demo_community", code=build_script(filtered))
        seq.call("projected user token", "execute", "user-admin", code=build_script(pages[:2]))
        seq.call("projected no right", "execute", "group-demo_community-manage-only",
                 code=build_script(pages[:1]))
        mixed = [pages[0], ApiCall("messages.getConversations", {"group_id": MAIN, "count": 3}), pages[1]]
        seq.call("projected mixed", "execute", "group-demo_community", code=build_script(mixed))
        call = f"API.messages.getConversations({{{PAGE}}})"
        scripts = {
            "read fields": f"var r = {call}; return [r.count, r.unread_count, r.items.length, "
                           "r.items[0].conversation.peer, r.items[1].last_message, r.profiles[0], r.groups, "
                           "r@.count];",
            "project unusual": f"var r = {call}; return [r.items@.conversation, r.items@.last_message@.text, "
                               "r.items@.conversation@.can_write, r.items@.conversation@.peer@.nothing, "
                               "r.items@.nothing@.id, r.profiles@.city, r.profiles@.last_seen@.time, "
                               "r.groups@.name, r.nothing@.id@.id, r.items@.conversation@.unread_count];",
            "mutate then project": f"var r = {call}; r.items[0].conversation.peer.id = 5; "
                                   "r.items[1].last_message.date = \"d\"; r.profiles[0].id = 6; "
                                   "return [r.items@.conversation@.peer@.id, r.items@.last_message@.date, "
                                   "r.profiles@.id];",
            "alias then project": f"var r = {call}; var a = r; a.items[2].conversation.important = 7; "
                                  "var i = r.items; i[3].last_message = 8; "
                                  "return [r.items@.conversation@.important, "
                                  "r.items@.last_message@.date, a];",
            "project then mutate": f"var r = {call}; var o = r.items@.conversation@.peer@.id; o[0] = 1; "
                                   "r.items[0].conversation.peer.id = 2; "
                                   "return [o, r.items@.conversation@.peer@.id, r.items[0]];",
            "loop over columns": f"var r = {call}; var s = 0; var k = 0; "
                                 "while (k < r.items.length) { s = s + r.items@.last_message@.date[k]; "
                                 "k = k + 1; } return [s, r.items@.conversation@.peer@.id.slice(0, 3)];",
            "reassigned": f"var r = {call}; if (r) {{ r = r.items@.conversation@.peer@.type; }} "
                          f"var q = {call}; q = q; return [r, q.profiles@.domain, q.count];",
        }
        return seq.scripts("group-demo_community", scripts)
    finally:
        seq.close()


if __name__ == "__main__":
    print(json.dumps(run_sequence()))
