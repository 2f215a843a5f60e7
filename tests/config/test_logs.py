"""Log files: 0600, and a registered token never reaches the file even from a careless log call."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from vksync_tui.home import Home
from vksync_tui.logs import setup_logging
from vksync_tui.secrets import mask, register_secret

SECRET = "vk1.a.log-test-secret-00112233445566"


def test_log_file_is_private_and_redacted(tmp_path: Path) -> None:
    register_secret(SECRET)
    path = setup_logging(Home(tmp_path / "home"))
    try:
        logging.getLogger("vksync_tui.test").warning("token was %s", SECRET)
        logging.getLogger("httpx").warning("POST with %s", SECRET)
        for handler in logging.getLogger("vksync_tui").handlers:
            handler.flush()
        text = path.read_text()
        assert SECRET not in text and text.count(mask(SECRET)) == 2
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        for name in ("vksync_tui", "httpx"):
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
                handler.close()
