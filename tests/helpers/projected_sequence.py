"""Projected execute scripts (the sync's `@.` columns, plus scripts that read, alias and mutate a call's
result before projecting it), recorded as sha256 digests of the exact answer bytes.

Recorded before inner results could be handed to a script without building them first; they pin that the
projection path answers byte-for-byte as the JSON round trip did.
`python -m tests.helpers.projected_sequence` prints the digests as JSON.
"""

from __future__ import annotations

import json

from tests.helpers.answer_sequence import MAIN, RECORDED_PROFILE_FIELDS, Sequence
from vksync_tui.sync.interactions import REPOST_PROJECTION
from vksync_tui.vk.execute import ApiCall, Projection, build_script


def _reposts(post: int, offset: int) -> ApiCall:
    return ApiCall("wall.getReposts", {"owner_id": -MAIN, "post_id": post, "offset": offset, "count": 1000},
                   REPOST_PROJECTION)


def _reposts_text(post: int) -> str:
    return f'API.wall.getReposts({{"owner_id": -{MAIN}, "post_id": {post}, "count": 50}})'


def run_sequence() -> dict[str, str]:
    seq = Sequence()
    try:
        wall = seq.world.communities[MAIN].wall
        popular = sorted(wall.popular)
        members = list(seq.world.communities[MAIN].members.ids[:700])
        pages = [_reposts(post, offset) for post in popular[:2] for offset in (0, 1000, 2000)]
        pages.append(_reposts(10**9, 0))
        seq.call("projected reposts", "execute", "user-admin", code=build_script(pages))
        seq.call("projected reposts not admin", "execute", "user-reader", code=build_script(pages[:2]))
        users = [ApiCall("users.get", {"user_ids": ",".join(map(str, chunk)), "fields": "photo_100,sex,city,"
                                       "bdate,domain,last_seen"}, Projection(RECORDED_PROFILE_FIELDS))
                 for chunk in (members[:300], members[300:700], ["1", "bad id"])]
        seq.call("projected users", "execute", "group-demo_community", code=build_script(users))
        mixed = [pages[0], ApiCall("wall.get", {"owner_id": -MAIN, "count": 3}), users[0]]
        seq.call("projected mixed", "execute", "user-admin", code=build_script(mixed))
        post = popular[0]
        scripts = {
            "read fields": f"var r = {_reposts_text(post)}; return [r.items[0].copy_history[0].text, "
                           "r.items.length, r.profiles@.id, r.groups@.id, r@.items.length, r.count];",
            "project unusual": f"var r = {_reposts_text(post)}; return [r.items@.copy_history, "
                               "r.items@.views, r.items@.nothing, r.profiles@.last_seen, r.groups@.name, "
                               "r.nothing@.id];",
            "mutate then project": f"var r = {_reposts_text(post)}; r.items[0].owner_id = 5; "
                                   "r.items[1].date = \"d\"; return [r.items@.owner_id, r.items@.date];",
            "alias then project": f"var r = {_reposts_text(post)}; var a = r; a.items[2].owner_id = 7; "
                                  "var i = r.items; i[3].date = 8; "
                                  "return [r.items@.owner_id, r.items@.date, a];",
            "project then mutate": f"var r = {_reposts_text(post)}; var o = r.items@.owner_id; o[0] = 1; "
                                   "r.items[0].owner_id = 2; return [o, r.items@.owner_id, r.items[0]];",
            "loop over columns": f"var r = {_reposts_text(post)}; var s = 0; var k = 0; "
                                 "while (k < r.items.length) { s = s + r.items@.date[k]; k = k + 1; } "
                                 "return [s, r.items@.owner_id.slice(0, 3)];",
            "users read fields": f"var u = API.users.get({{\"user_ids\": \"{members[0]},{members[1]}\", "
                                 "\"fields\": \"city,last_seen\"}); u[0].city.title = \"x\"; "
                                 "return [u@.city, u@.last_seen, u@.id, u.length, u[1], u];",
            "reassigned": f"var r = {_reposts_text(post)}; if (r) {{ r = r.items@.owner_id; }} "
                          f"var q = {_reposts_text(popular[1])}; q = q; return [r, q.items@.date];",
        }
        return seq.scripts("user-admin", scripts)
    finally:
        seq.close()


if __name__ == "__main__":
    print(json.dumps(run_sequence()))
