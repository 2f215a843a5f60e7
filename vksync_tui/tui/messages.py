"""Messages that worker threads post to the App; the App's handlers own every state change.

Worker threads never touch widgets: they post one of these (``post_message`` is thread-safe) and return.
A `Progress` snapshot is cumulative, so a newer one for the same job may replace an older one still queued.
"""

from __future__ import annotations

from textual.message import Message

from vksync_tui.config import Community, TokenCheck, TokenEntry
from vksync_tui.sync.events import Progress, SyncEvent
from vksync_tui.tui.jobs import JobKey
from vksync_tui.tui.lists import ListStatus, PendingInfo
from vksync_tui.tui.screens.diff_review import ThresholdAbort


class SyncEventPosted(Message):
    """One engine event of one job, forwarded from the job's worker thread."""

    def __init__(self, key: JobKey, event: SyncEvent) -> None:
        super().__init__()
        self.key = key
        self.event = event

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, SyncEventPosted)
            and message.key == self.key
            and isinstance(message.event, Progress)
            and isinstance(self.event, Progress)
        )


class StatusesLoaded(Message):
    def __init__(self, group_id: int, statuses: list[ListStatus]) -> None:
        super().__init__()
        self.group_id = group_id
        self.statuses = statuses


class ReviewReady(Message):
    """A pending diff (or a threshold abort) is ready to be reviewed."""

    def __init__(self, group_id: int, pending: PendingInfo | None, abort: ThresholdAbort | None) -> None:
        super().__init__()
        self.group_id = group_id
        self.pending = pending
        self.abort = abort


class TaskDone(Message):
    """A short background task finished; `refresh` asks for the dashboard figures to be re-read."""

    def __init__(self, text: str, *, error: bool = False, refresh: bool = True) -> None:
        super().__init__()
        self.text = text
        self.error = error
        self.refresh = refresh


class DiffDecided(Message):
    """The pending diff of run `run_id` was applied or discarded (`outcome`); `text` says what happened."""

    def __init__(self, group_id: int, run_id: int, outcome: str, text: str) -> None:
        super().__init__()
        self.group_id = group_id
        self.run_id = run_id
        self.outcome = outcome
        self.text = text


class TokenChecked(Message):
    def __init__(self, entry: TokenEntry, check: TokenCheck, *, new: bool) -> None:
        super().__init__()
        self.entry = entry
        self.check = check
        self.new = new


class CommunityResolved(Message):
    def __init__(self, community: Community) -> None:
        super().__init__()
        self.community = community
