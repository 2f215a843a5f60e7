"""What a finished run had to work around, from the engine's figures: the CLI summary's second line and the
last line of the TUI's finished sync panel."""

from __future__ import annotations

from vksync_tui.sync.engine import FetchReport
from vksync_tui.sync.events import JobFinished
from vksync_tui.sync.runs import RunSummary, incidents_line
from vksync_tui.tui.jobs import JobKey, JobView
from vksync_tui.tui.widgets.sync_panel import figures_text


def test_a_clean_run_has_no_incidents_line() -> None:
    summary = RunSummary("posts", 1, "done")
    summary.absorb(FetchReport(requests=20))
    assert incidents_line(summary.as_json()) == ""


def test_fallbacks_resends_and_retries_are_counted_from_every_job() -> None:
    summary = RunSummary("posts", 1, "done")
    summary.absorb(FetchReport(requests=20, fell_back=2, errors_by_code={"5": 2}))
    summary.absorb(FetchReport(requests=5, rate_requeued=3, retried_ok=1, errors_by_code={"6": 3}))
    figures = summary.as_json()
    assert (figures["fell_back"], figures["rate_requeued"], figures["retried_ok"]) == (2, 3, 1)
    assert incidents_line(figures) == (
        "during the run: VK/transport errors 5×2, 6×3; 2 batch(es) sent by another token; "
        "3 call(s) sent again after error 6; 1 call(s) recovered in the retry phase"
    )


def test_the_finished_panel_ends_with_the_same_line_and_a_clean_run_without_it() -> None:
    troubled = RunSummary("posts", 1, "done")
    troubled.absorb(FetchReport(requests=20, fell_back=2, errors_by_code={"5": 2}))
    clean = RunSummary("posts", 1, "done")
    clean.absorb(FetchReport(requests=20))
    for summary, expected in ((troubled, incidents_line(troubled.as_json())), (clean, None)):
        view = JobView(JobKey("posts", 1), finished=JobFinished("done", summary.as_json()))
        last_line = figures_text(view).plain.splitlines()[-1]
        if expected is None:
            assert last_line.startswith("tokens ")
        else:
            assert last_line == expected and "2 batch(es) sent by another token" in expected
