"""What "correct" means for every registered list: its stored rows and the emulator's truth, as tuple sets.

The fault matrix, the concurrency test and the secrets test are parametrized over `registry.LISTS`; they look
a list up here with `check_for(name)`, which fails loudly for a list nobody has mapped yet — so a list that
lands later cannot slip through untested.

Rows are sets so a failed run can be judged too: every stored row must be either what was stored before or
what the truth says (no invented data), and nothing that was stored and still true may disappear (nothing
dropped silently).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.helpers.emulator_home import EmulatorHome
from vksync_tui.emulator.profiles import SUPPORTED_USER_FIELDS
from vksync_tui.emulator.spec import CommunitySpec, WorldSpec
from vksync_tui.store.models import Author, Interaction, Mailing, Membership, Post, User
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.registry import LISTS
from vksync_tui.sync.users_refresh import profile_row

Rows = frozenset[tuple[Any, ...]]
OK_STATUSES = frozenset({"applied", "done"})
MAIN_GROUP = 212345678


def small_world_spec(members: int = 3000) -> WorldSpec:
    """One community, small enough that a whole list syncs in about a second, big enough for several pages
    of every method (members and profiles: 3 pages of 1000; posts: 40; dialogs: 2 pages of 200)."""
    return WorldSpec(
        communities=[
            CommunitySpec(
                id=MAIN_GROUP, screen_name="demo_community", name="Reliability", members=members,
                posts=40, popular_posts=1, dialogs=300,
            )
        ]
    )


def truth_dialogs(setup: EmulatorHome) -> dict[int, tuple[Any, ...]]:
    """user id → (can_write, reason, last message date, unanswered, important), straight from the world."""
    community = setup.emulator.world.community(setup.group_id)
    answer = {}
    for dialog in community.dialogs.in_inbox_order():
        conversation = community.dialogs.conversation_object(dialog)
        can_write = conversation["can_write"]
        answer[dialog.peer_id] = (
            can_write["allowed"],
            can_write.get("reason"),
            dialog.last.date,
            dialog.unanswered,
            dialog.important,
        )
    return answer


def stored_dialogs(setup: EmulatorHome) -> dict[int, tuple[Any, ...]]:
    with SyncContext.open(setup.home):
        query = Mailing.select().where((Mailing.community_id == setup.group_id) & Mailing.has_dialog)
        return {
            row.user_id: (
                row.can_write,
                row.can_write_reason,
                row.last_message_date,
                row.unanswered,
                row.important,
            )
            for row in query
        }


def truth_analysis(setup: EmulatorHome) -> list[list[int]]:
    return setup.control("GET", "truth/mailing-analysis", params={"group_id": setup.group_id})["items"]


def stored_analysis(setup: EmulatorHome) -> list[list[int]]:
    with SyncContext.open(setup.home):
        query = (
            Mailing.select(Mailing.user_id, Mailing.first_message_date, Mailing.first_message_from_id)
            .where((Mailing.community_id == setup.group_id) & Mailing.analysed_at.is_null(False))
            .order_by(Mailing.user_id)
        )
        return [list(row) for row in query.tuples()]


def expected_profiles(setup: EmulatorHome, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    world = setup.emulator.world
    return {uid: profile_row(world.user(uid, SUPPORTED_USER_FIELDS), 0)[:-1] for uid in ids}  # type: ignore[index]


def _rows(setup: EmulatorHome, select: Callable[[], Any]) -> Rows:
    with SyncContext.open(setup.home):
        return frozenset(tuple(row) for row in select().tuples())


def _members_stored(setup: EmulatorHome) -> Rows:
    current = (Membership.community_id == setup.group_id) & (Membership.is_current == True)  # noqa: E712
    return _rows(setup, lambda: Membership.select(Membership.user_id).where(current))


def _members_truth(setup: EmulatorHome) -> Rows:
    return frozenset((user_id,) for user_id in setup.truth_members())


def _posts_stored(setup: EmulatorHome) -> Rows:
    return _rows(setup, lambda: Post.select(Post.post_id).where(Post.community_id == setup.group_id))


def _posts_truth(setup: EmulatorHome) -> Rows:
    answer = setup.control("GET", "truth/posts", params={"group_id": setup.group_id})
    return frozenset((post_id,) for post_id in answer["ids"])


def _profile_rows(setup: EmulatorHome, ids: list[int]) -> Rows:
    """Stored profile columns (all but `refreshed_at`) of users that a refresh has reached."""
    columns = [c for c in User._meta.sorted_fields if c.name != "refreshed_at"]

    def select() -> Any:
        return User.select(*columns).where(User.id.in_(ids) & User.refreshed_at.is_null(False))

    return _rows(setup, select)


def _truth_authors(setup: EmulatorHome) -> list[int]:
    answer = setup.control("GET", "truth/authors", params={"group_id": setup.group_id})
    return [int(user_id) for user_id in answer["ids"]]


def _authors_stored(setup: EmulatorHome) -> Rows:
    with SyncContext.open(setup.home):
        ids = [uid for (uid,) in Author.select(Author.user_id).where(Author.community_id == setup.group_id)
               .tuples()]
    return _profile_rows(setup, ids)


def _authors_truth(setup: EmulatorHome) -> Rows:
    return frozenset(expected_profiles(setup, _truth_authors(setup)).values())


def _interactions_stored(setup: EmulatorHome) -> Rows:
    mine = Interaction.community_id == setup.group_id
    return _rows(
        setup,
        lambda: Interaction.select(Interaction.post_id, Interaction.user_id, Interaction.kind,
                                   Interaction.comment_id).where(mine),
    )


def _interactions_truth(setup: EmulatorHome) -> Rows:
    """Likes and reposts with comment id 0 (the table's convention), comments with their own id."""
    answer = setup.control("GET", "truth/interactions", params={"group_id": setup.group_id})
    rows = {(post, user, kind, 0) for post, user, kind in answer["items"] if kind != "comment"}
    rows.update((post, user, "comment", comment) for post, user, comment in answer["comments"])
    return frozenset(rows)


def _dialogs_stored(setup: EmulatorHome) -> Rows:
    return frozenset((uid, *state) for uid, state in stored_dialogs(setup).items())


def _dialogs_truth(setup: EmulatorHome) -> Rows:
    return frozenset((uid, *state) for uid, state in truth_dialogs(setup).items())


def _analysis_stored(setup: EmulatorHome) -> Rows:
    return frozenset(tuple(row) for row in stored_analysis(setup))


def _analysis_truth(setup: EmulatorHome) -> Rows:
    return frozenset(tuple(row) for row in truth_analysis(setup))


def _profiles_stored(setup: EmulatorHome) -> Rows:
    return _profile_rows(setup, setup.truth_members())


def _profiles_truth(setup: EmulatorHome) -> Rows:
    world = setup.emulator.world
    rows = (profile_row(world.user(uid, SUPPORTED_USER_FIELDS), 0) for uid in setup.truth_members())
    return frozenset(row[:-1] for row in rows if row is not None)


def _churn_members(setup: EmulatorHome) -> None:
    """After the baseline members come and go, so the faulted run has real joins and leaves to get right."""
    setup.churn(join=40, leave=30)


@dataclass(frozen=True)
class ListCheck:
    """How to judge one list: prerequisite lists (synced fault-free first), options for `run_sync`, the
    kind of token that does its requests, and its stored rows vs the truth."""

    name: str
    stored: Callable[[EmulatorHome], Rows]
    truth: Callable[[EmulatorHome], Rows]
    token_kind: str
    quota_method: str  # the method most of its calls are of (a daily quota on it is what the list meets)
    prerequisites: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    after_prerequisites: Callable[[EmulatorHome], None] | None = None
    unchanged_on_failure: bool = False  # all-or-nothing lists (a diff): a failure changes nothing


CHECKS: dict[str, ListCheck] = {
    check.name: check
    for check in (
        ListCheck("subscribers", _members_stored, _members_truth, "user", "groups.getMembers",
                  ("subscribers",), {"apply": True}, _churn_members, unchanged_on_failure=True),
        ListCheck("posts", _posts_stored, _posts_truth, "user", "wall.get", options={"full": True}),
        ListCheck("authors", _authors_stored, _authors_truth, "user", "users.get", ("posts",)),
        ListCheck("interactions", _interactions_stored, _interactions_truth, "user", "likes.getList",
                  ("posts",)),
        ListCheck("mailing", _dialogs_stored, _dialogs_truth, "group", "messages.getConversations"),
        ListCheck("mailing-analysis", _analysis_stored, _analysis_truth, "group", "messages.getHistory",
                  ("mailing",)),
        ListCheck("profiles", _profiles_stored, _profiles_truth, "user", "users.get", ("subscribers",),
                  {"scope": "subscribers"}),
    )
}


def check_for(list_name: str) -> ListCheck:
    """The mapping of a registered list; a list without one is a test failure, not a skip."""
    check = CHECKS.get(list_name)
    if check is None:
        raise AssertionError(
            f"list {list_name!r} is registered in sync.registry.LISTS but has no truth mapping in "
            "tests/helpers/list_checks.py: add a ListCheck so the reliability suite covers it"
        )
    return check


def registered_lists() -> list[str]:
    return list(LISTS)
