"""What keeps a profiles refresh's memory bounded: the rows waiting for the writer are few."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from vksync_tui.store.db import open_database
from vksync_tui.store.writer import StoreWriter
from vksync_tui.sync.row_buffer import RowBuffer


def test_a_worker_waits_while_the_writer_has_as_many_batches_as_allowed(tmp_path: Path) -> None:
    db = open_database(tmp_path / "store.db")
    gate = threading.Event()
    written: list[list[Any]] = []

    def write(rows: list[Any]) -> None:
        gate.wait(30)  # the store is slow: nothing is committed until the gate opens
        written.append(rows)

    with StoreWriter(db) as writer:
        rows = RowBuffer(writer, write, rows_per_job=1, max_waiting=2)
        handed: list[int] = []
        third = threading.Event()

        def produce() -> None:
            for batch in range(3):
                rows.add([(batch,)])
                handed.append(batch)
                if batch == 2:
                    third.set()

        producer = threading.Thread(target=produce)
        producer.start()
        assert not third.wait(0.3)  # two batches wait for the writer: the third is held by its worker
        assert handed == [0, 1]
        gate.set()
        assert third.wait(30)
        producer.join(30)
    assert written == [[(0,)], [(1,)], [(2,)]]
    db.close()
