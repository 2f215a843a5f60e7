"""Errors a sync raises instead of finishing with a summary: the operator asked for something impossible.

Everything else (faults, thresholds, cancellation) ends as a recorded run with a status; these mean the run
could not meaningfully start, and both faces show the message as it is (the CLI exits with code 2).
"""

from __future__ import annotations

from vksync_tui.vk.errors import VkError


class SyncInputError(Exception):
    """Unknown community or list, or no token that can do the job; `str()` is one line for the operator."""


class NoUsableToken(SyncInputError):
    """No enabled, healthy token of the kind the job needs; the message names the kind."""


class ApiUrlMisconfigured(SyncInputError):
    """The configured API URL does not answer as the VK API (`vk.errors.ApiUrlError`): the run is recorded as
    failed with the reason, and the faces show it as they show any input error (the CLI exits with code 2)."""


class ReconFailed(VkError):
    """No token could read what a run starts from (a community's member count, its dialog count), even in
    the retry phase: the run ends as failed, as any VK error ends it."""
