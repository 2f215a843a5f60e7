"""The domain (`vk/`, `sync/`, `store/`, `emulator/`) runs without Textual.

Importing its entry points in a fresh interpreter loads no `textual` module, so the headless CLI and the
emulator never pay for (or depend on) the UI.
"""

from __future__ import annotations

import subprocess
import sys


def test_the_domain_packages_import_no_textual() -> None:
    """Textual only: httpx itself imports rich (for its command line) whenever click is installed."""
    code = (
        "import sys, vksync_tui.sync.registry, vksync_tui.sync.exports.format, vksync_tui.sync.diff, "
        "vksync_tui.sync.context, vksync_tui.vk.tokens, vksync_tui.store.db, vksync_tui.emulator.server; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
