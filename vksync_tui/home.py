"""Where vksync-tui keeps its files: config.toml, vksync.db, logs/ and rate-budget/.

`--home DIR` or `VKSYNC_HOME` put everything in one folder (handy for tests, demos and several accounts);
otherwise the platform's conventions apply: config in the user config dir, database and logs in the user data
dir. Folders we create are 0700 because config.toml holds tokens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "vksync-tui"
HOME_ENV = "VKSYNC_HOME"


class HomeError(Exception):
    """The home folder cannot be created or written; the message is one human line."""


@dataclass(frozen=True)
class Home:
    root: Path
    config_dir: Path | None = None

    @property
    def config_file(self) -> Path:
        return (self.config_dir or self.root) / "config.toml"

    @property
    def db_path(self) -> Path:
        return self.root / "vksync.db"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def ensure(self) -> Home:
        """Create the folders (0700). Raises `HomeError` with one line if that is impossible."""
        for folder in (self.root, self.config_file.parent, self.logs_dir):
            ensure_private_dir(folder)
        return self


def ensure_private_dir(folder: Path) -> None:
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True, mode=0o700)
            folder.chmod(0o700)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise HomeError(f"folder {folder} is not writable")
    except OSError as exc:
        raise HomeError(f"cannot create folder {folder}: {exc.strerror or exc}") from None


def resolve_home(cli_home: str | None = None) -> Home:
    """`--home` > `VKSYNC_HOME` > platformdirs (config and data in separate standard places)."""
    chosen = cli_home or os.environ.get(HOME_ENV)
    if chosen:
        return Home(Path(chosen).expanduser().absolute())
    return Home(
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
    )
