"""A getConversations page whose projected columns come back misaligned is asked again whole, never stored
wrong: the sync runs against the real emulator behind a transport that drops one element of the profiles'
`city` column in every projected answer (what VK would send if `@.` skipped elements instead of giving
null)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import httpx

from vksync_tui.config import Config, TokenEntry, Tuning
from vksync_tui.emulator.app import make_app
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.emulator.world import World
from vksync_tui.home import Home
from vksync_tui.store.models import Mailing, User
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.mailing import CONVERSATIONS_PROJECTION, sync_mailing

GROUP_ID = 4444
UNLIMITED = {"user": 1000, "group": 1000, "service": 1000}
CITY = CONVERSATIONS_PROJECTION.more[0].fields.index("city.title")


def misaligning(world: World, plain_scripts: list[str]) -> httpx.MockTransport:
    emulator = httpx.WSGITransport(app=make_app(world, rps=UNLIMITED))

    def handle(request: httpx.Request) -> httpx.Response:
        code = parse_qs(request.content.decode()).get("code", [""])[0]
        answer = emulator.handle_request(request)
        body = json.loads(answer.read())
        if request.url.path.endswith("/execute") and "projected_columns" not in code:
            plain_scripts.append(code)
        for slot in body.get("response") or ():
            if isinstance(slot, dict) and "projected_more" in slot:
                slot["projected_more"][0][CITY] = slot["projected_more"][0][CITY][1:]
        return httpx.Response(answer.status_code, content=json.dumps(body).encode())

    return httpx.MockTransport(handle)


def test_misaligned_pages_are_fetched_again_whole(tmp_path: Any) -> None:
    spec = WorldSpec(communities=[CommunitySpec(GROUP_ID, "dialogs", "Dialogs", members=3000, dialogs=450)])
    world = World.generate(7, spec)
    token = next(t for t in world.tokens if t.kind == "group" and t.group_id == GROUP_ID
                 and "messages" in t.rights)
    plain_scripts: list[str] = []
    entry = TokenEntry("g", token.token, "group", group_id=GROUP_ID)
    tuning = Tuning(group_rps=1000, retry_pause=0)
    config = Config(api_url="http://vk.test/method/", tokens=[entry], tuning=tuning)
    with SyncContext.open(Home(tmp_path), transport=misaligning(world, plain_scripts), config=config) as ctx:
        summary = sync_mailing(ctx, GROUP_ID)
        stored = {row.user_id: (row.can_write, row.last_message_date) for row in Mailing.select()}
        cities = {user.id: user.city for user in User.select()}
    assert summary.status == "done", summary.error
    assert plain_scripts, "the misaligned pages were never asked for whole"
    dialogs = world.communities[GROUP_ID].dialogs.in_inbox_order()
    assert stored == {dialog.peer_id: (dialog.can_write["allowed"], dialog.last.date) for dialog in dialogs}
    profiles = [world.user(dialog.peer_id, ("city",)) for dialog in dialogs]
    assert cities == {profile["id"]: (profile.get("city") or {}).get("title") for profile in profiles}
