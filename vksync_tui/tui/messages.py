"""Messages that worker threads post to the App; the App's handlers own every state change.

Worker threads never touch widgets: they post one of these (``post_message`` is thread-safe) and return.
A `Progress` snapshot is cumulative, so a newer one for the same job may replace an older one still queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from vksync_tui.sync.events import Progress, SyncEvent
from vksync_tui.tui.jobs import JobKey


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


class JobEnded(Message):
    """The job's worker returned (summary) or raised (error); sent by the App to itself from the UI thread."""

    def __init__(self, key: JobKey, summary: Any | None, error: BaseException | None) -> None:
        super().__init__()
        self.key = key
        self.summary = summary
        self.error = error


class DataChanged(Message):
    """Something in the database or config changed: dashboards and lists should reload what they show."""


@dataclass
class WorkResult:
    """Outcome of a short background task (check a token, resolve a community, apply a diff)."""

    ok: bool
    detail: str
