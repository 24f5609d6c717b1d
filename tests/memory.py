"""The orders pipeline's daily run on the memory adapters, as most unit tests run it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from pathlib import Path
from typing import Any

from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryReportStore,
    LocalFileLanding,
)
from lakecore.daily import DailyReport, Stage, run_daily
from lakecore.gate import Gate
from lakecore.ports import RunContext, TableStore
from pipelines import orders as lh

DAY = date(2026, 11, 27)


def run_on(
    landing: Path,
    store: TableStore[Any],
    *,
    run: RunContext | None = None,
    gate: Gate[Any] | None = None,
    threshold: float = 1.0,
    stages: Collection[Stage] = tuple(Stage),
) -> DailyReport:
    """One daily run of ``landing``'s files into ``store``: as ``run`` (by default run "run"
    on ``DAY``) through ``gate`` (by default the pipeline's suites, in memory, letting a
    quarantine share up to ``threshold`` through: most tests are about what the pipeline
    does with dirty data, not about the gate stopping it)."""
    return run_daily(
        pipeline=lh.PIPELINE,
        landing=LocalFileLanding(landing),
        store=store,
        engine=InMemoryEngine(),
        gate=gate or Gate(InMemoryGate(), InMemoryReportStore(), lh.SUITES, threshold),
        run=run or RunContext("run", DAY, datetime(2026, 11, 27, 6)),
        progress=lambda step, **facts: None,
        stages=stages,
    )
