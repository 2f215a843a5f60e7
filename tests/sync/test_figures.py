"""A run's figures: typed per list, stored as the JSON object the history, the mailing resume and the
benchmarks read."""

from __future__ import annotations

from dataclasses import dataclass

from vksync_tui.sync.engine import Chunk, FailedChunk, FetchReport, PhaseFigures
from vksync_tui.sync.figures import RunFigures
from vksync_tui.sync.mailing import Checkpoint
from vksync_tui.sync.runs import RunSummary
from vksync_tui.vk.execute import ApiCall


@dataclass
class PagedFigures(RunFigures):
    pages: int | None = None
    checkpoint: Checkpoint | None = None
    tokens: list[str] | None = None


def report(phase: str, workers: int, batch_size: int, failed: str | None = None) -> FetchReport:
    lost = [FailedChunk(Chunk(failed, ApiCall("wall.get", {})), "error")] if failed else []
    return FetchReport(requests=3, workers=workers, batch_size=batch_size, failed=lost,
                       phases=[PhaseFigures(phase, seconds=1.25, requests=3, calls_ok=30)])


def test_a_run_stores_its_jobs_phases_and_shapes_and_the_figures_it_measured() -> None:
    summary = RunSummary("posts", 7, status="running")
    figures = PagedFigures(pages=12, checkpoint=Checkpoint(41, 200, [[0, 400]], 2))
    figures.absorb(summary, report("recon", 1, 1), "recon")
    figures.absorb(summary, report("fetch", 9, 25, failed="page@300"))
    assert figures.as_json() == {
        "phases": [
            {"phase": "recon", "seconds": 1.25, "requests": 3, "calls_ok": 30, "calls_failed": 0},
            {"phase": "fetch", "seconds": 1.25, "requests": 3, "calls_ok": 30, "calls_failed": 0},
        ],
        "recon_workers": 1,
        "recon_batch_size": 1,
        "workers": 9,
        "batch_size": 25,
        "pages": 12,
        "checkpoint": {"sweep": 41, "page_size": 200, "done": [[0, 400]], "skipped": 2},
    }
    assert (summary.requests, summary.failed_chunks) == (6, ["page@300"])
    assert Checkpoint.from_json(figures.as_json()["checkpoint"]) == figures.checkpoint
