"""`vksync-tui export ... | head` ends quietly: a closed stdout is the reader's choice, not an error."""

from __future__ import annotations

import os
import subprocess
import sys

from vksync_tui.config import Community, Config, save_config
from vksync_tui.home import Home
from vksync_tui.store import models
from vksync_tui.store.bulk import execute_many, insert_sql
from vksync_tui.store.db import open_database

GROUP = 101


def test_export_into_a_closed_pipe_exits_0_without_a_message(home: Home) -> None:
    save_config(home.config_file, Config(communities=[Community(GROUP, "club101", "Club")]))
    db = open_database(home.db_path)
    fields = [models.Membership.community_id, models.Membership.user_id, models.Membership.is_current,
              models.Membership.first_seen]
    with db.atomic():
        rows = ((GROUP, user_id, True, 0) for user_id in range(1, 200_001))
        execute_many(db, insert_sql(models.Membership, fields), rows)
    db.close()

    process = subprocess.Popen(
        [sys.executable, "-m", "vksync_tui", "export", "subscribers", "--format", "csv"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "VKSYNC_HOME": str(home.root)},
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith(b"user_id,")
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, stderr
    assert stderr == ""
