"""Posts, authors and interactions syncs end to end: a real loopback emulator, a real SQLite file.

Worlds are small (one community, a few hundred to a few thousand posts, three popular posts that need deep
scans) and the emulator's rate limit is raised so the tests stay fast; truth comes from `/_emu/truth/*`.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.emulator_home import EmulatorHome, make_emulator_home
from tests.helpers.wall_sync import FAST, GROUP_ID, wall_world
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.home import Home
from vksync_tui.store.models import Author, Interaction, Post, SyncRun, User
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.errors import NoUsableToken
from vksync_tui.sync.events import Notice, Progress, SyncEvent
from vksync_tui.sync.registry import run_sync, write_export

FAULTS = "error6=0.02,error10=0.02,http500=0.02,reset=0.02,empty=0.01,truncate=0.01,inner_false=0.02"
WALL_METHODS = ("wall.get", "wall.getComments", "wall.getReposts", "likes.getList")


@pytest.fixture
def wall_home(home: Home, emulator_factory: Callable[..., RunningEmulator]) -> Callable[..., EmulatorHome]:
    def make(
        posts: int, *, faults: str | None = None, labels: list[str] | None = None, popular: int = 3
    ) -> EmulatorHome:
        world = wall_world(posts, popular)
        emulator = emulator_factory(world=world, faults=faults, rps={"user": 400, "group": 400})
        configured = make_emulator_home(home, emulator)
        configured.configure(labels=labels, tuning=FAST)
        return configured

    return make


def sync(configured: EmulatorHome, list_name: str, on_event: Callable[[SyncEvent], None] | None = None,
         **options: Any) -> Any:
    with SyncContext.open(configured.home, on_event=on_event or (lambda event: None)) as ctx:
        return run_sync(list_name, ctx, GROUP_ID, **options)


def truth(configured: EmulatorHome, list_name: str) -> dict[str, Any]:
    return configured.control("GET", f"truth/{list_name}", params={"group_id": GROUP_ID})


def stored_post_ids() -> list[int]:
    return [post_id for (post_id,) in Post.select(Post.post_id).order_by(Post.post_id).tuples()]


def stored_authors() -> list[list[int]]:
    query = Author.select(Author.user_id, Author.posts_count, Author.first_post_at, Author.last_post_at)
    return [list(row) for row in query.order_by(Author.user_id).tuples()]


def stored_interactions() -> list[tuple[int, int, str]]:
    query = Interaction.select(Interaction.post_id, Interaction.user_id, Interaction.kind).distinct()
    return sorted(query.tuples())


def methods_by_token(configured: EmulatorHome) -> dict[str, dict[str, int]]:
    return {label: stats["by_method"] for label, stats in configured.stats()["by_token"].items()}


class PostsDuringSync:
    """An event sink that publishes posts on the wall once the page fetch is under way (between pages)."""

    def __init__(self, configured: EmulatorHome, posts: int) -> None:
        self.configured = configured
        self.posts = posts
        self.added: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, event: SyncEvent) -> None:
        if not isinstance(event, Progress) or event.phase != "posts" or event.items == 0:
            return
        with self._lock:
            if self.added:
                return
            body = {"group_id": GROUP_ID, "posts": self.posts}
            self.added = self.configured.control("POST", "churn", json=body)["posts"]


def test_posts_and_authors_equal_the_truth_under_faults_with_posts_added_mid_sync(wall_home: Any) -> None:
    configured = wall_home(2500, faults=FAULTS)
    adder = PostsDuringSync(configured, posts=7)
    summary = sync(configured, "posts", adder)
    assert summary.status == "done", summary.as_json()
    assert len(adder.added) == 7
    assert stored_post_ids() == truth(configured, "posts")["ids"]
    assert stored_authors() == truth(configured, "authors")["items"]
    assert summary.extras["mode"] == "full" and summary.expected == 2507
    assert sum(summary.errors_by_code.values()) > 0  # the faults really happened
    pinned = [post_id for (post_id,) in Post.select(Post.post_id).where(Post.is_pinned == True).tuples()]  # noqa: E712
    assert pinned == [configured.emulator.world.communities[GROUP_ID].wall.pinned]


def test_incremental_sync_reads_only_the_new_head_and_stays_exact(wall_home: Any) -> None:
    configured = wall_home(1200)
    first = sync(configured, "posts")
    configured.control("POST", "churn", json={"group_id": GROUP_ID, "posts": 130})
    second = sync(configured, "posts")
    assert second.extras["mode"] == "incremental"
    assert second.requests < first.requests
    assert 130 <= second.fetched <= 300
    with SyncContext.open(configured.home):
        phases = SyncRun.get_by_id(second.run_id).figures["phases"]
    head = [phase for phase in phases if phase["phase"].startswith("posts-head")]
    # the 130 new posts span 2+ pages: they go out together (estimated from the stored dates), not one by one
    pages, requests = sum(phase["calls_ok"] for phase in head), sum(phase["requests"] for phase in head)
    assert pages >= 2 and requests < pages, head
    assert stored_post_ids() == truth(configured, "posts")["ids"]
    assert stored_authors() == truth(configured, "authors")["items"]
    full = sync(configured, "posts", full=True)
    assert full.extras["mode"] == "full" and full.fetched == 1330


def test_a_later_sync_refreshes_the_counters_of_stored_posts(wall_home: Any) -> None:
    configured = wall_home(400, popular=0)
    assert sync(configured, "posts").status == "done"
    wall = configured.emulator.world.communities[GROUP_ID].wall
    before = dict(Post.select(Post.post_id, Post.likes).tuples())
    assert configured.control("POST", "churn", json={"group_id": GROUP_ID, "likes": 3000})["likes"] == 3000
    assert sync(configured, "posts", full=True).status == "done"
    stored = dict(Post.select(Post.post_id, Post.likes).tuples())
    assert stored == {post_id: wall.likes_count(wall.plan(post_id)) for post_id in stored}
    assert stored != before


def test_interactions_equal_the_truth_with_deep_scans_and_reposts_by_admin_tokens_only(
    wall_home: Any,
) -> None:
    configured = wall_home(300)
    configured.configure(labels=None, tuning=FAST)  # user tokens AND community tokens
    assert sync(configured, "posts").status == "done"
    configured.control("POST", "reset-stats")
    summary = sync(configured, "interactions")
    assert summary.status == "done", summary.as_json()
    expected = truth(configured, "interactions")
    assert stored_interactions() == sorted(tuple(item) for item in expected["items"])
    comments = Interaction.select(Interaction.post_id, Interaction.user_id, Interaction.comment_id).where(
        Interaction.kind == "comment"
    )
    assert sorted(comments.tuples()) == sorted(tuple(row) for row in expected["comments"])
    assert summary.extras["deep_scanned_posts"] >= 3 and summary.extras["reposts_skipped"] is False
    by_token = methods_by_token(configured)
    for label, methods in by_token.items():
        if label.startswith("group-"):
            assert not set(methods) & set(WALL_METHODS), label
        if label != "user-admin":
            assert "wall.getReposts" not in methods, label
    assert by_token["user-admin"]["wall.getReposts"] >= 300
    users = User.select().where(User.id.in_(Interaction.select(Interaction.user_id))).count()
    assert users == len({user_id for _, user_id, _ in stored_interactions()})


def test_rescan_does_not_duplicate_and_drops_withdrawn_likes(wall_home: Any) -> None:
    configured = wall_home(200, popular=0)
    sync(configured, "posts")
    sync(configured, "interactions")
    before = Interaction.select().count()
    post_id = Post.select(Post.post_id).order_by(Post.date.desc()).scalar()
    Interaction.insert(community_id=GROUP_ID, post_id=post_id, user_id=7, kind="like").execute()
    again = sync(configured, "interactions", posts=5)
    assert again.status == "done" and again.expected == 5
    assert Interaction.select().count() == before
    assert not Interaction.select().where(Interaction.user_id == 7).exists()


def test_without_an_admin_level_3_token_reposts_are_skipped_with_a_warning(wall_home: Any) -> None:
    configured = wall_home(150, labels=["user-editor", "user-reader", "user-admin-no-groups-scope"])
    sync(configured, "posts")
    notices: list[Notice] = []
    summary = sync(configured, "interactions", lambda e: notices.append(e) if isinstance(e, Notice) else None)
    assert summary.status == "done"
    assert summary.extras["reposts_skipped"] is True and "reposts skipped" in summary.extras["warning"]
    assert any(n.level == "warning" and "reposts skipped" in n.text for n in notices)
    assert all("wall.getReposts" not in methods for methods in methods_by_token(configured).values())
    assert not Interaction.select().where(Interaction.kind == "repost").exists()
    expected = {tuple(item) for item in truth(configured, "interactions")["items"] if item[2] != "repost"}
    assert set(stored_interactions()) == expected


def test_when_the_admin_token_dies_in_the_admin_check_the_warning_names_it(wall_home: Any) -> None:
    configured = wall_home(150, labels=["user-admin", "user-reader"])
    sync(configured, "posts")
    configured.set_faults("revoke=user-admin@0")  # its next request (the admin check) answers error 5
    summary = sync(configured, "interactions")
    assert summary.status == "done" and summary.extras["reposts_skipped"] is True
    assert "could not check: user-admin (" in summary.extras["warning"], summary.extras["warning"]


def test_authors_details_fill_the_authors_profiles(wall_home: Any) -> None:
    configured = wall_home(400)
    sync(configured, "posts")
    summary = sync(configured, "authors")
    assert summary.status == "done"
    ids = [row[0] for row in stored_authors()]
    assert summary.expected == len(ids) == summary.fetched > 0
    profiles = {user.id: user for user in User.select().where(User.id.in_(ids))}
    expected = configured.control("GET", "truth/profiles", params={"group_id": GROUP_ID,
                                                                   "ids": ",".join(map(str, ids[:50]))})
    for item in expected["items"]:
        assert profiles[item["id"]].first_name == item["first_name"]
        assert profiles[item["id"]].refreshed_at is not None


def test_exports_of_the_wall_lists(wall_home: Any) -> None:
    configured = wall_home(120, popular=0)
    sync(configured, "posts")
    sync(configured, "interactions", since="2000-01-01")
    for list_name, column in (("posts", "post_id"), ("authors", "user_id"), ("interactions", "kind")):
        out = io.StringIO()
        rows = write_export(list_name, GROUP_ID, out, fmt="csv")
        header = out.getvalue().splitlines()[0].split(",")
        assert column in header and rows > 0
    assert write_export("interactions", GROUP_ID, io.StringIO(), fmt="jsonl") == Interaction.select().count()


def test_community_tokens_alone_cannot_sync_walls(wall_home: Any) -> None:
    configured = wall_home(50, labels=["group-wall_test"])
    for list_name in ("posts", "interactions"):
        with pytest.raises(NoUsableToken, match="user token"):
            sync(configured, list_name)
