"""Fixtures for the list-screen tests: stores (a 1M-member one built once per session) and host apps.

The host app (`tests/helpers/list_screens.py`) is a bare `App` that opens the store and pushes one list screen
through the public entry point `open_list_screen`, so these tests exercise what the dashboard calls, without
the session's sync context. The cursor does not blink here either (`tests/tui/conftest.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.bigstore import GROUP_ID, build_store
from tests.helpers.list_screens import BIG, SMALL, ListHost
from vksync_tui.home import Home
from vksync_tui.store.models import database_proxy


@pytest.fixture(scope="session")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,000,000 members (+ profiles, events, mailing) and 1,000,000 interactions on 5,000 posts."""
    return build_store(tmp_path_factory.mktemp("big") / "vksync.db", BIG)


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("small") / "vksync.db", SMALL)


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Callable[..., ListHost]]:
    apps: list[ListHost] = []

    def make(db_path: Path, list_name: str | None, group_id: int = GROUP_ID) -> ListHost:
        app = ListHost(db_path, Home(tmp_path / "home").ensure(), list_name, group_id)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.db.close()
    database_proxy.close()
