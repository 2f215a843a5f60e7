"""Real syncs from the TUI against the emulator on a loopback socket: panel, diff review, abort, quit."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Button, Input, Label

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.tui import screen_text, settle, visible
from vksync_tui.config import Tuning, load_config
from vksync_tui.store.models import (
    Membership,
    MembershipEvent,
    PendingDiff,
    SyncRun,
    User,
    database_proxy,
)
from vksync_tui.sync.names import NO_PROFILE
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.jobs import JobKey
from vksync_tui.tui.screens.add_token import AddTokenScreen
from vksync_tui.tui.screens.diff_review import DiffReviewScreen
from vksync_tui.tui.widgets.sync_panel import SyncPanel, figures_text

MEMBERS = 5000
FAST_RETRIES = Tuning(retry_pause=0.05, retry_attempts=2)


def current_members(group_id: int) -> set[int]:
    query = Membership.select(Membership.user_id).where(
        (Membership.community_id == group_id) & (Membership.is_current == True)  # noqa: E712
    )
    return {user_id for (user_id,) in query.tuples()}


async def sync_subscribers(app: VkSyncApp, pilot: Pilot[int]) -> None:
    await pilot.press("u")
    await settle(app, pilot)


async def baseline(app: VkSyncApp, pilot: Pilot[int]) -> None:
    """First sync of the community, reviewed and applied: the members table now holds everyone."""
    await sync_subscribers(app, pilot)
    assert isinstance(app.screen, DiffReviewScreen)
    await pilot.press("y")
    await settle(app, pilot)


async def test_subscribers_sync_panel_reaches_done_with_the_right_counts(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    world = emulator_home_factory(members=MEMBERS)
    app = make_app(world.home)
    truth = world.truth_members()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await sync_subscribers(app, pilot)
        job = app.jobs[JobKey("subscribers", world.group_id)]
        assert job.view.status == "pending"
        summary = job.view.finished.summary if job.view.finished else {}
        assert summary["expected"] == len(truth) and summary["fetched"] == len(truth)
        assert summary["joined"] == len(truth) and summary["left"] == 0
        assert job.view.progress.chunks_failed == 0
        assert all(phase.done for phase in job.view.phases)
        panel = app.dashboard.query_one(f"#panel-{job.key.slug}", SyncPanel)
        assert panel.has_class("-finished")
        figures = figures_text(job.view).plain
        assert "status pending" in figures and f"of {len(truth):,} expected" in figures
        assert "0 chunks failed" in figures
        # A subscribers sync ends in the review of its pending diff.
        assert isinstance(app.screen, DiffReviewScreen)
        assert f"joined +{len(truth):,}" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is app.dashboard
    assert current_members(world.group_id) == set(truth)
    calls = app.token_activity.calls_today
    assert calls("user-admin") + calls("group-demo_community") > 0


async def test_confirmed_churn_grows_history_and_discard_changes_nothing(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    world = emulator_home_factory(members=MEMBERS)
    app = make_app(world.home)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await baseline(app, pilot)
        events_before = MembershipEvent.select().count()

        churn = world.churn(join=30, leave=20)
        await sync_subscribers(app, pilot)
        assert isinstance(app.screen, DiffReviewScreen)
        text = screen_text(app)
        assert "joined +30" in text and "left −20" in text
        await pilot.press("y")
        await settle(app, pilot)
        assert MembershipEvent.select().count() == events_before + 50
        assert current_members(world.group_id) == set(world.truth_members())
        left = set(churn["left"])
        assert left.isdisjoint(current_members(world.group_id))

        members_before = current_members(world.group_id)
        world.churn(join=7, leave=5)
        await sync_subscribers(app, pilot)
        assert isinstance(app.screen, DiffReviewScreen)
        await pilot.press("n")
        await settle(app, pilot)
        assert current_members(world.group_id) == members_before
        assert PendingDiff.select().count() == 0
        assert SyncRun.select().order_by(SyncRun.id.desc()).first().status == "discarded"


async def test_threshold_abort_shows_its_figures(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    world = emulator_home_factory(members=MEMBERS)
    world.configure(labels=["user-admin"], tuning=FAST_RETRIES)
    app = make_app(world.home)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await baseline(app, pilot)
        members_before = current_members(world.group_id)
        world.set_faults("sticky=0.5")
        await sync_subscribers(app, pilot)
        job = app.jobs[JobKey("subscribers", world.group_id)]
        assert job.view.status == "aborted", job.view.log
        assert isinstance(app.screen, DiffReviewScreen) and app.screen.pending is None
        text = screen_text(app)
        assert "stopped by the safety threshold" in text and "below the 95% threshold" in text
        summary = job.view.finished.summary if job.view.finished else {}
        assert f"expected {summary['expected']:,} · fetched {summary['fetched']:,}" in text
        assert summary["fetched"] < 0.95 * summary["expected"]
        assert "Nothing was changed" in text
        await pilot.press("escape")
        await settle(app, pilot)
    assert current_members(world.group_id) == members_before


async def test_quitting_mid_sync_cancels_the_job_and_exits(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    # Each answer takes 1 s: the sync (a few requests, one after the other) is surely still running when its
    # first phase shows, even though the rate limiter lets the token's first window go out at once.
    world = emulator_home_factory(members=MEMBERS, faults="delay=1.0")
    world.configure(labels=["user-reader"])
    app = make_app(world.home)
    key = JobKey("subscribers", world.group_id)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        while not app.jobs[key].view.phases:
            await pilot.pause()
        assert app.jobs[key].view.running
        await pilot.press("ctrl+q")
    job = app.jobs[key]
    assert job.cancel.is_set()
    assert job.thread_done.wait(timeout=60), "the sync thread did not stop after quit"
    assert app.return_code == 0


async def add_token(app: VkSyncApp, pilot: Pilot[int], label: str, secret: str) -> None:
    """Settings, `a`, type the label and the token, enter; then wait for VK's answer."""
    await settle(app, pilot)
    await pilot.press("f2")
    await settle(app, pilot)
    await pilot.press("a")
    await settle(app, pilot)
    await pilot.press(*label, "tab", *secret, "enter")
    await settle(app, pilot)


async def test_a_token_vk_rejects_keeps_the_dialog_open_with_the_reason_and_the_input(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    world = emulator_home_factory(members=MEMBERS)
    labels_before = [entry.label for entry in world.config.tokens]
    app = make_app(world.home)
    async with app.run_test(size=(120, 36)) as pilot:
        await add_token(app, pilot, "stolen", "vk1.a.this-token-was-never-issued-by-vk")
        dialog = app.screen
        assert isinstance(dialog, AddTokenScreen), "the dialog closed on a rejected token"
        problem = str(dialog.query_one("#add-token-problem", Label).render())
        assert "was not added" in problem and "this-token-was-never-issued" not in problem
        assert dialog.query_one("#add-token-label", Input).value == "stolen"
        assert dialog.query_one("#add-token-secret", Input).value == "vk1.a.this-token-was-never-issued-by-vk"
        assert not dialog.query_one("#add", Button).disabled
    assert [entry.label for entry in app.config.tokens] == labels_before
    assert [entry.label for entry in load_config(world.home.config_file).tokens] == labels_before


async def test_a_token_vk_accepts_closes_the_dialog_and_joins_the_pool(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    world = emulator_home_factory(members=MEMBERS)
    world.configure(labels=["user-admin"])
    reader = next(token for token in world.tokens if token["label"] == "user-reader")
    app = make_app(world.home)
    async with app.run_test(size=(120, 36)) as pilot:
        await add_token(app, pilot, "second", reader["token"])
        assert not isinstance(app.screen, AddTokenScreen)
    assert [entry.label for entry in load_config(world.home.config_file).tokens] == ["user-admin", "second"]


async def test_several_lists_sync_at_once(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    world = emulator_home_factory(members=MEMBERS)
    app = make_app(world.home)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.action_sync("subscribers")
        app.action_sync("posts")
        assert len(app.running_jobs()) == 2
        await settle(app, pilot)
        assert app.jobs[JobKey("subscribers", world.group_id)].view.status == "pending"
        assert app.jobs[JobKey("posts", world.group_id)].view.status == "done"
        assert len(app.dashboard.query(SyncPanel)) == 2


async def test_f_in_the_first_review_fetches_the_profiles_of_the_people_in_the_diff(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    world = emulator_home_factory(members=MEMBERS)
    app = make_app(world.home)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await sync_subscribers(app, pilot)
        screen = app.screen
        assert isinstance(screen, DiffReviewScreen)
        assert "f fetches their profiles" in visible(app)
        table = screen.tables["joined"]
        assert {table.get_row_at(row)[1] for row in range(table.row_count)} == {NO_PROFILE}
        await pilot.press("f")
        await settle(app, pilot)
        assert app.jobs[JobKey("profiles", world.group_id)].view.status == "done"
        assert app.screen is screen
        names = [table.get_row_at(row)[1] for row in range(table.row_count)]
        assert names and NO_PROFILE not in names
        assert "press f" not in visible(app)
    with database_proxy.connection_context():
        refreshed = User.select().where(User.refreshed_at.is_null(False)).count()
    assert refreshed == MEMBERS  # exactly the diff's people: the first sync's joiners
