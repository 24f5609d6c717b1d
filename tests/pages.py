"""Quality reports from real runs of the daily pipeline on the memory adapters, for the
quality page's tests: a clean day, then (``failed``) a dirty day that the gate stops."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from adapters.memory import (
    InMemoryGate,
    InMemoryReportStore,
    InMemoryTableStore,
)
from lakecore.errors import QualityGateFailed
from lakecore.gate import Gate
from lakecore.ports import RunContext
from lakecore.quality import QualityReport
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.memory import run_on

DAY = date(2026, 11, 27)


def quality_days(
    root: Path, *, failed: bool
) -> tuple[InMemoryTableStore, tuple[QualityReport, ...]]:
    """The lake and the gate's reports after a clean day (a few records quarantined, under
    the threshold) and, when ``failed``, a dirty day the gate stops."""
    store, reports = InMemoryTableStore(), InMemoryReportStore()
    for n, dirty in enumerate((0.01, 0.2) if failed else (0.01,)):
        day = DAY + timedelta(n)
        landing = root / f"landing-{n}"
        generate(GenerateOptions(landing, 600, seed=n + 3, dirty=dirty, business_date=day))
        try:
            run_on(
                landing,
                store,
                run=RunContext(f"run-{n}", day, datetime.combine(day, datetime.min.time())),
                gate=Gate(InMemoryGate(), reports, lh.SUITES, quarantine_threshold=0.01),
            )
        except QualityGateFailed:
            if n == 0:
                raise
    return store, reports.kept().reports
