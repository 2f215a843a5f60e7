"""The plain summary's second line: what a finished run had to work around, from the engine's figures."""

from __future__ import annotations

from vksync_tui.cli.sync import incidents_line
from vksync_tui.sync.engine import FetchReport
from vksync_tui.sync.runs import RunSummary


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
