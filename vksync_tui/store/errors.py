"""Store exceptions: every message is one line that says what is wrong and what to do."""

from __future__ import annotations


class StoreError(Exception):
    """A database problem explained for the operator (never carries a token or a password)."""


class StoreWriteError(StoreError):
    """Raised by `StoreWriter.flush()`/`close()` when write jobs failed since the previous flush."""


class WriterClosedError(StoreError):
    """A job was submitted to a `StoreWriter` that is closing or closed."""
