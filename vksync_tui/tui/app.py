"""The Textual App: owns the config, the database binding, the running sync jobs and every background worker.

Rules this module keeps (see "The TUI" in docs/ARCHITECTURE.md):
- syncs run on the App, one thread worker per job, so they survive screen switches and several lists may run
  at once; every worker is a `@work` method with a group, a description and `exit_on_error=False`, exclusive
  only where a newer read makes an older one stale;
- worker threads never touch widgets: they `post_message`, and the handlers here change state and tell the
  screens what to show; screens never call in here: their messages bubble up to the handlers here
  (attributes down, messages up);
- quitting sets every job's cancel event first, so the engine stops at its next batch boundary and the
  process never hangs on a thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from vksync_tui.clock import WallClock
from vksync_tui.config import Config, TokenEntry, load_config, save_config
from vksync_tui.heap import freeze_startup_heap, thaw_heap
from vksync_tui.home import Home
from vksync_tui.secrets import redact
from vksync_tui.store.models import database_proxy
from vksync_tui.sync.context import SyncContext
from vksync_tui.sync.events import SyncEvent
from vksync_tui.sync.registry import LISTS, run_sync
from vksync_tui.tui import commands, tasks
from vksync_tui.tui import format as fmt
from vksync_tui.tui.diff_pages import profiles_missing
from vksync_tui.tui.jobs import JobKey, JobView, RunningJob
from vksync_tui.tui.keymap import effective_keymap
from vksync_tui.tui.lists import ListStatus, PendingInfo, list_statuses, pending_diff
from vksync_tui.tui.listview import list_commands, open_list_screen
from vksync_tui.tui.listview.export_view import lasting_export_folder
from vksync_tui.tui.messages import (
    CommunityResolved,
    DiffDecided,
    LoginChecked,
    ReviewReady,
    StatusesLoaded,
    SyncEventPosted,
    TaskDone,
    TokenChecked,
)
from vksync_tui.tui.screens.add_token import AddTokenScreen
from vksync_tui.tui.screens.dashboard import DashboardScreen
from vksync_tui.tui.screens.diff_review import Decision, DiffReviewScreen, ThresholdAbort
from vksync_tui.tui.screens.help import HelpScreen
from vksync_tui.tui.screens.login import LoginScreen
from vksync_tui.tui.screens.settings import SettingsScreen
from vksync_tui.tui.screens.token_dialog import TokenDialog
from vksync_tui.tui.widgets.list_card import ListCard
from vksync_tui.tui.widgets.sync_panel import SyncPanel
from vksync_tui.tui.widgets.too_small import MIN_HEIGHT, MIN_WIDTH, TALL_HEIGHT
from vksync_tui.vk.activity import TokenActivity, TokenFigures
from vksync_tui.vk.check import apply_check
from vksync_tui.vk.oauth import OAuthRedirect

Dialog = TypeVar("Dialog", bound=TokenDialog)
DECIDED: dict[Decision, str] = {"apply": "applied", "discard": "discarded"}


class VkSyncApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "vksync-tui"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-too-narrow"),
        (MIN_WIDTH, "-wide-enough"),
        (120, "-wide"),
    ]
    # -tall-enough: MIN_HEIGHT to TALL_HEIGHT - 1 rows, where the dashboard compacts itself (see its CSS).
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-too-short"),
        (MIN_HEIGHT, "-tall-enough"),
        (TALL_HEIGHT, "-tall"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+q", "quit", "Quit", priority=True, tooltip="Cancel running syncs and quit.", id="app-quit"
        ),
        Binding("f1", "help", "Help", tooltip="What every screen and key does.", id="app-help"),
        Binding(
            "f2", "view('settings')", "Settings", tooltip="Tokens, tuning and communities.", id="app-settings"
        ),
        Binding(
            "f3",
            "view('dashboard')",
            "Dashboard",
            tooltip="Back to the dashboard.",
            id="app-dashboard",
            show=False,
        ),
        Binding(
            "question_mark",
            "toggle_keys",
            "Keys",
            tooltip="Show or hide the key panel.",
            id="app-keys",
            show=False,
        ),
    ]

    def __init__(
        self,
        home: Home,
        *,
        clock: WallClock = time.time,
        demo: Any | None = None,
    ) -> None:
        """Loads the config and opens the session's sync context (database, writer, token pool, client).

        `demo` is the running demo environment (enables churn). Raises `ConfigError` / `StoreError`.
        One context serves every job of the session, so concurrent syncs share the tokens' rate limits.
        """
        super().__init__()
        self.home = home
        self.clock = clock
        self.demo = demo
        self.config: Config = load_config(home.config_file)
        self.context = SyncContext.open(home, config=self.config)
        self._context_stale = False
        self.current_group: int | None = self.config.communities[0].id if self.config.communities else None
        self.statuses: dict[int, list[ListStatus]] = {}
        self.jobs: dict[JobKey, RunningJob] = {}
        self._job_workers: dict[Worker[Any], JobKey] = {}
        self.dashboard = DashboardScreen(self.config, self.current_group)
        self.token_activity = TokenActivity(clock)
        if demo is not None:
            self.sub_title = "demo — VK emulator on loopback"

    # --- life cycle ---------------------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts carry engine and VK texts: plain (no markup surprises), always redacted. Thread-safe."""
        super().notify(redact(message), title=title, severity=severity, timeout=timeout, markup=markup)

    async def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.set_keymap(effective_keymap(self.config.keymap))
        await self.push_screen(self.dashboard)
        self.render_dashboard()
        self.action_reload()
        self.call_after_refresh(freeze_startup_heap)

    def on_unmount(self) -> None:
        thaw_heap()

    async def action_quit(self) -> None:
        """Ask every engine to stop at its next batch boundary, then exit; the workers end on their own."""
        for job in self.jobs.values():
            job.cancel.set()
        self.exit(0)

    @property
    def export_dir(self) -> Path:
        """Where list screens export to: <home>/exports, or in the demo (whose home is deleted when it ends)
        a folder that stays — the downloads folder or the current directory."""
        if self.demo is not None:
            return lasting_export_folder()
        return self.home.root / "exports"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Churn exists only in the demo (it drives the emulator): hide its key elsewhere."""
        return not (action == "simulate_churn" and self.demo is None)

    # --- views ------------------------------------------------------------------------------------------

    def action_view(self, name: str) -> None:
        if name == "settings":
            if not isinstance(self.screen, SettingsScreen):
                self._pop_to_dashboard()
                self.push_screen(SettingsScreen(self.config, self.token_figures(), self.clock))
        else:
            self._pop_to_dashboard()

    def _pop_to_dashboard(self) -> None:
        while self.screen is not self.dashboard and len(self.screen_stack) > 2:
            self.pop_screen()

    def view_list(self, list_name: str) -> None:
        """The list's own screen (virtual table over the stored rows) for the selected community."""
        if self.current_group is None:
            self.notify("no community selected", severity="warning")
            return
        open_list_screen(self, list_name, self.current_group)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_keys(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from commands.palette_commands(self, screen)
        yield from list_commands(self, self.current_group)

    # --- dashboard data -------------------------------------------------------------------------------

    def select_community(self, group_id: int) -> None:
        """Show `group_id` on the dashboard; the selector, the cards and `u` all follow `current_group`."""
        if group_id != self.current_group:
            self.current_group = group_id
            if self.dashboard.is_mounted:
                self.dashboard.show_communities(group_id)
            self.render_dashboard()
            self.action_reload()

    def action_reload(self) -> None:
        """Re-read counts, last runs and the pending diff of the selected community in a worker."""
        if self.current_group is None:
            self.render_dashboard()
            return
        self._load_statuses(self.current_group)

    @work(thread=True, exclusive=True, group="dashboard-load", description="Reading list figures",
          exit_on_error=False)
    def _load_statuses(self, group_id: int) -> None:
        with database_proxy.connection_context():
            statuses = list_statuses(group_id)
        self.post_message(StatusesLoaded(group_id, statuses))

    def on_dashboard_screen_community_chosen(self, message: DashboardScreen.CommunityChosen) -> None:
        self.select_community(message.group_id)

    def on_list_card_start_requested(self, message: ListCard.StartRequested) -> None:
        self.action_sync(message.list_name)

    def on_list_card_view_requested(self, message: ListCard.ViewRequested) -> None:
        self.view_list(message.list_name)

    def on_sync_panel_cancel_requested(self, message: SyncPanel.CancelRequested) -> None:
        self.cancel_job(message.key)

    def on_statuses_loaded(self, message: StatusesLoaded) -> None:
        self.statuses[message.group_id] = message.statuses
        self.render_dashboard()

    def render_dashboard(self) -> None:
        if not self.dashboard.is_mounted:
            return
        group = self.current_group
        running = {
            key.list_name for key, job in self.jobs.items() if key.group_id == group and job.view.running
        }
        self.dashboard.show_statuses(
            self.statuses.get(group) if group is not None else None, running, self.clock()
        )
        for job in self.jobs.values():
            self.dashboard.show_job(job.view, self.job_title(job.key))

    def community_title(self, group_id: int) -> str:
        return fmt.community_title(self.config, group_id)

    def job_title(self, key: JobKey) -> str:
        return f"{LISTS[key.list_name].title} · {self.community_title(key.group_id)}"

    # --- syncs ------------------------------------------------------------------------------------------

    def action_sync(self, list_name: str, **options: object) -> None:
        """Start syncing `list_name` of the selected community (refused, with a reason, if it cannot run)."""
        self.start_sync(list_name, self.current_group, **options)

    def action_fetch_diff_profiles(self, group_id: int | None = None) -> None:
        """The profiles sync of the people in the pending subscribers diff, so its review shows names."""
        group = self.current_group if group_id is None else group_id
        self.start_sync("profiles", group, scope="pending-diff")

    def start_sync(self, list_name: str, group: int | None, **options: object) -> None:
        """Start syncing `list_name` of community `group` (refused, with a reason, if it cannot run)."""
        problem = self._start_problem(list_name, group)
        if problem is not None or group is None:
            self.notify(problem or "no community selected", severity="warning", title="Cannot start sync")
            return
        if list_name == "subscribers" and self._pending_in_view(group):
            self.notify("the pending subscribers diff will be replaced by this sync's", title="Subscribers")
        key = JobKey(list_name, group)
        job = RunningJob(key, JobView(key), options=dict(options))
        context = self._job_context()
        self.jobs[key] = job
        self._job_workers[self._run_job(job, context)] = key
        self.render_dashboard()

    def _start_problem(self, list_name: str, group: int | None) -> str | None:
        if group is None:
            return "no community configured: add one in settings (f2)"
        if list_name not in LISTS:
            return f"unknown list {list_name!r}"
        status = next((s for s in self.statuses.get(group, []) if s.info.name == list_name), None)
        if status is not None and not status.available:
            return f"{LISTS[list_name].title}: sync not available yet"
        job = self.jobs.get(JobKey(list_name, group))
        if job is not None and job.view.running:
            return f"{LISTS[list_name].title} is already syncing"
        return None

    def _pending_in_view(self, group: int) -> bool:
        return any(status.pending is not None for status in self.statuses.get(group, []))

    @work(thread=True, group="sync", description="Syncing a list", exit_on_error=False)
    def _run_job(self, job: RunningJob, context: SyncContext) -> Any:
        """Runs in the job's thread: the engine talks to the UI only through posted messages."""

        def forward(event: SyncEvent) -> None:
            self.post_message(SyncEventPosted(job.key, event))

        try:
            return run_sync(
                job.key.list_name, context.for_job(forward, job.cancel), job.key.group_id, **job.options
            )
        finally:
            job.thread_done.set()

    def _job_context(self) -> SyncContext:
        """The session context, its pool (and client) rebuilt if settings changed while nothing runs."""
        if self._context_stale and not self.running_jobs():
            self.token_activity.retire(self.context.pool)
            self.context.reload_pool(self.config)
            self._context_stale = False
        return self.context

    def running_jobs(self) -> list[RunningJob]:
        return [job for job in self.jobs.values() if job.view.running]

    def close(self) -> None:
        """Flush the writer and close the database and HTTP client; call after the app has exited."""
        self.context.close()

    def on_sync_event_posted(self, message: SyncEventPosted) -> None:
        job = self.jobs.get(message.key)
        if job is None:
            return
        job.view.apply(message.event)
        if self.dashboard.is_mounted and self.dashboard.is_attached:  # not while the app tears it down
            self.dashboard.show_job(job.view, self.job_title(job.key))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        key = self._job_workers.get(event.worker)
        if key is None:
            if event.state == WorkerState.ERROR and event.worker.error is not None:
                self.notify(redact(str(event.worker.error)), severity="error", title=event.worker.description)
            return
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        del self._job_workers[event.worker]
        job = self.jobs[key]
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            job.view.crash(event.worker.error)
        elif event.state == WorkerState.CANCELLED and job.view.running:
            job.view.crash(RuntimeError("cancelled"))
        self._job_ended(job)

    def _job_ended(self, job: RunningJob) -> None:
        self.token_activity.account(self.context.pool)
        self.render_dashboard()
        self.action_reload()
        if job.key.list_name == "profiles":
            for screen in self.screen_stack:
                if isinstance(screen, DiffReviewScreen) and screen.group_id == job.key.group_id:
                    screen.profiles_fetched()
        finished = job.view.finished
        if finished is None or job.key.list_name != "subscribers":
            return
        if finished.status == "pending":
            self.open_review(job.key.group_id)
        elif finished.status == "aborted":
            self.push_review(
                job.key.group_id, None, threshold_abort(job.view, self.config.tuning.safety_threshold)
            )

    def cancel_job(self, key: JobKey) -> None:
        job = self.jobs.get(key)
        if job is not None and job.view.running:
            job.cancel.set()
            self.notify(f"cancelling {self.job_title(key)} at the next batch boundary")

    def action_cancel_all(self) -> None:
        for key, job in self.jobs.items():
            if job.view.running:
                self.cancel_job(key)

    def action_clear_finished(self) -> None:
        finished = [key for key, job in self.jobs.items() if not job.view.running]
        for key in finished:
            del self.jobs[key]
        self.dashboard.drop_jobs(finished)

    # --- diff review --------------------------------------------------------------------------------------

    def action_review_diff(self) -> None:
        if self.current_group is not None:
            self.open_review(self.current_group)

    def open_review(self, group_id: int) -> None:
        self._load_pending(group_id)

    @work(thread=True, exclusive=True, group="review-load", description="Reading the pending diff",
          exit_on_error=False)
    def _load_pending(self, group_id: int) -> None:
        with database_proxy.connection_context():
            pending = pending_diff(group_id)
            if pending is not None:
                pending = replace(pending, profiles_missing=profiles_missing(pending.run_id))
        self.post_message(ReviewReady(group_id, pending, None))

    def on_review_ready(self, message: ReviewReady) -> None:
        if message.pending is None and message.abort is None:
            self.notify("no pending subscribers diff for this community", title="Review")
            return
        self.push_review(message.group_id, message.pending, message.abort)

    def push_review(self, group_id: int, pending: PendingInfo | None, abort: ThresholdAbort | None) -> None:
        screen = DiffReviewScreen(group_id, self.community_title(group_id), pending, abort, now=self.clock())
        run_id = pending.run_id if pending is not None else None
        self.push_screen(screen, partial(self._review_decided, group_id, run_id))

    def _review_decided(self, group_id: int, run_id: int | None, decision: Decision | None) -> None:
        if decision is None or run_id is None:
            return
        self._decide_diff(group_id, run_id, decision)

    @work(thread=True, group="diff-decision", description="Applying or discarding the pending diff",
          exit_on_error=False)
    def _decide_diff(self, group_id: int, run_id: int, decision: Decision) -> None:
        try:
            text = tasks.decide_diff(self.context, group_id, decision)
        except tasks.TaskError as problem:
            self.post_message(TaskDone(str(problem), error=True))
            return
        self.post_message(DiffDecided(group_id, run_id, DECIDED[decision], text))

    def on_diff_decided(self, message: DiffDecided) -> None:
        """The panel of the run that saved the diff now says what became of it, as the card does."""
        self.notify(message.text)
        job = self.jobs.get(JobKey("subscribers", message.group_id))
        if job is not None and job.view.diff_decided(message.run_id, message.outcome):
            self.render_dashboard()
        self.action_reload()

    @on(TaskDone)
    def _task_done(self, message: TaskDone) -> None:
        self.notify(message.text, severity="error" if message.error else "information")
        if message.refresh:
            self.action_reload()

    # --- demo ------------------------------------------------------------------------------------------

    def action_simulate_churn(self) -> None:
        if self.demo is None or self.current_group is None:
            self.notify("churn is simulated only in --demo mode", severity="warning")
            return
        self._churn(self.current_group)

    @work(thread=True, group="demo-churn", description="Simulating churn in the emulator",
          exit_on_error=False)
    def _churn(self, group_id: int) -> None:
        joined, left = self.demo.churn(group_id)
        self.post_message(
            TaskDone(
                f"emulator: {joined} joined and {left} left; sync subscribers to see them in the diff review",
                refresh=False,
            )
        )

    # --- tokens and communities (settings) ------------------------------------------------------------

    def token_figures(self) -> dict[str, TokenFigures]:
        """Each configured token's status and requests today, with the states the running syncs report."""
        live = [job.view.tokens for job in self.running_jobs()]
        return self.token_activity.figures(self.config.tokens, live)

    def action_add_token(self) -> None:
        self._in_settings(SettingsScreen.action_add)

    def action_login(self) -> None:
        """VK's login page for a user token (the settings screen's `l`), from anywhere."""
        self._in_settings(SettingsScreen.action_login)

    def _in_settings(self, action: Callable[[SettingsScreen], object]) -> None:
        """Open settings (if not open) and run one of its actions there."""
        self.action_view("settings")
        if isinstance(self.screen, SettingsScreen):
            action(self.screen)
        else:
            self.call_after_refresh(lambda: isinstance(self.screen, SettingsScreen) and action(self.screen))

    def add_token(self, entry: TokenEntry) -> None:
        """Check the new token against VK first; it joins the pool only if VK accepts it."""
        self.token_activity.checks_started([entry.label])
        self._check_new_token(entry)
        self.notify(f"checking token {entry.label!r}…")

    @work(thread=True, group="token-add", description="Checking a new token", exit_on_error=False)
    def _check_new_token(self, entry: TokenEntry) -> None:
        check = tasks.check_entry(self.context, self.config, entry, clock=self.clock)
        self.post_message(TokenChecked(entry, check, new=True))

    def action_check_tokens(self, label: str | None = None) -> None:
        entries = [entry for entry in self.config.tokens if label is None or entry.label == label]
        if not entries:
            self.notify("no token to check", severity="warning")
            return
        self.token_activity.checks_started(entry.label for entry in entries)
        self._refresh_settings()
        self._check_tokens(entries)

    @work(thread=True, group="token-check", description="Checking tokens", exit_on_error=False)
    def _check_tokens(self, entries: list[TokenEntry]) -> None:
        for entry in entries:
            self.post_message(
                TokenChecked(entry, tasks.check_entry(self.context, self.config, entry, clock=self.clock),
                             new=False)
            )

    def on_add_token_screen_submitted(self, message: AddTokenScreen.Submitted) -> None:
        self.add_token(message.entry)

    def on_token_checked(self, message: TokenChecked) -> None:
        entry, check = message.entry, message.check
        self.token_activity.check_ended(entry.label)
        if message.new:
            dialog = self._dialog(AddTokenScreen)
            if check.invalid or check.last_error:
                reason = f"token {entry.label!r} was not added: {check.last_error or 'rejected by VK'}"
                self._token_refused(dialog, reason)
                return
            apply_check(entry, check)
            self._token_accepted(entry, dialog)
            return
        current = self.config.token(entry.label)
        if current is not None:
            apply_check(current, check)
            self.save()

    def on_login_screen_app_id_chosen(self, message: LoginScreen.AppIdChosen) -> None:
        self.config.app_id = message.app_id
        self.save()

    def on_login_screen_submitted(self, message: LoginScreen.Submitted) -> None:
        self._check_login(message.redirect, message.label)

    @work(thread=True, group="token-login", description="Checking a token from VK's login page",
          exit_on_error=False)
    def _check_login(self, redirect: OAuthRedirect, label: str | None) -> None:
        try:
            entry = tasks.login_entry(self.context, self.config, redirect, label, clock=self.clock)
        except tasks.TaskError as problem:
            self.post_message(LoginChecked(None, str(problem)))
            return
        self.post_message(LoginChecked(entry, None))

    def on_login_checked(self, message: LoginChecked) -> None:
        dialog = self._dialog(LoginScreen)
        if message.entry is None:
            self._token_refused(dialog, message.problem or "VK did not accept the token")
            return
        self._token_accepted(message.entry, dialog)

    def _dialog(self, kind: type[Dialog]) -> Dialog | None:
        return next((screen for screen in self.screen_stack if isinstance(screen, kind)), None)

    def _token_refused(self, dialog: TokenDialog | None, reason: str) -> None:
        """Say why a new token was not added: in its dialog (for the operator to correct), else in a toast."""
        if dialog is not None:
            dialog.rejected(redact(reason))
        else:
            self.notify(reason, severity="error", title="Token rejected", timeout=10)
        self._refresh_settings()

    def _token_accepted(self, entry: TokenEntry, dialog: TokenDialog | None) -> None:
        """Add a token VK accepted (unless the same one came in meanwhile), close its dialog and save."""
        twin = next((t for t in self.config.tokens if entry.label == t.label or entry.secret == t.secret),
                    None)
        if twin is not None:
            reason = f"token {entry.label!r} was not added: it is configured already as {twin.label!r}"
            self._token_refused(dialog, reason)
            return
        self.config.tokens.append(entry)
        if dialog is not None:
            dialog.dismiss(entry)
        expires = "" if entry.expires_at is None else f", expires {fmt.until(entry.expires_at, self.clock())}"
        self.notify(f"token {entry.label!r} added{expires}")
        self.save()

    def on_settings_screen_check_tokens(self, message: SettingsScreen.CheckTokens) -> None:
        self.action_check_tokens(message.label)

    def on_settings_screen_toggle_token(self, message: SettingsScreen.ToggleToken) -> None:
        entry = self.config.token(message.label)
        if entry is not None:
            entry.enabled = not entry.enabled
            self.save()

    def on_settings_screen_remove_token(self, message: SettingsScreen.RemoveToken) -> None:
        self.config.tokens = [entry for entry in self.config.tokens if entry.label != message.label]
        self.save()
        self.notify(f"token {message.label!r} removed")

    def on_settings_screen_save_tuning(self, message: SettingsScreen.SaveTuning) -> None:
        self.config.tuning = message.tuning
        if self.config.api_url_in_file is not None:
            self.config.api_url_in_file = message.api_url
        else:
            self.config.api_url = message.api_url
        self.save()
        for screen in self._settings_screens():
            screen.tuning_saved()

    def on_settings_screen_add_community(self, message: SettingsScreen.AddCommunity) -> None:
        self._resolve_community(message.query)

    @work(thread=True, group="community-add", description="Looking up a community", exit_on_error=False)
    def _resolve_community(self, query: str) -> None:
        try:
            community = tasks.resolve_community(self.context, self.config, query)
        except tasks.TaskError as problem:
            self.post_message(TaskDone(f"community {query!r}: {problem}", error=True, refresh=False))
            return
        self.post_message(CommunityResolved(community))

    def on_community_resolved(self, message: CommunityResolved) -> None:
        community = message.community
        if self.config.community(community.id) is not None:
            self.notify(f"community {community.id} is already configured", severity="warning")
            return
        self.config.communities.append(community)
        self.save()
        self.notify(f"community {community.title or community.id} added")

    def on_settings_screen_remove_community(self, message: SettingsScreen.RemoveCommunity) -> None:
        self.config.communities = [c for c in self.config.communities if c.id != message.group_id]
        self.save()

    def _settings_screens(self) -> list[SettingsScreen]:
        return [screen for screen in self.screen_stack if isinstance(screen, SettingsScreen)]

    def _refresh_settings(self) -> None:
        for screen in self._settings_screens():
            screen.show_tokens(self.token_figures())

    # --- config ------------------------------------------------------------------------------------------

    def save(self) -> None:
        """Persist the config (atomic, 0600) and let every screen re-read it."""
        save_config(self.home.config_file, self.config)
        self._context_stale = True
        if self.current_group is None and self.config.communities:
            self.current_group = self.config.communities[0].id
        elif self.current_group is not None and self.config.community(self.current_group) is None:
            self.current_group = self.config.communities[0].id if self.config.communities else None
        self.dashboard.show_communities(self.current_group)
        self.action_reload()
        for screen in self._settings_screens():
            screen.show_config(self.token_figures())


def threshold_abort(view: JobView, configured_threshold: float) -> ThresholdAbort:
    """The figures of a threshold abort, from the job's final summary (falling back to its last progress)."""
    summary = view.finished.summary if view.finished is not None else {}
    expected = summary.get("expected", view.progress.expected_items or view.expected_items)
    fetched = summary.get("fetched", view.progress.items)
    threshold = summary.get("threshold", configured_threshold)
    return ThresholdAbort(
        expected=expected if isinstance(expected, int) else None,
        fetched=fetched if isinstance(fetched, int) else None,
        threshold=float(threshold) if isinstance(threshold, int | float) else None,
        error=view.finished.error if view.finished is not None else None,
    )
