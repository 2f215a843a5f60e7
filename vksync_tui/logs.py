"""Log files under `<home>/logs/`, with every registered token scrubbed before a line is written.

The filter sits on the handler, not on individual loggers, so third-party loggers (httpx) that propagate to
ours are scrubbed too. Files are 0600: even scrubbed logs reveal which communities the operator manages.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from vksync_tui.home import Home
from vksync_tui.secrets import RedactingFilter

LOG_FILE_NAME = "vksync.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


class _PrivateRotatingFileHandler(RotatingFileHandler):
    """Creates (and re-creates on rotation) its file with mode 0600."""

    def _open(self):  # type: ignore[no-untyped-def]  # signature inherited from logging
        stream = super()._open()
        os.chmod(self.baseFilename, 0o600)
        return stream


LEVEL_ENV = "VKSYNC_LOG_LEVEL"
DEBUG_ENV = "VKSYNC_DEBUG"


def level_from_environment() -> int:
    """`VKSYNC_LOG_LEVEL=DEBUG|INFO|WARNING…`, or DEBUG when `VKSYNC_DEBUG=1`; INFO otherwise."""
    named = os.environ.get(LEVEL_ENV, "").strip().upper()
    if named in logging.getLevelNamesMapping():
        return logging.getLevelNamesMapping()[named]
    return logging.DEBUG if os.environ.get(DEBUG_ENV) == "1" else logging.INFO


def setup_logging(home: Home, *, level: int | None = None) -> Path:
    """Send `vksync_tui.*` (and httpx warnings) to the home's log file; a second call replaces the handler."""
    level = level_from_environment() if level is None else level
    home.ensure()
    path = home.logs_dir / LOG_FILE_NAME
    handler = _PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter(_FORMAT))
    for name, logger_level in (("vksync_tui", level), ("httpx", max(level, logging.WARNING))):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _PrivateRotatingFileHandler)]:
            logger.removeHandler(old)
            old.close()
        logger.addHandler(handler)
        logger.setLevel(logger_level)
    return path
