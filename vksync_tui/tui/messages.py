"""Messages that worker threads post to the App; the App's handlers own every state change.

Worker threads never touch widgets: they post one of these (``post_message`` is thread-safe) and return.
A `Progress` snapshot is cumulative, so a newer one for the same job may replace an older one still queued.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from textual.message import Message

from vksync_tui.config import Community, TokenCheck, TokenEntry
from vksync_tui.sync.events import Progress, SyncEvent
from vksync_tui.tui.jobs import JobKey
from vksync_tui.tui.lists import ListStatus, PendingInfo
from vksync_tui.tui.screens.diff_review import ThresholdAbort


@dataclass
class SyncEventPosted(Message):
    """One engine event of one job, forwarded from the job's worker thread."""

    key: JobKey
    event: SyncEvent

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, SyncEventPosted)
            and message.key == self.key
            and isinstance(message.event, Progress)
            and isinstance(self.event, Progress)
        )


@dataclass
class StatusesLoaded(Message):
    """The figures of every list of community `group_id`, read from the database."""

    group_id: int
    statuses: list[ListStatus]


@dataclass
class ReviewReady(Message):
    """A pending diff (or a threshold abort) is ready to be reviewed."""

    group_id: int
    pending: PendingInfo | None
    abort: ThresholdAbort | None


@dataclass
class TaskDone(Message):
    """A short background task finished; `refresh` asks for the dashboard figures to be re-read."""

    text: str
    _: KW_ONLY
    error: bool = False
    refresh: bool = True


@dataclass
class DiffDecided(Message):
    """The pending diff of run `run_id` was applied or discarded (`outcome`); `text` says what happened."""

    group_id: int
    run_id: int
    outcome: str
    text: str


@dataclass
class TokenChecked(Message):
    """What VK said about `entry`; `new` for a token being added (it joins the pool only if VK accepts it)."""

    entry: TokenEntry
    check: TokenCheck
    _: KW_ONLY
    new: bool


@dataclass
class CommunityResolved(Message):
    """The community a look-up found, to add to the config."""

    community: Community


@dataclass
class LoginChecked(Message):
    """VK's verdict on the token of a pasted login address: the checked `entry` to add, or the `problem`."""

    entry: TokenEntry | None
    problem: str | None
